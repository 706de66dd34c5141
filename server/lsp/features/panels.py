"""The ``tieline/*`` panel and status requests: tree views every shell renders the same way.

The server describes each panel as tree items (label, description, tooltip, codicon, url,
command, actions); shells only draw them. Items come from the sync's index, so expanding a
panel never waits on the network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from connectors.sdk.lazy import lazy_module

from .. import tieline_methods as methods
from ..common import plain
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer

if TYPE_CHECKING:
    from connectors.sdk.models import Issue
    from server.hub.hub import Hub

if TYPE_CHECKING:
    from .. import tieline_protocol as proto
else:  # the pydantic models load with the first tieline/* message, after initialize
    proto = lazy_module("server.lsp.tieline_protocol")

_EPOCH = datetime.fromtimestamp(0, UTC)
#: The panels: ``(id, title, codicon)``. Tasks need no sign-in (:mod:`.tasks`).
PANELS = (
    ("work", "My Work", "checklist"),
    ("ci", "CI", "pass"),
    ("agenda", "Agenda", "calendar"),
    ("inbox", "Inbox", "mail"),
    ("tasks", "Tasks", "tools"),
    ("snippets", "Snippets", "symbol-snippet"),
    ("docs", "Docs", "book"),
    ("integrations", "Integrations", "plug"),
)
#: Panels with something to show before any sign-in (no "sign in" welcome there).
NO_SIGN_IN = frozenset({"integrations", "docs", "snippets", "tasks"})
WELCOME = "Sign in to a service to see your pull requests, issues and CI here."
STATE_ICONS = {
    "healthy": "pass",
    "degraded": "warning",
    "failing": "error",
    "disabled": "circle-slash",
}
RUN_ICONS = {"success": "pass", "failure": "error", "pending": "sync"}


def _cmd(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


def _service(hub: Hub, connector: str) -> str:
    return hub.registry.manifest(connector).name if connector in hub.registry else connector


def _item_node(hub: Hub, parent: str, it: Issue) -> proto.TreeItem:
    from connectors.sdk.models import PullRequest
    from server.hub.sanitize import plain_text

    from ..cards import checks_text, hover_card, item_key, state_word

    is_pr = isinstance(it, PullRequest) or it.is_pull_request
    service = _service(hub, it.connector)
    actions = [
        proto.ItemAction(
            id="open",
            title="Open in Browser",
            icon="link-external",
            placement="inline",
            command=_cmd("tieline.openInBrowser", "Open in Browser", it.url),
        )
    ]
    if is_pr:
        actions.append(
            proto.ItemAction(
                id="checkout",
                title="Check Out",
                icon="git-branch",
                command=_cmd("tieline.checkoutPullRequest", "Check Out", it.key),
            )
        )
    else:
        actions.append(
            proto.ItemAction(
                id="start",
                title="Start Work",
                icon="git-branch",
                command=_cmd("tieline.startWork", "Start Work", it.key),
            )
        )
    where = it.ref.label if it.ref.relative else f"{it.ref.key}"
    desc = [service, plain_text(where, 80), state_word(it)]
    if isinstance(it, PullRequest) and it.checks and it.checks.total:
        desc.append(checks_text(it.checks))
    icon = "git-pull-request" if is_pr else "issues" if it.state == "open" else "issue-closed"
    return proto.TreeItem(
        id=f"{parent}/{it.key}",
        label=plain_text(it.title, 120),
        description=" · ".join(d for d in desc if d),
        tooltip=hover_card(it, service=service),
        icon=icon,
        url=it.url,
        command=_cmd("tieline.openInBrowser", "Open in Browser", it.url),
        context_value="pullRequest" if is_pr else "issue",
        actions=actions,
        service=it.connector,
        key=item_key(it),
    )


def _sign_in_items(hub: Hub) -> list[proto.TreeItem]:
    """A "Sign in to X" item for each enabled connector that has no session yet but could
    have one (a site connector needs its site configured first)."""
    from server.hub import endpoints

    have = {s.connector_id for s in hub.sessions.values()}
    out = []
    for m in hub.registry.manifests():
        settings = hub.config.connectors[m.id]
        if not settings.enabled or m.id in have or m.auth.anonymous:
            continue
        host = endpoints.public_host(m, settings)
        if host is None:
            continue
        out.append(
            proto.TreeItem(
                id=f"integrations/sign-in/{m.id}",
                label=f"Sign in to {m.name}",
                description=host,
                icon="sign-in",
                command=_cmd("tieline.signIn", f"Sign in to {m.name}", m.id, host),
                context_value="signIn",
                service=m.id,
            )
        )
    return out


def _merged(hub: Hub, list_name: str) -> list[Issue]:
    """One list merged across every session, newest first, each item once."""
    seen: dict[str, Issue] = {}
    for s in hub.sessions.values():
        for it in s.coordinator.index.list(list_name):
            seen.setdefault(it.key, it)
    return sorted(seen.values(), key=lambda i: i.updated_at or _EPOCH, reverse=True)


def items_for(hub: Hub, panel_id: str, parent_id: str | None) -> list[proto.TreeItem]:
    from server.hub.sync.syncers import panel_groups

    if panel_id == "integrations":
        return _integrations(hub)
    if panel_id == "docs":
        from .docs import docs_panel

        return docs_panel(hub, parent_id)
    if not hub.sessions:
        return _sign_in_items(hub)
    if panel_id == "ci":
        from .ci import ci_panel

        return ci_panel(hub, parent_id)
    if panel_id == "agenda":
        from .calendar import agenda_panel

        return agenda_panel(hub, parent_id)
    groups = [g for g in panel_groups() if g.panel == panel_id]
    if not groups:
        raise FeatureError(code=INVALID_PARAMS, message=f"unknown panel {panel_id!r}")
    if parent_id is None:
        out = []
        for g in groups:
            items = _merged(hub, g.list)
            out.append(
                proto.TreeItem(
                    id=f"{panel_id}/{g.id}",
                    label=g.label,
                    description=str(len(items)),
                    icon="folder",
                    has_children=bool(items),
                    context_value="group",
                )
            )
        return out
    for g in groups:
        if parent_id == f"{panel_id}/{g.id}":
            return [_item_node(hub, parent_id, it) for it in _merged(hub, g.list)]
    return []


def _integrations(hub: Hub) -> list[proto.TreeItem]:
    items = []
    for st in status(hub).connectors:
        detail: list[str] = [st.state]
        if st.rate_limit_remaining is not None:
            detail.append(f"{st.rate_limit_remaining} requests left")
        name = _service(hub, st.connector)
        items.append(
            proto.TreeItem(
                id=f"integrations/{st.connector}/{st.host or ''}/{st.account or ''}",
                label=f"{name} ({st.account})" if st.account else name,
                description=" · ".join(detail),
                tooltip=st.last_error or None,
                icon=STATE_ICONS[st.state],
                context_value=f"integration.{st.state}",
                service=st.connector,
            )
        )
    return items + _consent_items(hub) + _sign_in_items(hub)


def _consent_items(hub: Hub) -> list[proto.TreeItem]:
    """An "Allow Mail for Google (ada@…)" item for each capability an account waits on, for
    after a "Not now" (or an offer the person missed)."""
    out = []
    for w in hub.consent.wanted.values():
        title = f"Allow {w.capability} for {w.service} ({w.login})"
        out.append(
            proto.TreeItem(
                id=f"integrations/consent/{w.connector}/{w.host}/{w.login}/{w.capability}",
                label=title,
                description=", ".join(sc.name for sc in w.scopes),
                tooltip=w.text(),
                icon="unlock",
                command=_cmd(
                    "tieline.grantAccess", title, w.connector, w.host, w.login, w.capability
                ),
                context_value="consent",
                service=w.connector,
            )
        )
    return out


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts else None


def status(hub: Hub) -> proto.StatusResult:
    from connectors.sdk.models import Health

    report = hub.health.snapshot()
    connectors = []
    for s in report.integrations:
        login, _, host = s.account.rpartition("@")
        connectors.append(
            proto.ConnectorStatus(
                connector=s.connector,
                host=host or None,
                account=login or None,
                state=s.state.value,
                last_success=_dt(s.last_success_at),
                last_error=s.last_error,
                last_error_at=_dt(s.last_error_at),
                error_rate=s.error_rate,
                latency_ms=s.latency_ms_avg,
                rate_limit_remaining=s.rate_limit.remaining,
                rate_limit_limit=s.rate_limit.limit,
                rate_limit_reset=_dt(s.rate_limit.reset_at),
                requests=s.wire_requests,
                cache_hit_rate=s.cache_hit_rate,
            )
        )
    order = [Health.FAILING.value, Health.DEGRADED.value, Health.HEALTHY.value]
    states = {c.state for c in connectors}
    overall = next((o for o in order if o in states), "disabled" if connectors else "healthy")
    from .calendar import next_meeting
    from .docsync import docsync_status
    from .focus import focus_status

    return proto.StatusResult(
        overall=overall,
        connectors=connectors,
        team_hub=team_hub_status(hub),
        next_meeting=next_meeting(hub),
        focus=focus_status(hub),
        docsync=docsync_status(hub),
    )


def team_hub_status(hub: Hub) -> proto.TeamHubStatus | None:
    """What ``tieline/status`` says of the team hub link (None: none configured)."""
    st = hub.teamlink.status()
    if st.state.value == "off":
        return None
    return proto.TeamHubStatus(
        state=st.state.value,
        url=st.url,
        last_event_id=st.last_event_id,
        lag_seconds=st.lag_seconds,
        last_event_at=st.last_event_at,
        since=st.since,
        last_error=st.error,
    )


def status_changed(ls: TielineServer, part: str) -> None:
    """``tieline/status/changed``: ``part`` of what :func:`status` answers changed by itself
    (``docsync``, ``focus``), so the shells ask again rather than wait for their next poll."""
    ls.protocol.notify(methods.STATUS_CHANGED, proto.StatusChangedParams(part=part).wire())


def setup(server: TielineServer) -> None:
    @server.feature(methods.PANELS)
    @guarded(methods.PANELS)
    async def panels(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        hub = await ls.wait_hub()
        signed_in = hub is not None and bool(hub.sessions)
        listed = [
            proto.Panel(
                id=pid,
                title=title,
                icon=icon,
                welcome=None if signed_in or pid in NO_SIGN_IN else WELCOME,
            )
            for pid, title, icon in PANELS
        ]
        return proto.PanelsResult(panels=listed).wire()

    @server.feature(methods.PANEL_ITEMS)
    @guarded(methods.PANEL_ITEMS)
    async def panel_items(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.PanelItemsParams.model_validate(plain(params))
        hub = await ls.wait_hub()
        if hub is None:
            return proto.PanelItemsResult(items=[]).wire()
        if p.panel_id == "snippets":
            from .snippets import panel_items as snippet_items

            items = await snippet_items(hub, ls.snippet_query) if p.parent_id is None else []
            return proto.PanelItemsResult(items=items).wire()
        if p.panel_id == "inbox":  # read from the mailboxes (kept while fresh), not the index
            from .mail import panel_items as mail_items

            ls.panel_shown()
            return proto.PanelItemsResult(items=await mail_items(ls, hub, p.parent_id)).wire()
        if p.panel_id == "tasks":  # read from the folders (make is asked), not the index
            from .tasks import panel_items as task_items

            return proto.PanelItemsResult(items=await task_items(hub, p.parent_id)).wire()
        ls.panel_shown()
        return proto.PanelItemsResult(items=items_for(hub, p.panel_id, p.parent_id)).wire()

    @server.feature(methods.STATUS)
    @guarded(methods.STATUS)
    async def status_request(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        hub = await ls.wait_hub()
        if hub is None:
            return proto.StatusResult(overall="failing", connectors=[]).wire()
        return status(hub).wire()
