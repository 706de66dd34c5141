"""The ``tieline/*`` protocol: every custom request and notification, defined once.

LSP has no words for server-described tree views, integration health or sign-in, so these
few messages are Tieline's own. The models here are the single source of truth: the server
validates with them, and ``tieline-protocol.schema.json`` (generated from them, committed,
checked by a test) is what the TypeScript and Kotlin shells validate against. Field names are
camelCase on the wire, like LSP's; Python code uses snake_case.

Regenerate the schema after changing a model::

    python -m server.lsp.tieline_protocol > server/lsp/tieline-protocol.schema.json

Compatibility rule: add optional fields freely; renaming or removing a field, or making one
required, is a breaking change and bumps :data:`PROTOCOL_VERSION`'s major number. Results are
objects (``{"panels": [...]}``) rather than bare arrays so they can grow without breaking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.json_schema import models_json_schema

# Method names (in a module of their own, so handlers register without loading pydantic).
from .tieline_methods import (
    AUTH_SIGN_IN,
    AUTH_SIGN_OUT,
    AUTH_STATUS,
    CI_ACT,
    CI_TRIGGER,
    CI_TRIGGERS,
    CONNECTORS,
    LOG,
    LOG_CHANGED,
    PANEL_CHANGED,
    PANEL_ITEMS,
    PANELS,
    STATUS,
    STATUS_CHANGED,
)

PROTOCOL_VERSION = "1.5.0"
SCHEMA_PATH = Path(__file__).with_name("tieline-protocol.schema.json")


class WireModel(BaseModel):
    """Base of every message part: camelCase on the wire, snake_case in Python, unknown
    fields ignored (a newer shell may send more)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    def wire(self) -> dict[str, Any]:
        """The JSON-ready form sent to the editor (camelCase, ``None`` fields left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


HealthState = Literal["healthy", "degraded", "failing", "disabled"]


# --- panels ------------------------------------------------------------------------------


class Panel(WireModel):
    """A tree view the shell shows in its side bar."""

    id: str
    title: str
    icon: str = Field(description="A codicon name, e.g. 'issues' or 'git-pull-request'.")
    context_value: str | None = None
    welcome: str | None = Field(
        default=None, description="Markdown shown when the panel has no items (e.g. sign in)."
    )


class PanelsResult(WireModel):
    panels: list[Panel]


class Command(WireModel):
    """An editor command; ``command`` is usually a ``workspace/executeCommand`` id."""

    command: str
    title: str
    arguments: list[Any] | None = None


class ItemAction(WireModel):
    """A button on a tree item: ``inline`` shows on hover, ``context`` in its context menu."""

    id: str
    title: str
    command: Command
    icon: str | None = Field(default=None, description="A codicon name.")
    placement: Literal["inline", "context"] = "context"


class TreeItem(WireModel):
    id: str
    label: str
    description: str | None = None
    tooltip: str | None = Field(default=None, description="Markdown, already sanitized.")
    icon: str | None = Field(default=None, description="A codicon name.")
    url: str | None = None
    command: Command | None = Field(default=None, description="Run when the item is opened.")
    has_children: bool = False
    context_value: str | None = None
    actions: list[ItemAction] = Field(default_factory=list)
    service: str | None = Field(
        default=None, description="The connector id the item comes from (e.g. 'gitlab')."
    )
    key: str | None = Field(default=None, description="How the item is named: '#7', 'PROJ-7'.")
    ci_item: str | None = Field(
        default=None,
        description="CI panel: the pipeline or job id tieline/ci/act takes. The actions it "
        "allows now are the 'can.<action>' words of contextValue.",
    )
    log_uri: str | None = Field(
        default=None,
        description="CI panel, a job: its log; Tasks panel, a task that has run: its output "
        "(tieline/log, textDocumentContent).",
    )


class PanelItemsParams(WireModel):
    panel_id: str
    parent_id: str | None = Field(default=None, description="Absent for the top level.")


class PanelItemsResult(WireModel):
    items: list[TreeItem]


class PanelChangedParams(WireModel):
    """Server → client: refetch the panel (or only ``itemId``'s children)."""

    panel_id: str
    item_id: str | None = None


# --- status ------------------------------------------------------------------------------


class ConnectorStatus(WireModel):
    """Health of one connector account (e.g. github on github.com as @alice)."""

    connector: str
    host: str | None = None
    account: str | None = None
    state: HealthState
    last_success: datetime | None = None
    last_error: str | None = Field(default=None, description="Human-readable, secrets redacted.")
    last_error_at: datetime | None = None
    error_rate: float | None = Field(default=None, ge=0, le=1)
    latency_ms: float | None = Field(default=None, ge=0)
    rate_limit_remaining: int | None = None
    rate_limit_limit: int | None = None
    rate_limit_reset: datetime | None = None
    requests: int = 0
    cache_hit_rate: float | None = Field(default=None, ge=0, le=1)


class NextMeeting(WireModel):
    """The meeting the person goes to next, from every connected calendar: what a status bar
    item shows (title, time to it) and what its click opens (the join link)."""

    key: str = Field(description="The event's id; tieline.joinMeeting takes it.")
    title: str
    start: datetime
    end: datetime
    until: str = Field(description="How long until it starts: 'in 5 min', 'now', 'at 14:00'.")
    service: str = Field(description="The connector id of its calendar (e.g. 'caldav').")
    join_url: str | None = None
    provider: Literal["zoom", "meet", "teams", "webex", "other"] | None = Field(
        default=None, description="The video service the join link opens."
    )
    provider_name: str | None = Field(default=None, description="'Zoom', 'Google Meet', ...")
    location: str | None = None


class FocusAccount(WireModel):
    """One chat account in focus mode, and where it stands."""

    connector: str
    account: str
    state: Literal["focusing", "starting", "restoring", "waiting"] = Field(
        description="'focusing': its notifications are held; 'starting' / 'restoring': "
        "being told (retried while the service fails); 'waiting': not connected now, "
        "its saved status is put back once it is."
    )
    last_error: str | None = Field(default=None, description="Secrets redacted.")
    retry_at: datetime | None = Field(default=None, description="When it is tried again.")


class FocusStatus(WireModel):
    """Focus mode while it is on: notifications held and a status set in every chat service
    that can (protocol 1.4). What a status bar item shows (until when, why)."""

    until: datetime
    until_text: str = Field(description="'until 15:30', for a status bar.")
    reason: Literal["calendar", "manual"] = Field(
        description="'calendar': a focus block of the calendar; 'manual': started in the editor."
    )
    why: str = Field(description="'Deep work (calendar)', 'started in the editor'.")
    event_key: str | None = Field(default=None, description="The calendar event's id.")
    status_text: str = Field(description="The status line set in each service.")
    accounts: list[FocusAccount] = Field(default_factory=list)


class DocSyncLink(WireModel):
    """One workspace folder linked to a drive folder, and where its sync stands."""

    folder: str = Field(description="Workspace-relative ('docs').")
    service: str = Field(description="The drive's connector id ('microsoft', 'google').")
    remote: str = Field(description="The drive folder, as the link names it.")
    state: Literal["idle", "syncing", "error", "offline"] = Field(
        description="'syncing': a round runs now; 'error': the last round stopped "
        "(lastError says why) and none has completed since; 'offline': it does not run, "
        "for want of a signed-in account (lastError says which)."
    )
    last_sync: datetime | None = Field(default=None, description="When a round last completed.")
    conflicts: int = Field(default=0, ge=0, description="Conflicts waiting to be resolved.")
    last_error: str | None = Field(default=None, description="Secrets redacted.")


class DocSyncStatus(WireModel):
    """Folder sync while any folder is linked (protocol 1.5): what a status bar item shows
    (the state, the conflicts to resolve) and, per link, the details for its tooltip."""

    state: Literal["idle", "syncing", "error"] = Field(
        description="'syncing' while any link's round runs, else 'error' when any link's "
        "last round stopped, else 'idle'."
    )
    linked: int = Field(ge=0, description="How many folders are linked.")
    conflicts: int = Field(default=0, ge=0, description="Conflicts waiting, in every link.")
    last_sync: datetime | None = Field(
        default=None, description="When a round of any link last completed."
    )
    last_error: str | None = Field(
        default=None, description="The first stopped link's error, secrets redacted."
    )
    links: list[DocSyncLink] = Field(default_factory=list)


class TeamHubStatus(WireModel):
    """The link to the team hub while one is configured: pushed changes, or polling."""

    state: Literal["connecting", "connected", "fallback", "auth_required"] = Field(
        description="'connected': changes are pushed and polls are a safety net; "
        "'fallback': the hub is unreachable, so services are polled as usual; "
        "'auth_required': the hub refused its token (lastError says what to do)."
    )
    url: str | None = Field(default=None, description="The hub's stream, without its query.")
    last_event_id: str | None = Field(default=None, description="Where a reconnect resumes.")
    lag_seconds: float | None = Field(
        default=None, ge=0, description="From the last event's time at the hub to here."
    )
    last_event_at: datetime | None = None
    since: datetime | None = Field(default=None, description="When the state began.")
    last_error: str | None = Field(default=None, description="Secrets redacted.")


class StatusResult(WireModel):
    overall: HealthState
    connectors: list[ConnectorStatus]
    team_hub: TeamHubStatus | None = Field(
        default=None, description="Absent when no team hub is configured."
    )
    next_meeting: NextMeeting | None = Field(
        default=None, description="Absent when no calendar is connected or nothing is ahead."
    )
    focus: FocusStatus | None = Field(default=None, description="Absent when not focusing.")
    docsync: DocSyncStatus | None = Field(
        default=None, description="Absent when no folder is linked to a drive."
    )


class StatusChangedParams(WireModel):
    """Server → client: part of what ``tieline/status`` answers changed by itself (a sync
    round started or ended, focus started or ended); the shell asks for the status again
    (protocol 1.5)."""

    part: str = Field(description="What changed: 'docsync', 'focus' or 'team_hub' (more may come).")


# --- auth --------------------------------------------------------------------------------


AuthMethod = Literal["pkce", "device", "token", "api_key", "basic"]


class AuthParams(WireModel):
    connector: str
    host: str | None = Field(default=None, description="Enterprise host; absent for the default.")


class SignInParams(AuthParams):
    """Start signing in. ``method`` defaults to the connector's first; ``token`` (and for
    ``basic`` the ``username``) carry a pasted secret, which the shell reads without echo."""

    method: AuthMethod | None = None
    token: str | None = Field(default=None, description="A pasted token or API key (secret).")
    username: str | None = Field(default=None, description="For basic: e.g. the email.")


class SignOutParams(AuthParams):
    account: str | None = None


class DeviceCode(WireModel):
    """OAuth device authorization (RFC 8628): show ``userCode``, open ``verificationUri``."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int = Field(description="Seconds until the code expires.")
    interval: int = 5


class SignInResult(WireModel):
    state: Literal["signedIn", "pending", "failed", "cancelled"]
    device_code: DeviceCode | None = None
    browser_url: str | None = Field(
        default=None, description="For the PKCE flow: open this URL in the user's browser."
    )
    account: str | None = None
    message: str | None = None


class SignOutResult(WireModel):
    signed_out: bool
    revoked: bool = Field(default=False, description="The token was ended at the service too.")


class AuthStatusParams(WireModel):
    connector: str | None = Field(default=None, description="Absent: every connector.")
    host: str | None = None


class AccountStatus(WireModel):
    connector: str
    host: str | None = None
    account: str | None = None
    signed_in: bool
    method: AuthMethod | None = None
    scopes: list[str] = Field(default_factory=list)
    expires_at: datetime | None = None


class AuthStatusResult(WireModel):
    accounts: list[AccountStatus]


# --- connectors ---------------------------------------------------------------------------


class AuthOption(WireModel):
    """A way to sign in that the connector offers, as a shell shows it."""

    method: AuthMethod
    label: str
    secret_label: str | None = Field(
        default=None, description="For pasted secrets: what to ask for ('Personal token')."
    )
    username_label: str | None = Field(default=None, description="For basic: 'email'.")
    help: str | None = Field(default=None, description="Where to get a token, in plain words.")


class ConnectorAccount(WireModel):
    host: str
    account: str
    state: HealthState


class ConnectorInfo(WireModel):
    """One installed connector, for shells that must not name services themselves."""

    id: str
    name: str
    description: str = ""
    capabilities: list[str]
    attach: Literal["remote", "site", "account"]
    hosts: list[str] = Field(default_factory=list, description="Hosts it serves now.")
    enabled: bool = True
    ready: bool = Field(
        default=True, description="False when it needs a setting first (a site's URL)."
    )
    auth: list[AuthOption] = Field(default_factory=list)
    accounts: list[ConnectorAccount] = Field(default_factory=list)


class ConnectorsResult(WireModel):
    connectors: list[ConnectorInfo]


# --- CI ----------------------------------------------------------------------------------

CIActionName = Literal["rerun", "rerun_failed", "cancel", "retry", "play"]
RunStatusName = Literal["queued", "running", "waiting", "completed"]


class CIStep(WireModel):
    name: str
    number: int | None = None
    status: RunStatusName
    conclusion: str = Field(description="success, failure, pending, cancelled, skipped, ...")


class CIJob(WireModel):
    id: str = Field(description="The job's id, for tieline/ci/act.")
    name: str
    status: RunStatusName
    conclusion: str
    stage: str | None = None
    url: str | None = None
    allow_failure: bool = False
    actions: list[CIActionName] = Field(default_factory=list)
    log_uri: str = Field(description="The tieline-log: URI of its log.")
    steps: list[CIStep] = Field(default_factory=list)


class CIPipeline(WireModel):
    id: str = Field(description="The pipeline's id, for tieline/ci/act.")
    service: str = Field(description="The connector id.")
    service_name: str
    name: str
    status: RunStatusName
    conclusion: str
    number: int | None = None
    attempt: int = 1
    branch: str | None = None
    sha: str | None = None
    event: str | None = None
    url: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    actions: list[CIActionName] = Field(default_factory=list)
    jobs: list[CIJob] = Field(default_factory=list)


class CIActParams(WireModel):
    item: str = Field(description="A pipeline or job id (a CI panel item's ciItem, or its id).")
    action: CIActionName


class CIActResult(WireModel):
    pipeline: CIPipeline | None = Field(
        default=None, description="The pipeline after (a re-run may be a new one)."
    )
    message: str


class CITriggersParams(WireModel):
    folder: str | None = Field(default=None, description="A workspace folder URI; absent: all.")


class CITriggerInput(WireModel):
    name: str
    description: str = ""
    type: Literal["string", "boolean", "choice", "number", "environment", "password"] = "string"
    required: bool = False
    default: str | None = None
    options: list[str] = Field(default_factory=list)


class CITrigger(WireModel):
    id: str = Field(description="For tieline/ci/trigger.")
    name: str
    description: str = ""
    service: str
    service_name: str
    scope: str
    branch: str | None = Field(default=None, description="Its folder's branch: the default.")
    url: str | None = None
    inputs: list[CITriggerInput] = Field(default_factory=list)


class CITriggersResult(WireModel):
    triggers: list[CITrigger]


class CITriggerParams(WireModel):
    trigger: str
    branch: str | None = Field(default=None, description="Absent: its folder's branch.")
    inputs: dict[str, str] = Field(default_factory=dict)


class CITriggerResult(WireModel):
    pipeline: CIPipeline | None = None
    message: str


class LogParams(WireModel):
    uri: str = Field(description="A tieline-log: URI (a CI job's logUri).")
    offset: int = Field(default=0, ge=0, description="Where to read from (a nextOffset).")
    limit: int | None = Field(
        default=None, ge=1, description="Most characters wanted; the server caps it (a page)."
    )


class LogResult(WireModel):
    """A page of a job's log: ANSI stripped, the failing step first (under a header line)
    once the job has failed. While ``complete`` is false more follows (the job runs, or
    there are more pages); ``version`` changes when the text is laid out anew (read from 0)."""

    text: str
    next_offset: int
    complete: bool
    total: int | None = Field(default=None, description="Characters in all, once known.")
    version: int = 1
    failing_step: str | None = None
    error: str | None = Field(
        default=None, description="Why the log could not be read to its end (text is partial)."
    )


class LogChangedParams(WireModel):
    """Server → client: a followed log grew (or was laid out anew: ``version``)."""

    uri: str
    version: int


# --- the method table --------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    name: str
    kind: Literal["request", "notification"]
    direction: Literal["clientToServer", "serverToClient"]
    params: type[WireModel] | None
    result: type[WireModel] | None
    doc: str


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(PANELS, "request", "clientToServer", None, PanelsResult, "The panels to show."),
        Method(
            PANEL_ITEMS,
            "request",
            "clientToServer",
            PanelItemsParams,
            PanelItemsResult,
            "The items of a panel, or the children of one item.",
        ),
        Method(
            PANEL_CHANGED,
            "notification",
            "serverToClient",
            PanelChangedParams,
            None,
            "A panel's items changed; the shell asks for them again.",
        ),
        Method(STATUS, "request", "clientToServer", None, StatusResult, "Integration health."),
        Method(
            STATUS_CHANGED,
            "notification",
            "serverToClient",
            StatusChangedParams,
            None,
            "Part of the status changed by itself; the shell asks for tieline/status again.",
        ),
        Method(
            CONNECTORS,
            "request",
            "clientToServer",
            None,
            ConnectorsResult,
            "Installed connectors: capabilities, sign-in methods, accounts, health.",
        ),
        Method(
            AUTH_SIGN_IN,
            "request",
            "clientToServer",
            SignInParams,
            SignInResult,
            "Start signing in; a device code or browser URL comes back.",
        ),
        Method(
            AUTH_SIGN_OUT,
            "request",
            "clientToServer",
            SignOutParams,
            SignOutResult,
            "Forget an account's credentials.",
        ),
        Method(
            AUTH_STATUS,
            "request",
            "clientToServer",
            AuthStatusParams,
            AuthStatusResult,
            "Which accounts are signed in.",
        ),
        Method(
            CI_ACT,
            "request",
            "clientToServer",
            CIActParams,
            CIActResult,
            "Re-run, cancel, retry or play a pipeline or job (one of its allowed actions).",
        ),
        Method(
            CI_TRIGGERS,
            "request",
            "clientToServer",
            CITriggersParams,
            CITriggersResult,
            "The pipelines a person can start by hand, with their inputs.",
        ),
        Method(
            CI_TRIGGER,
            "request",
            "clientToServer",
            CITriggerParams,
            CITriggerResult,
            "Start a trigger on a branch with inputs.",
        ),
        Method(
            LOG,
            "request",
            "clientToServer",
            LogParams,
            LogResult,
            "A page of a job's log, for shells without workspace/textDocumentContent.",
        ),
        Method(
            LOG_CHANGED,
            "notification",
            "serverToClient",
            LogChangedParams,
            None,
            "A log read with tieline/log grew or was laid out anew.",
        ),
    )
}


def json_schema() -> dict[str, Any]:
    """One JSON Schema document: ``$defs`` per model and a ``methods`` map to them."""
    models: set[type[WireModel]] = set()
    for m in METHODS.values():
        models.update(t for t in (m.params, m.result) if t is not None)
    ordered = sorted(models, key=lambda t: t.__name__)
    _, top = models_json_schema(
        [(t, "validation") for t in ordered],
        by_alias=True,
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = top["$defs"]
    for schema in defs.values():
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)  # "Expiresat": generated noise, the name says it already
    ref = "#/$defs/{}".format
    methods = {
        m.name: {
            "kind": m.kind,
            "direction": m.direction,
            "description": m.doc,
            "params": {"$ref": ref(m.params.__name__)} if m.params else None,
            "result": {"$ref": ref(m.result.__name__)} if m.result else None,
        }
        for m in METHODS.values()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:tieline:protocol",
        "title": "Tieline custom LSP messages",
        "version": PROTOCOL_VERSION,
        "methods": methods,
        "$defs": defs,
    }


def render_schema() -> str:
    """The schema file's exact text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_schema())
