"""Typed, layered configuration.

Layers, lowest first: built-in defaults < user file (``config.toml`` in the user config dir)
< workspace ``.tieline.toml`` < ``TIELINE_*`` environment < editor settings (the LSP
``workspace/configuration`` section ``tieline``). A higher layer overrides a lower one key by
key, so a workspace file can change one setting without restating the rest.

Invalid values never crash the server: each bad key is dropped with a message that names the
key, the layer it came from and why, and the value from the layer below (ultimately the
default) is used. Secrets never belong in configuration: a key that looks like one is
refused without echoing its value.

Connector sections (``[connectors.<id>]``) are typed from each installed connector's manifest
(:func:`connectors.sdk.settings.settings_model`): a common base plus the connector's own
fields. An id no installed connector has is reported as such, and a bad value in one
connector's section never affects another's.

Environment variables map onto keys with ``__`` as the separator, e.g.
``TIELINE_LOG_LEVEL=debug`` or ``TIELINE_CONNECTORS__GITHUB__API_URL=http://127.0.0.1:9000``.
``TIELINE_HOME`` (paths), ``TIELINE_VAULT_BACKEND`` / ``TIELINE_VAULT_PASSPHRASE`` (the vault)
and ``TIELINE_<SERVICE>_TOKEN`` / ``_EMAIL`` / ``_CLIENT_SECRET`` (credentials, read by the
auth layer) are not configuration keys.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from connectors.sdk.manifest import Manifest
from connectors.sdk.settings import ConnectorSettings, settings_model

from . import paths

log = logging.getLogger("tieline.config")

WORKSPACE_FILE = ".tieline.toml"
_SECRETISH = re.compile(r"(token|secret|password|passphrase|api_key|apikey)$", re.IGNORECASE)
#: Not configuration: paths, the vault, and each connector's environment credentials
#: (``TIELINE_<ID>_TOKEN``, ``_EMAIL``/``_USER`` for HTTP Basic, ``_CLIENT_SECRET``).
_NOT_CONFIG_ENV = re.compile(
    r"^TIELINE_(HOME|VAULT_PASSPHRASE|VAULT_BACKEND"
    r"|[A-Z0-9]+_(?:TOKEN|EMAIL|USER|USERNAME|CLIENT_SECRET))$"
)


#: Sections only the user's own layers may set (never a workspace's ``.tieline.toml``).
_MACHINE_ONLY = ("web", "mcp", "team_hub")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class NotificationSettings(_Section):
    """Which domain events become a message in the editor."""

    review_requested: bool = Field(True, description="Tell me when someone requests my review.")
    check_failed: bool = Field(
        True, description="Tell me when a check fails on my pull request or branch."
    )
    issue_assigned: bool = Field(True, description="Tell me when an issue is assigned to me.")
    pull_request_merged: bool = Field(False, description="Tell me when my pull request is merged.")
    issue_closed: bool = Field(False, description="Tell me when an issue I follow is closed.")


class CISettings(_Section):
    """Pipelines of my branches, whichever CI runs them."""

    notify: Literal["failures", "all", "off"] = Field(
        default="failures",
        description="Tell me when a pipeline of my branch finishes: `failures` only, `all` "
        "(passes too) or `off`.",
    )
    diagnostics: bool = Field(
        default=True,
        description="Show the errors a failed pipeline's log points at in this checkout as "
        "problems on those files, until the next run of that pipeline passes.",
    )
    log_page_kb: int = Field(
        default=512,
        ge=16,
        le=4096,
        description="Kilobytes of a job's log per page (a log document's page, one answer).",
    )
    log_follow_interval: float = Field(
        default=2.0,
        ge=0.2,
        le=60.0,
        description="Seconds between reads of a running job's log while it is open.",
    )


class SnippetSettings(_Section):
    """The snippet library in completion."""

    prefix: str = Field(
        default="snip:",
        min_length=1,
        max_length=12,
        pattern=r"^\S+$",
        description="Typed before a word, offers the snippets matching it (in the document's "
        "language) as completions.",
    )
    completion_limit: int = Field(
        default=50,
        ge=1,
        le=500,
        description="Snippets offered per completion request (the best matches; typing more "
        "asks again).",
    )


class CalendarSettings(_Section):
    """Meetings from every connected calendar (CalDAV, ...)."""

    notify_before: int = Field(
        default=5,
        ge=0,
        le=120,
        description="Minutes before a meeting starts to tell me, with a Join button; 0: never.",
    )


class ChatNotifyRule(_Section):
    """One event kind sent to one channel: ``{event = "ci.failed", channel = "#dev",
    service = "slack"}``."""

    event: str = Field(
        min_length=1,
        pattern=r"^[a-z0-9_.*?-]+$",
        description="An event kind (`ci.failed`, `pull_request.review_requested`) or a glob "
        "of them (`ci.*`).",
    )
    channel: str = Field(
        min_length=1, description="The channel's name (`#dev`, `dev`) or the service's id."
    )
    service: str = Field(
        default="",
        description="The chat connector's id (`slack`); empty: the first chat service that "
        "has the channel.",
    )


class ChatPerson(_Section):
    """A code-host login and the e-mail chat services know the person by."""

    login: str = Field(min_length=1, description="The login on the code host.")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="The person's e-mail.")


class ChatSettings(_Section):
    """Chat: sharing code, mentions, presence on review cards, events to a channel."""

    mentions_interval: float = Field(
        default=120.0,
        ge=15.0,
        le=3600.0,
        description="Seconds between checks for new messages mentioning me.",
    )
    mentions: bool = Field(default=True, description="Tell me when a chat message mentions me.")
    mentions_burst: int = Field(
        default=3,
        ge=1,
        le=20,
        description="More new mentions than this at once are one summary message, not one each.",
    )
    picker_size: int = Field(
        default=8,
        ge=2,
        le=20,
        description="Channels a plain editor's channel picker offers at once (recent first).",
    )
    presence_ttl: float = Field(
        default=120.0,
        ge=5.0,
        le=3600.0,
        description="Seconds a reviewer's presence shown on a pull request's card is reused.",
    )
    presence_timeout: float = Field(
        default=0.8,
        gt=0.0,
        le=10.0,
        description="Seconds a hover waits for presence before showing the card without it.",
    )
    reviewer_emails: list[ChatPerson] = Field(
        default_factory=list,
        description="{ login, email } of reviewers whose code host does not say their e-mail "
        "(presence is looked up by e-mail).",
    )
    notify: list[ChatNotifyRule] = Field(
        default_factory=list,
        description="Events posted to a chat channel: a list of { event, channel, service? }.",
    )


class FocusSettings(_Section):
    """Focus mode: notifications held and a status set in every chat service that can
    (Slack, Teams), during focus blocks of the calendar or for a time chosen in the editor."""

    enabled_from_calendar: bool = Field(
        default=True,
        description="Start focus by itself while a calendar event marked as focus is on "
        "(its title matches `focus.title_pattern`, or it has one of `focus.categories`), "
        "and end it when the event ends, is cancelled or is shortened.",
    )
    title_pattern: str = Field(
        default=r"(?i)\b(focus|deep work|heads? down|no meetings)\b",
        min_length=1,
        max_length=500,
        description="A regular expression (Python syntax) an event's title is searched with; "
        "a match marks the event as a focus block.",
    )
    categories: list[str] = Field(
        default_factory=lambda: ["Focus"],
        description="Calendar categories (compared without regard to case) that mark an "
        "event as a focus block.",
    )
    status_text: str = Field(
        default="Focusing",
        min_length=1,
        max_length=100,
        description="The status line set in each service while focus is on.",
    )
    default_minutes: int = Field(
        default=50,
        ge=5,
        le=480,
        description="Minutes of focus that *Start focus* offers first, before 25, 50 "
        "and 90 minutes and *until the next meeting*.",
    )

    @field_validator("title_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class MailSettings(_Section):
    """The Inbox panel, read from every connected mailbox (Outlook, Gmail, ...)."""

    refresh_interval: int = Field(
        default=300,
        ge=60,
        le=3600,
        description="Seconds between inbox polls while the Inbox panel is open (Refresh "
        "polls at once). An unchanged inbox costs each service one conditional request.",
    )
    team_query: str = Field(
        default="",
        max_length=500,
        description="A saved search shown as the Inbox's \"Team\" view, in each service's own "
        "syntax (Gmail `from:(@example.com)`, Outlook `from:example.com`); empty: no such view.",
    )


class TasksSettings(_Section):
    """Workspace tasks (Makefile, package.json, tasks.json, justfile)."""

    ask_make: bool = Field(
        default=True,
        description="Ask make for a Makefile's targets (`make -pRrq :`, which evaluates the "
        "Makefile as make does, its `$(shell ...)` included); off: read the targets from its "
        "text, without includes or conditionals.",
    )


class DocSyncLinkSettings(_Section):
    """One workspace folder kept in step with a drive folder (``[[docsync.links]]``)."""

    folder: str = Field(
        min_length=1,
        description="The folder, relative to the (first) workspace folder: `docs`.",
    )
    service: str = Field(
        min_length=1,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="The connector whose drive it is synced with (one with the Drive "
        "capability: `microsoft`, `google`).",
    )
    remote: str = Field(
        min_length=1,
        pattern=r"^/",
        description="The drive folder, as the drive names it: `/Documents/docs`.",
    )
    account: str | None = Field(
        default=None,
        description="Which signed-in account of the service (`login@host`, or the login); "
        "unset: the only one.",
    )

    @field_validator("folder")
    @classmethod
    def _inside(cls, value: str) -> str:
        """A link never reaches outside the workspace: it writes wherever it points."""
        parts = value.replace("\\", "/").strip("/").split("/")
        if value.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts or "" in parts:
            raise ValueError("must be a folder inside the workspace, such as `docs`")
        return "/".join(parts)


class DocSyncSettings(_Section):
    """Two-way sync of workspace folders with a drive (OneDrive, SharePoint, Google Drive)."""

    links: list[DocSyncLinkSettings] = Field(
        default_factory=list,
        description="Folders kept in step with a drive: { folder, service, remote, account? } "
        "(*Link Folder to Drive* adds one to `.tieline.toml`).",
    )
    interval: float = Field(
        default=300.0,
        ge=30.0,
        le=86400.0,
        description="Seconds between sync rounds of the linked folders (*Sync Now* runs one "
        "at once).",
    )
    ignore: list[str] = Field(
        default_factory=lambda: [".git", ".DS_Store", "Thumbs.db", "desktop.ini", "*~", "*.swp"],
        description="Glob patterns of files and folders never synced, matched against each "
        "name and the relative path (conflict copies and unfinished downloads never are).",
    )
    import_docs: bool = Field(
        default=False,
        description="Push a local edit of a document's Markdown export back into the "
        "document (Google Docs), where the drive can import Markdown; off: such edits stay "
        "here only. The service converts the Markdown, so formatting it has no Markdown for "
        "is lost.",
    )
    import_new: bool = Field(
        default=False,
        description="Make a new `.md` file of a linked folder a document of the service's "
        "own (a Google Doc) rather than uploading it as a file, where the drive can import "
        "Markdown.",
    )


class NotesSettings(_Section):
    """Markdown vaults: folders of notes linked with ``[[wikilinks]]`` (Obsidian's kind)."""

    vaults: list[str] = Field(
        default_factory=list,
        description="Folders that are vaults besides those holding `.obsidian/` (relative to "
        'each workspace folder, or absolute), e.g. `["docs/notes"]`.',
    )
    find_obsidian: bool = Field(
        default=True,
        description="Make every folder with an `.obsidian/` folder (a workspace folder, or one "
        "up to three levels under it) a vault.",
    )
    diagnostics: bool = Field(
        default=True,
        description="Show links to notes, headings or blocks that do not exist as warnings in "
        "open notes, with a quick fix that creates the note.",
    )
    poll_seconds: float = Field(
        default=5.0,
        ge=0.0,
        le=3600.0,
        description="Seconds between checks of the vaults for files changed outside the editor "
        "(a `git pull`, a sync client), used only when the editor cannot watch files for "
        "Tieline; 0 never checks.",
    )


class PagesSettings(_Section):
    """Hosted pages (Notion, Confluence) imported as Markdown files and exported back."""

    folder: str = Field(
        default="",
        description="The folder pages are imported into, relative to the (first) workspace "
        "folder, e.g. `docs/pages`; empty: asked at each import.",
        # The editor's settings UI flags what the validator below refuses: an absolute or
        # home path, a `..` step, a drive letter or URL (a colon).
        json_schema_extra={"pattern": r"^(?!\s*[/~])(?!(\s*|.*/)\.\.(/|\s*$))[^:]*$"},
    )
    depth: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Levels of child pages imported with a page (0: the page alone).",
    )

    @field_validator("folder")
    @classmethod
    def _relative(cls, value: str) -> str:
        value = value.strip()
        if value.startswith(("/", "~")) or ".." in value.split("/") or ":" in value:
            raise ValueError("must be a folder inside the workspace, such as `docs/pages`")
        return value.strip("/")


class ReferencesSettings(_Section):
    """Citations: BibTeX files and reference libraries (Zotero) for ``[@key]`` and
    ``\\cite{key}``."""

    bibtex: list[str] = Field(
        default_factory=list,
        description="BibTeX files to cite from: paths or globs, relative to each workspace "
        'folder or absolute, e.g. `["refs/*.bib", "~/library.bib"]`.',
    )
    find_bib: bool = Field(
        default=True,
        description="Also cite from every `*.bib` file in the workspace folders.",
    )
    add_to: str = Field(
        default="",
        description="Where *Add Reference* puts a work: a `.bib` file (relative to the first "
        "workspace folder, or absolute), or `zotero`; empty: the first `.bib` file cited "
        "from, else the Zotero library.",
    )
    diagnostics: bool = Field(
        default=True,
        description="Warn of citation keys no BibTeX file or library holds, and of BibTeX "
        "entries that cannot be read.",
    )
    library_refresh: float = Field(
        default=300.0,
        ge=10.0,
        le=86400.0,
        description="Seconds before a reference library (Zotero) is asked again for changes.",
    )


class McpSettings(_Section):
    """``tieline mcp``: Tieline's tools for AI agents over the Model Context Protocol."""

    allow_writes: bool = Field(
        default=False,
        description="Offer agents the tools that change something (create an issue, comment, "
        "save a snippet); read from your own config.toml or the environment, never from a "
        "workspace's .tieline.toml. Each such tool still needs its own grant: `tieline mcp "
        "grant TOOL`.",
        json_schema_extra={"scope": "machine"},
    )


class SyncSettings(_Section):
    poll_interval: float = Field(
        default=60.0,
        ge=5.0,
        le=3600.0,
        description="Seconds between polls while something in the editor shows service data.",
    )
    jitter: float = Field(
        default=0.1,
        ge=0.0,
        le=0.5,
        description="Random spread of each poll interval, as a fraction.",
    )
    refresh_debounce: float = Field(
        default=2.0,
        ge=0.0,
        le=60.0,
        description="Seconds within which manual refreshes collapse into one.",
    )


class NetworkSettings(_Section):
    ca_bundle: str | None = Field(
        default=None,
        description="PEM file of extra certificate authorities (corporate TLS inspection).",
        json_schema_extra={"scope": "machine-overridable"},
    )
    timeout: float = Field(default=20.0, gt=0.0, le=300.0, description="Seconds per HTTP request.")


class WebhookSettings(_Section):
    """Outgoing webhooks (``tieline webhooks``): events sent, signed, to URLs you register."""

    enabled: bool = Field(
        default=True,
        description="Send events to the registered webhook endpoints (none are registered "
        "until `tieline webhooks add`).",
    )
    timeout: float = Field(
        default=15.0,
        gt=0.0,
        le=300.0,
        description="Seconds a webhook delivery may take, from connecting to the last byte of "
        "the answer; a slower one counts as failed and is retried.",
    )
    allow_private_networks: list[str] = Field(
        default_factory=list,
        description="Networks (CIDRs such as 192.168.1.0/24) webhooks may reach besides public "
        "addresses and loopback; private, link-local and reserved ranges are refused otherwise.",
        # The editors' settings UI checks the shape of each entry (the validator below is
        # the authority: it parses each with ipaddress).
        json_schema_extra={
            "items": {
                "type": "string",
                "pattern": r"^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$",
                "examples": ["192.168.1.0/24"],
            }
        },
    )

    @field_validator("allow_private_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        import ipaddress

        for n, cidr in enumerate(value, start=1):
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"entry {n} is not a network such as 10.0.0.0/8") from None
        return value


class DiagramSettings(_Section):
    """Mermaid and PlantUML blocks in Markdown and in ``.mmd``/``.puml`` files."""

    renderer: Literal["auto", "local", "kroki"] = Field(
        default="auto",
        description="Where diagrams are drawn: `auto` (a local PlantUML or Mermaid CLI where "
        "one is installed, else the Kroki server in `diagrams.kroki_url`), `local` only, or "
        "`kroki` only.",
    )
    kroki_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="A Kroki server (self-hosted, or https://kroki.io) to draw diagrams with; "
        "unset, no diagram leaves this machine.",
    )
    plantuml_command: list[str] = Field(
        default_factory=lambda: ["plantuml"],
        min_length=1,
        description="The local PlantUML command and any leading arguments (Debian's `plantuml`, "
        "or `java -jar /path/plantuml.jar`).",
        json_schema_extra={"scope": "machine-overridable"},
    )
    mermaid_command: list[str] = Field(
        default_factory=lambda: ["mmdc"],
        min_length=1,
        description="The local Mermaid CLI (`mmdc` from @mermaid-js/mermaid-cli).",
        json_schema_extra={"scope": "machine-overridable"},
    )
    chromium: str | None = Field(
        default=None,
        description="The Chromium the Mermaid CLI drives; unset, `chromium` (or "
        "`chromium-browser`, `google-chrome`) on PATH, else the CLI's own.",
        json_schema_extra={"scope": "machine-overridable"},
    )
    diagnostics: bool = Field(
        default=True,
        description="Draw each diagram block in the background as it is edited and show "
        "its syntax errors as problems on the block.",
    )
    timeout: float = Field(
        default=60.0, ge=1.0, le=600.0, description="Seconds one diagram may take to draw."
    )


class DocSetSettings(_Section):
    """One documentation set installed for this workspace (``[[docs.sets]]``)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.~-]*$", description="A short name: 'django'.")
    kind: Literal["inventory", "dash", "devdocs"] = Field(
        description="`inventory`: a Sphinx objects.inv; `dash`: a Dash/Zeal .docset "
        "directory; `devdocs`: a DevDocs index.json."
    )
    url: str = Field(
        default="",
        description="The documentation's web root, where links point "
        "(https://docs.djangoproject.com/en/5.0/); for `inventory` also where objects.inv is "
        "fetched from when `index` is empty.",
    )
    index: str = Field(
        default="",
        description="Where the index is: a local path (objects.inv, a .docset directory, "
        "index.json or its folder) or an http(s) URL fetched once and kept.",
    )
    languages: list[str] = Field(
        default_factory=list,
        description="Language ids (python, javascript...) whose hovers this set serves.",
    )
    title: str = Field(default="", description="The name the Docs panel shows.")


class DocsSettings(_Section):
    """Documentation look-up: hover, *Look Up Docs* and the Docs panel."""

    hover: bool = Field(
        default=True,
        description="Show the documentation of the symbol under the cursor on hover, from "
        "the sets serving the file's language.",
    )
    stdlib: Literal["auto", "inventory", "interpreter", "off"] = Field(
        default="auto",
        description="The Python standard library set: `inventory` docs.python.org's "
        "objects.inv (fetched once); `interpreter` names and docstrings read from this "
        "Python; `auto` the inventory once *Update Docs* has fetched it, this Python until "
        "then (nothing is fetched unasked).",
    )
    stdlib_url: str = Field(
        default="",
        description="Where the Python standard library's documentation is (a mirror, say); "
        "empty: docs.python.org for the Python running Tieline.",
    )
    fetch: bool = Field(
        default=True,
        description="Fetch a set's index from its URL when it is not on disk yet (once; "
        "*Update Docs* fetches again). Off: only what is already installed is used.",
    )
    sets: list[DocSetSettings] = Field(
        default_factory=list,
        description="More sets: { id, kind, url?, index?, languages?, title? }.",
    )
    docset_dirs: list[str] = Field(
        default_factory=list,
        description="Folders whose *.docset directories are installed too (Zeal's docsets "
        "folder, say), besides the docs/docsets folder of Tieline's data directory.",
        json_schema_extra={"scope": "machine-overridable"},
    )
    languages: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Which sets serve a language's hovers, by set id ({ python = "
        "['python', 'django'] }), replacing the sets' own `languages` for that language.",
    )


class VectorSettings(_Section):
    """Search by meaning over mirrored issues and pull requests, snippets and notes."""

    enabled: bool = Field(
        default=False,
        description="Index mirrored items, snippets and notes for search by meaning. Off by "
        "default: when on, their text is sent to the embedding service named below.",
    )
    backend: Literal["sqlite", "qdrant", "chroma"] = Field(
        default="sqlite",
        description="Where the vectors are kept: `sqlite` (a file in Tieline's data folder, "
        "nothing to run), or the signed-in `qdrant` or `chroma` connector.",
    )
    embeddings: str = Field(
        default="",
        description="The connector (with an Embeddings capability) that turns texts into "
        "vectors, as `id` or `id:account`; empty: none, so nothing is indexed.",
    )
    model: str = Field(
        default="",
        description="The embedding model to ask for; empty: the connector's default.",
    )
    batch_size: int = Field(
        default=64, ge=1, le=2048, description="Texts sent to the embedding service per request."
    )
    related: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Related items shown on an issue's hover (0: none).",
    )


class WebSettings(_Section):
    """The local web face (``server/web``): loopback HTTP for incoming webhooks and the
    routes later parts mount. Machine settings: a workspace's ``.tieline.toml`` cannot
    loosen them (see :data:`_MACHINE_ONLY`)."""

    port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="The loopback port the web face listens on (127.0.0.1 only); 0 picks a "
        "free one each time it starts.",
        json_schema_extra={"scope": "machine"},
    )
    allowed_origins: list[Annotated[str, Field(pattern=r"^https?://[^/\s]+$")]] = Field(
        default_factory=list,
        description="Browser origins allowed to call the web face across origins (CORS), such "
        "as `http://localhost:5173`; empty: none, and preflight requests are refused.",
        json_schema_extra={"scope": "machine"},
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="More `Host` header values accepted besides 127.0.0.1 and localhost on the "
        "web face's port: a tunnel's public name that forwards webhooks here unchanged.",
        json_schema_extra={"scope": "machine"},
    )
    replay_window: int = Field(
        default=300,
        ge=30,
        le=86400,
        description="Seconds a signed webhook's timestamp may be old (or ahead) before it is "
        "refused; delivery ids seen within this window are refused as replays.",
        json_schema_extra={"scope": "machine"},
    )
    max_body_kb: int = Field(
        default=25 * 1024,
        ge=1,
        le=100 * 1024,
        description="The largest webhook body accepted, in KiB (GitHub caps payloads at 25 MB).",
        json_schema_extra={"scope": "machine"},
    )
    refresh_on_hook: bool = Field(
        default=True,
        description="Ask for a (debounced) sync when a verified webhook arrives, so what the "
        "editor shows follows the push instead of the next poll.",
        json_schema_extra={"scope": "machine"},
    )


class TeamHubSettings(_Section):
    """The team hub this Tieline follows for pushed changes (``server.hub.teamlink``).
    Machine settings: a workspace's ``.tieline.toml`` cannot point the hub token elsewhere
    (see :data:`_MACHINE_ONLY`)."""

    enabled: bool = Field(
        default=False,
        description="Follow the team hub's event stream and refresh what its events name, "
        "polling the services it covers only at `team_hub.safety_interval` while it is "
        "reachable.",
        json_schema_extra={"scope": "machine"},
    )
    url: str | None = Field(
        default=None,
        description="The team hub's event stream, such as "
        "`https://hub.example.com/api/v1/events/stream` (https; plain http only to "
        "127.0.0.1, ::1 or localhost).",
        json_schema_extra={"scope": "machine", "pattern": r"^https?://[^\s]+$"},
    )
    token_ref: str = Field(
        default="",
        max_length=200,
        pattern=r"^[A-Za-z0-9_.:@-]*$",
        description="The vault record holding the hub's access token (`tieline teamhub "
        "token` keeps one there); empty: `teamhub:<the URL's host>`. The token itself is "
        "never configuration.",
        json_schema_extra={"scope": "machine"},
    )
    covers: list[str] = Field(
        default_factory=lambda: ["github", "gitlab", "jira", "linear", "slack"],
        description="Connectors whose changes the hub pushes (it receives their webhooks): "
        "their polling slows to the safety interval while the hub is reachable.",
        json_schema_extra={"scope": "machine"},
    )
    safety_interval: float = Field(
        default=1800.0,
        ge=60.0,
        le=86400.0,
        description="Seconds between polls of the covered connectors while the hub's stream "
        "is up (a safety net for an event the hub never got).",
        json_schema_extra={"scope": "machine"},
    )

    @field_validator("url")
    @classmethod
    def _secure(cls, value: str | None) -> str | None:
        """The stream carries a bearer token: https, or http only to this machine."""
        if value is None or not value.strip():
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        host = (parts.hostname or "").lower()
        if not host or parts.scheme not in ("https", "http"):
            raise ValueError("must be an https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; keep the token in the vault")
        if parts.scheme == "http" and host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("must use https (plain http only to 127.0.0.1, ::1 or localhost)")
        return value.strip()


class ConnectorSections(Mapping[str, ConnectorSettings]):
    """Every installed connector's validated settings, by id (``connectors.github``, or
    ``connectors.get("jira")`` for an id only known at run time)."""

    def __init__(self, sections: Mapping[str, ConnectorSettings]) -> None:
        self._sections = dict(sections)

    def __getitem__(self, connector_id: str) -> ConnectorSettings:
        return self._sections[connector_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sections)

    def __len__(self) -> int:
        return len(self._sections)

    def __getattr__(self, connector_id: str) -> ConnectorSettings:
        try:
            return self._sections[connector_id]
        except KeyError:
            raise AttributeError(f"no connector {connector_id!r} is installed") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConnectorSections) and self._sections == other._sections

    __hash__ = None  # type: ignore[assignment]

    def enabled(self) -> list[str]:
        return [k for k, v in self._sections.items() if v.enabled]


class Config(_Section):
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="How much the server writes to its log."
    )
    connectors_raw: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        alias="connectors",
        description="[connectors.<id>] tables, validated per connector (see `connectors`).",
    )
    autolinks: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules { pattern, url, name? } turning text such as ABC-123 into links: "
        "`pattern` is a regular expression; `url` a template where {0} is the whole match, "
        "{1}, {2}... its groups and {name} a named group.",
        json_schema_extra={
            "items": {
                "type": "object",
                "required": ["pattern", "url"],
                "properties": {
                    "pattern": {"type": "string"},
                    "url": {"type": "string"},
                    "name": {"type": "string"},
                },
                "additionalProperties": False,
            }
        },
    )
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    ci: CISettings = Field(default_factory=CISettings)
    snippets: SnippetSettings = Field(default_factory=SnippetSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    focus: FocusSettings = Field(default_factory=FocusSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    tasks: TasksSettings = Field(default_factory=TasksSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    docsync: DocSyncSettings = Field(default_factory=DocSyncSettings)
    notes: NotesSettings = Field(default_factory=NotesSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    diagrams: DiagramSettings = Field(default_factory=DiagramSettings)
    docs: DocsSettings = Field(default_factory=DocsSettings)
    pages: PagesSettings = Field(default_factory=PagesSettings)
    vectors: VectorSettings = Field(default_factory=VectorSettings)
    references: ReferencesSettings = Field(default_factory=ReferencesSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    team_hub: TeamHubSettings = Field(default_factory=TeamHubSettings)
    branch_template: str = Field(
        default="{number}-{slug}",
        description="Branch name for *Start work on an issue*: `{number}` (a tracker's key, "
        "such as PROJ-7, where it has one), `{slug}`, `{login}`.",
    )

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)
    _connectors: ConnectorSections | None = PrivateAttr(default=None)

    @property
    def connectors(self) -> ConnectorSections:
        """Typed connector settings (built from the raw tables on first use if :func:`load`
        did not already validate them)."""
        if self._connectors is None:
            self._connectors = validate_connectors(self.connectors_raw, {}, [], None)
        return self._connectors

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return self.model_dump() == other.model_dump() and self.connectors == other.connectors

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Problem:
    """One configuration value that was refused, and why (no values echoed)."""

    key: str
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key} (from {self.source}): {self.reason}; using the default"


@dataclass
class Loaded:
    config: Config
    problems: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def load(
    *,
    workspace: Path | None = None,
    editor: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    user_file: Path | None = None,
    manifests: Sequence[Manifest] | None = None,
) -> Loaded:
    """Read every layer and merge them; never raises for bad configuration.

    ``manifests`` are the installed connectors (default: the registry's); each one's
    ``connectors.<id>`` section is validated with its own settings model.
    """
    problems: list[Problem] = []
    layers: list[tuple[str, dict[str, Any]]] = []
    ufile = user_file if user_file is not None else paths.user_config_file()
    layers.append((str(ufile), _read_toml(ufile, problems)))
    if workspace is not None:
        wfile = workspace / WORKSPACE_FILE
        layers.append((str(wfile), _read_toml(wfile, problems)))
    layers.append(("environment", _from_env(os.environ if environ is None else environ)))
    if editor:
        layers.append(("editor settings", _plain(editor)))

    merged: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}
    sources: list[str] = []
    for source, data in layers:
        if not data:
            continue
        data = _refuse_secrets(data, source, problems)
        if workspace is not None and source == str(workspace / WORKSPACE_FILE):
            data = _refuse_machine_only(data, source, problems)
        sources.append(source)
        _merge(merged, data, (), origin, source)
    raw_connectors = merged.pop("connectors", None)
    config = _validate(merged, origin, problems)
    sections = raw_connectors if isinstance(raw_connectors, dict) else {}
    if raw_connectors is not None and not isinstance(raw_connectors, dict):
        problems.append(Problem("connectors", _source_of(("connectors",), origin), "not a table"))
    config._connectors = validate_connectors(sections, origin, problems, manifests)
    for p in problems:
        log.warning("configuration: %s", p)
    return Loaded(config=config, problems=problems, sources=sources)


def validate_connectors(
    sections: Mapping[str, Any],
    origin: Mapping[tuple[str, ...], str],
    problems: list[Problem],
    manifests: Sequence[Manifest] | None,
) -> ConnectorSections:
    """Each installed connector's section, typed by its manifest; bad keys are dropped with
    a problem naming the connector and the key, and never affect another connector."""
    if manifests is None:
        from connectors.sdk.registry import default_registry

        manifests = default_registry().manifests()
    by_id = {m.id: m for m in manifests}
    for cid in sections:
        if cid not in by_id:
            known = ", ".join(sorted(by_id)) or "none"
            problems.append(
                Problem(
                    f"connectors.{cid}",
                    _source_of(("connectors", cid), origin),
                    f"no connector {cid!r} is installed (installed: {known})",
                )
            )
    out: dict[str, ConnectorSettings] = {}
    for cid, manifest in by_id.items():
        model = settings_model(manifest)
        raw = sections.get(cid)
        data = copy.deepcopy(raw) if isinstance(raw, dict) else {}
        if raw is not None and not isinstance(raw, dict):
            problems.append(
                Problem(f"connectors.{cid}", _source_of(("connectors", cid), origin), "not a table")
            )
        out[cid] = _validate(data, origin, problems, model=model, prefix=("connectors", cid))
    return ConnectorSections(out)


def _read_toml(path: Path, problems: list[Problem]) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        problems.append(Problem("*", str(path), f"cannot read file: {exc.strerror}"))
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem("*", str(path), f"not valid TOML ({exc}); file ignored"))
        return {}


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith("TIELINE_") or _NOT_CONFIG_ENV.match(name):
            continue
        path = [p.lower() for p in name[len("TIELINE_") :].split("__") if p]
        if not path:
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = _env_value(value)
    return out


def _env_value(value: str) -> Any:
    """Env values are strings; accept JSON for lists/numbers/booleans (``["a","b"]``, ``true``)."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, list | bool | int | float) else value


def _plain(value: Any) -> Any:
    """Editor settings arrive as JSON with camelCase keys (``pollInterval``, VS Code's
    convention) and ``null`` for unset keys: map the keys to snake_case and drop the nulls."""
    if isinstance(value, Mapping):
        return {_snake(str(k)): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def _refuse_secrets(data: dict[str, Any], source: str, problems: list[Problem]) -> dict[str, Any]:
    def walk(node: dict[str, Any], prefix: str) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for k, v in node.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                clean[k] = walk(v, key + ".")
            elif _SECRETISH.search(k):
                problems.append(
                    Problem(
                        key,
                        source,
                        "secrets do not belong in configuration; "
                        "use `tieline auth login` (value ignored)",
                    )
                )
            else:
                clean[k] = v
        return clean

    return walk(data, "")


def _refuse_machine_only(
    data: dict[str, Any], source: str, problems: list[Problem]
) -> dict[str, Any]:
    """Drop the sections a checked-out repository must not set: a ``.tieline.toml`` that
    opened the web face to other origins or hosts would be an attack from a clone."""
    clean = dict(data)
    for section in _MACHINE_ONLY:
        if section in clean:
            del clean[section]
            problems.append(
                Problem(section, source, "set in the user configuration file, not a workspace's")
            )
    return clean


def _merge(
    into: dict[str, Any],
    data: dict[str, Any],
    prefix: tuple[str, ...],
    origin: dict[tuple[str, ...], str],
    source: str,
) -> None:
    for k, v in data.items():
        path = (*prefix, k)
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v, path, origin, source)
        else:
            into[k] = v
            origin[path] = source
            if isinstance(v, dict):
                _mark(v, path, origin, source)


def _mark(
    data: dict[str, Any], prefix: tuple[str, ...], origin: dict[tuple[str, ...], str], src: str
) -> None:
    for k, v in data.items():
        origin[(*prefix, k)] = src
        if isinstance(v, dict):
            _mark(v, (*prefix, k), origin, src)


M = TypeVar("M", bound=BaseModel)


@overload
def _validate(
    merged: dict[str, Any],
    origin: Mapping[tuple[str, ...], str],
    problems: list[Problem],
) -> Config: ...


@overload
def _validate(
    merged: dict[str, Any],
    origin: Mapping[tuple[str, ...], str],
    problems: list[Problem],
    *,
    model: type[M],
    prefix: tuple[str, ...],
) -> M: ...


def _validate(
    merged: dict[str, Any],
    origin: Mapping[tuple[str, ...], str],
    problems: list[Problem],
    *,
    model: type[BaseModel] = Config,
    prefix: tuple[str, ...] = (),
) -> BaseModel:
    for _ in range(64):  # each pass drops at least one bad key
        try:
            return model.model_validate(merged)
        except ValidationError as exc:
            dropped = False
            for err in exc.errors():
                loc = tuple(str(p) for p in err["loc"])
                # Drop the deepest key that exists (list items drop the whole list).
                for cut in range(len(loc), 0, -1):
                    if _drop(merged, loc[:cut]):
                        full = (*prefix, *loc[:cut])
                        key = ".".join(full)
                        source = _source_of(full, origin)
                        reason = (
                            "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
                        )
                        problems.append(Problem(key, source, reason))
                        dropped = True
                        break
                if dropped and any(p.isdigit() for p in loc):
                    break  # list indexes shift after a drop: revalidate before the next
            if not dropped:
                break
    where = ".".join(prefix) or "*"
    problems.append(Problem(where, "configuration", "could not be repaired; all defaults used"))
    return model()


def _drop(data: dict[str, Any], loc: tuple[str, ...]) -> bool:
    """Remove the value at ``loc`` (dict keys or list indexes); False if it is not there."""
    node: Any = data
    for part in loc[:-1]:
        node = _child(node, part)
        if node is None:
            return False
    last = loc[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node.pop(int(last))
        return True
    return False


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def _source_of(loc: tuple[str, ...], origin: Mapping[tuple[str, ...], str]) -> str:
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in origin:
            return origin[loc[:cut]]
    return "configuration"
