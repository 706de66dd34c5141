"""Mail in the editor: the Inbox panel, a message as a read-only Markdown document, "Create
an issue from this email" on any tracker, and a reply that carries a selection or a snippet
as a code block.

The panel lists each view (unread, flagged, the inbox, the ``mail.team_query`` search) newest
first across every Mail session; a view's last row is "More…" while a mailbox holds more,
and expanding it reads the next page by cursor. Rows come from :class:`server.hub.mail.Inbox`,
which keeps each first page for ``mail.refresh_interval`` seconds; while the panel is shown a
timer polls the views it shows at that interval and tells the shell only when a view changed.

A message opens as a ``tieline-mail:`` document: read with ``workspace/textDocumentContent``
by a client that declares it, else as a copy in the data directory, else its Markdown is
the command's answer (a plain editor shows nothing by itself). Its HTML body is sanitised
and no remote image in it is fetched (:func:`server.hub.mail.message_markdown`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import re
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import SecretFound, TielineError
from connectors.sdk.lazy import lazy_module

from ..common import arg, hub_or_fail, info, warn
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import PANEL_HOLD, TielineServer, client_supports_show_document

if TYPE_CHECKING:
    from connectors.sdk.mail import MailMessage
    from server.hub.hub import Hub
    from server.hub.mail import Inbox, Row
    from server.hub.work import Destination

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

log = logging.getLogger("tieline.lsp")

PANEL_ID = "inbox"
MAIL_SCHEME = "tieline-mail"
NO_MAIL = "Sign in to a mail service (Outlook, Gmail) to see your mail here."
CREATE_TITLE = "Create an issue from this email"
REPLY_SNIPPET_TITLE = "Reply with a snippet…"
#: Snippets offered in "reply with a snippet" (the newest; a message request holds few).
SNIPPET_CHOICES = 8


class _Cancelled(Exception):
    """The person closed a question: nothing is sent."""


@dataclass
class _State:
    #: Views the shell expanded, and when it last asked for them.
    shown: dict[str, float] = field(default_factory=dict)
    #: What each shown view listed last (to tell the shell only of a change).
    seen: dict[str, tuple[tuple[str, bool, bool], ...]] = field(default_factory=dict)
    #: Copies of messages written as files (plain editors), by file URI.
    files: dict[str, str] = field(default_factory=dict)
    #: The message opened last: what "reply with the selection" answers.
    last_opened: str | None = None


_STATES: weakref.WeakKeyDictionary[TielineServer, _State] = weakref.WeakKeyDictionary()


def state(ls: TielineServer) -> _State:
    got = _STATES.get(ls)
    if got is None:
        got = _STATES[ls] = _State()
    return got


def _inbox(hub: Hub) -> Inbox:
    from server.hub.mail import Inbox

    return Inbox.of(hub)


def _cmd(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


def mail_uri(message_id: str, subject: str = "") -> str:
    """The read-only document of a message: its id in URL-safe base64 (editors and pygls
    disagree about percent-escapes, so the URI has none), then the subject as a file name
    an editor tab can show."""
    token = base64.urlsafe_b64encode(message_id.encode()).decode().rstrip("=")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", subject).strip("-")[:60] or "message"
    return f"{MAIL_SCHEME}:/{token}/{slug}.md"


def message_of(ls: TielineServer, uri: str) -> str | None:
    """The message a document shows: a ``tieline-mail:`` URI or a copy written for it."""
    if uri.startswith(f"{MAIL_SCHEME}:/"):
        token = uri.removeprefix(f"{MAIL_SCHEME}:/").split("/", 1)[0]
        try:
            return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode() or None
        except (ValueError, UnicodeDecodeError):
            return None
    return state(ls).files.get(uri)


def _service(hub: Hub, connector: str) -> str:
    return hub.registry.manifest(connector).name if connector in hub.registry else connector


# -- the panel ------------------------------------------------------------------------------


def _when(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    local = when.astimezone()
    return f"{local:%H:%M}" if local.date() == now.date() else f"{local:%a %d %b}"


def _row(view: str, r: Row, now: datetime) -> proto.TreeItem:
    from server.hub.mail import row_marks
    from server.hub.sanitize import escape_inline, plain_text

    m = r.message
    sender = m.sender.name or m.sender.email if m.sender else ""
    desc = [plain_text(sender, 60), _when(m.received_at, now), row_marks(m)]
    tooltip = [f"**{escape_inline(m.subject or '(no subject)')}**"]
    if m.sender:
        tooltip.append(escape_inline(m.sender.label))
    if m.preview:
        tooltip += ["", escape_inline(m.preview, 400)]
    actions = [
        proto.ItemAction(
            id="open",
            title="Read",
            icon="eye",  # one of the inline icons the VS Code shell declares
            placement="inline",
            command=_cmd("tieline.mail.open", "Read", m.key),
        ),
        proto.ItemAction(
            id="issue",
            title="Create Issue from Email",
            icon="issues",
            command=_cmd("tieline.mail.createIssue", "Create Issue", m.key),
        ),
    ]
    url = m.url if m.url and m.url.startswith(("https://", "http://")) else None
    if url:
        actions.append(
            proto.ItemAction(
                id="browser",
                title="Open in Browser",
                icon="link-external",
                command=_cmd("tieline.openInBrowser", "Open in Browser", url),
            )
        )
    words = [w for w, on in (("unread", m.unread), ("flagged", m.flagged)) if on]
    return proto.TreeItem(
        id=f"{PANEL_ID}/{view}/{m.key}",
        label=plain_text(m.subject, 120) or "(no subject)",
        description=" · ".join(d for d in desc if d),
        tooltip="  \n".join(tooltip),
        icon="mail" if m.unread else "mail-read",
        url=url,
        command=_cmd("tieline.mail.open", "Read", m.key),
        context_value=".".join(["mail", *words]),
        actions=actions,
        service=m.ref.connector,
        key=m.key,
    )


async def _page(ls: TielineServer, hub: Hub, view: str, cursor: str | None) -> list[proto.TreeItem]:
    from server.hub.sanitize import plain_text

    page = await _inbox(hub).page(view, cursor)
    now = datetime.now().astimezone()
    out = [_row(view, r, now) for r in page.rows]
    for key, message in page.errors.items():
        out.append(
            proto.TreeItem(
                id=f"{PANEL_ID}/{view}/error/{key}",
                label=f"Could not read {plain_text(key.split(':')[0], 40)}",
                description=plain_text(message, 120),
                icon="error",
                context_value="error",
            )
        )
    if cursor is None:
        st = state(ls)
        st.shown[view] = time.monotonic()
        st.seen[view] = _signature(page.rows)
    if page.cursor:
        out.append(
            proto.TreeItem(
                id=f"{PANEL_ID}/{view}/more/{page.cursor}",
                label="More…",
                icon="ellipsis",
                has_children=True,
                context_value="more",
            )
        )
    if not out:
        out.append(proto.TreeItem(id=f"{PANEL_ID}/{view}/empty", label="Nothing here", icon="pass"))
    return out


def _signature(rows: list[Row]) -> tuple[tuple[str, bool, bool], ...]:
    return tuple((r.message.key, r.message.unread, r.message.flagged) for r in rows)


async def panel_items(ls: TielineServer, hub: Hub, parent_id: str | None) -> list[proto.TreeItem]:
    """The Inbox: a group per view; a view's rows; a "More…" row's next page."""
    inbox = _inbox(hub)
    if not inbox.sessions():
        return [proto.TreeItem(id=f"{PANEL_ID}/none", label=NO_MAIL, icon="mail")]
    if parent_id is None:
        refresh = proto.ItemAction(
            id="refresh",
            title="Refresh",
            icon="refresh",
            placement="inline",
            command=_cmd("tieline.mail.refresh", "Refresh"),
        )
        return [
            proto.TreeItem(
                id=f"{PANEL_ID}/{v.id}",
                label=v.label,
                description=_count(inbox.kept_total(v.id)),
                icon={"unread": "mail", "flagged": "bookmark", "team": "organization"}.get(
                    v.id, "inbox"
                ),
                has_children=True,
                context_value="group",
                actions=[refresh],
            )
            for v in inbox.views()
        ]
    rest = parent_id.removeprefix(f"{PANEL_ID}/")
    view, _, more = rest.partition("/more/")
    if "/" in view:
        return []
    try:
        return await _page(ls, hub, view, more or None)
    except TielineError as exc:
        return [
            proto.TreeItem(
                id=f"{parent_id}/error", label=exc.message, icon="warning", context_value="error"
            )
        ]


def _count(total: int | None) -> str | None:
    return None if total is None else str(total)


def panel_changed(ls: TielineServer, item_id: str | None = None) -> None:
    from ..tieline_methods import PANEL_CHANGED

    ls.protocol.notify(
        PANEL_CHANGED, proto.PanelChangedParams(panel_id=PANEL_ID, item_id=item_id).wire()
    )


async def poll(ls: TielineServer, hub: Hub) -> list[str]:
    """Poll the views the shell showed lately (a fresh first page costs nothing, a stale one
    a conditional read) and tell it of each one that changed; answers those views."""
    st = state(ls)
    inbox = _inbox(hub)
    changed = []
    now = time.monotonic()
    for view, asked in list(st.shown.items()):
        if now - asked > PANEL_HOLD:
            st.shown.pop(view, None)
            continue
        try:
            page = await inbox.page(view)
        except TielineError as exc:
            log.info("inbox poll of %s: %s", view, exc.message)
            continue
        sig = _signature(page.rows)
        if st.seen.get(view) != sig:
            st.seen[view] = sig
            changed.append(view)
            panel_changed(ls, f"{PANEL_ID}/{view}")
    return changed


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """Poll the shown views every ``mail.refresh_interval`` seconds."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(hub.config.mail.refresh_interval)
            if ls.hub is not hub:
                return
            with contextlib.suppress(Exception):  # a poll must never end the loop
                await poll(ls, hub)

    task = asyncio.ensure_future(tick())
    ls.background.add(task)
    task.add_done_callback(ls.background.discard)


# -- documents ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def progress(ls: TielineServer, title: str) -> AsyncIterator[None]:
    """``$/progress`` around a piece of work, for a client that declares it."""
    async with work_done(ls, title, kind="mail", percentage=False):
        yield


def _client_reads_content(ls: TielineServer) -> bool:
    caps = ls.client_capabilities
    ws = caps.workspace if caps else None
    return bool(ws and ws.text_document_content is not None)


async def _markdown(hub: Hub, message_id: str) -> tuple[MailMessage, str]:
    from server.hub.mail import message_markdown

    m = await _inbox(hub).message(message_id)
    return m, message_markdown(m, service=_service(hub, m.ref.connector))


async def mail_content(ls: TielineServer, uri: str) -> str:
    """A ``tieline-mail:`` document's text."""
    hub = await hub_or_fail(ls)
    message_id = message_of(ls, uri)
    if message_id is None:
        raise FeatureError(code=INVALID_PARAMS, message=f"not a mail document: {uri}")
    return (await _markdown(hub, message_id))[1]


async def open_message(ls: TielineServer, message_id: str) -> dict[str, Any]:
    from server.hub import paths

    hub = await hub_or_fail(ls)
    m, md = await _markdown(hub, message_id)  # fails here, not in the editor, if unknown
    uri = mail_uri(message_id, m.subject)
    state(ls).last_opened = message_id
    if _client_reads_content(ls) and client_supports_show_document(ls):
        await ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=True))
        return {"uri": uri}
    if not client_supports_show_document(ls):
        return {"uri": uri, "markdown": md}
    folder = paths.ensure(paths.data_dir() / "mail")
    target = folder / (re.sub(r"[^\w.-]+", "_", message_id)[-120:] + ".md")
    await asyncio.to_thread(_write_private, target, md)
    state(ls).files[target.as_uri()] = message_id
    await ls.window_show_document_async(
        types.ShowDocumentParams(uri=target.as_uri(), take_focus=True)
    )
    return {"uri": uri, "file": target.as_uri()}


def _write_private(path: Path, text: str) -> None:
    """Write a copy only its owner can read: it is someone's mail."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)  # an older copy made under another umask


def _message_arg(ls: TielineServer, args: list[Any], i: int) -> str:
    value = arg(args, i, str, "message id or mail document URI")
    return message_of(ls, value) or value


# -- email -> issue -------------------------------------------------------------------------


async def _ask(ls: TielineServer, message: str, options: list[str]) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=message,
            actions=[types.MessageActionItem(title=o) for o in options],
        )
    )
    return choice.title if choice is not None else None


async def create_issue(ls: TielineServer, message_id: str, wanted: str | None) -> dict[str, Any]:
    from server.hub import work
    from server.hub.mail import issue_from

    hub = await hub_or_fail(ls)
    m = await _inbox(hub).message(message_id)
    dests: list[Destination] = work.destinations(hub, hub.folder_for(ls.root_path()))
    if wanted is not None:
        dests = [d for d in dests if wanted in (d.id, d.label)]
    if not dests:
        raise TielineError("sign in to an issue tracker of this workspace first")
    dest = dests[0]
    if len(dests) > 1:
        by_label = {d.label: d for d in dests}
        picked = await _ask(ls, f"Create the issue for “{m.subject}” in…", list(by_label))
        if picked is None:
            return {"cancelled": True}
        dest = by_label[picked]
    title, body = issue_from(m)
    async with progress(ls, f"Creating the issue on {dest.label}"):
        issue = await work.create_issue(hub, dest, title, body)
    opened = False
    web = issue.url.startswith(("https://", "http://"))
    if web and client_supports_show_document(ls):
        choice = await _ask(ls, f"Created {issue.ref.label}: {title}", ["Open Issue"])
        if choice == "Open Issue":
            shown = await ls.window_show_document_async(
                types.ShowDocumentParams(uri=issue.url, external=True)
            )
            opened = bool(shown and shown.success)
    else:  # a client that cannot open it is told where it is
        info(ls, f"Created {issue.ref.label}: {title}" + (f" ({issue.url})" if web else ""))
    return {"key": issue.ref.key, "id": issue.key, "url": issue.url, "opened": opened}


# -- replies --------------------------------------------------------------------------------


def code_block(code: str, language: str = "") -> str:
    """``code`` fenced so nothing in it closes the fence."""
    longest = max((len(r) for r in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = re.sub(r"[^\w+#.-]", "", language)[:30]
    return f"{fence}{lang}\n{code.rstrip()}\n{fence}"


async def _reply_body(ls: TielineServer, hub: Hub, source: Any) -> str:
    if not isinstance(source, dict):
        raise FeatureError(
            code=INVALID_PARAMS,
            message="expected argument 2: {uri, range} (a selection), {snippet}, "
            '{pick: "snippet"} or {text}',
        )
    if isinstance(source.get("text"), str):
        return code_block(source["text"], str(source.get("language") or ""))
    if isinstance(source.get("snippet"), str):
        snippet = await hub.snippets.get(source["snippet"])
        return code_block(snippet.body, snippet.language or "")
    if source.get("pick") == "snippet":
        newest = (await hub.snippets.all())[:SNIPPET_CHOICES]
        if not newest:
            raise TielineError("the snippet library is empty: save a selection as a snippet first")
        by_title = {f"{s.title} ({s.language})" if s.language else s.title: s for s in newest}
        picked = await _ask(ls, "Reply with which snippet?", list(by_title))
        if picked is None:
            raise _Cancelled
        s = by_title[picked]
        return code_block(s.body, s.language or "")
    doc = ls.document(str(source.get("uri") or ""))
    rng = source.get("range")
    if doc is None or not isinstance(rng, dict):
        raise FeatureError(code=INVALID_PARAMS, message="no such open document or range")
    try:
        r = types.Range(start=types.Position(**rng["start"]), end=types.Position(**rng["end"]))
    except (KeyError, TypeError) as exc:
        raise FeatureError(code=INVALID_PARAMS, message="a range is {start, end}") from exc
    lines = doc.lines
    start = doc.offset_at_position(r.start)
    end = doc.offset_at_position(r.end)
    text = doc.source[start:end] if end > start else "".join(lines[r.start.line : r.start.line + 1])
    if not text.strip():
        raise TielineError("select the code to reply with")
    return code_block(text, doc.language_id or "")


async def reply(
    ls: TielineServer, message_id: str, source: Any, options: dict[str, Any]
) -> dict[str, Any]:
    hub = await hub_or_fail(ls)
    inbox = _inbox(hub)
    m = inbox.known(message_id) or await inbox.message(message_id)
    try:
        body = await _reply_body(ls, hub, source)
    except _Cancelled:
        return {"cancelled": True}
    everyone = options.get("all")
    if not isinstance(everyone, bool):
        picked = await _ask(ls, f"Reply to “{m.subject}” with the code block?",
                            ["Reply", "Reply All"])  # fmt: skip
        if picked is None:
            return {"cancelled": True}
        everyone = picked == "Reply All"

    def check(text: str) -> None:
        hub.snippets.scanner.check(text, what="the reply")

    try:
        await inbox.reply(message_id, body, all=everyone, check=check)
    except SecretFound as exc:
        warn(ls, f"Not sent: {exc.message}")
        return {"sent": False, "secrets": list(exc.findings)}
    info(ls, f"Replied{' to all' if everyone else ''}: {m.subject}")
    return {"sent": True, "all": everyone}


# -- code actions ---------------------------------------------------------------------------


def code_actions(ls: TielineServer, uri: str, rng: types.Range) -> list[types.CodeAction]:
    """On a mail document: make an issue of it, or reply with a snippet. Elsewhere, with a
    selection, once a message has been opened: reply to it with the selection."""
    message_id = message_of(ls, uri)
    if message_id is not None:
        return [
            types.CodeAction(
                title=CREATE_TITLE + "…",
                kind=types.CodeActionKind.Empty,
                command=types.Command(
                    title=CREATE_TITLE, command="tieline.mail.createIssue", arguments=[message_id]
                ),
            ),
            types.CodeAction(
                title=REPLY_SNIPPET_TITLE,
                kind=types.CodeActionKind.Empty,
                command=types.Command(
                    title=REPLY_SNIPPET_TITLE,
                    command="tieline.mail.reply",
                    arguments=[message_id, {"pick": "snippet"}],
                ),
            ),
        ]
    last = state(ls).last_opened
    if last is None or rng.start == rng.end:
        return []
    hub = ls.hub
    m = _inbox(hub).known(last) if hub is not None else None
    if m is None:
        return []
    from server.hub.sanitize import plain_text

    title = f"Reply to “{plain_text(m.subject, 60)}” with the selection…"
    where = {
        "uri": uri,
        "range": {
            "start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character},
        },
    }
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.Empty,
            command=types.Command(
                title=title, command="tieline.mail.reply", arguments=[last, where]
            ),
        )
    ]


# -- handlers -------------------------------------------------------------------------------


def setup(server: TielineServer) -> None:
    server.content_schemes.append(MAIL_SCHEME)

    @server.command("tieline.mail.open")
    @guarded("tieline.mail.open")
    async def open_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await open_message(ls, _message_arg(ls, list(args), 0))

    @server.command("tieline.mail.refresh")
    @guarded("tieline.mail.refresh")
    async def refresh_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        _inbox(hub).forget()
        async with progress(ls, "Refreshing the Inbox"):
            changed = await poll(ls, hub)  # the views shown, asked again now
        panel_changed(ls)
        return {"refreshed": True, "changed": changed}

    @server.command("tieline.mail.createIssue")
    @guarded("tieline.mail.createIssue")
    async def create_issue_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        a = list(args)
        wanted = a[1] if len(a) > 1 and isinstance(a[1], str) else None
        return await create_issue(ls, _message_arg(ls, a, 0), wanted)

    @server.command("tieline.mail.reply")
    @guarded("tieline.mail.reply")
    async def reply_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        a = list(args)
        if a and a[0] is None:
            last = state(ls).last_opened
            if last is None:
                raise TielineError("open an email first, then reply to it")
            a[0] = last
        options = a[2] if len(a) > 2 and isinstance(a[2], dict) else {}
        return await reply(ls, _message_arg(ls, a, 0), a[1] if len(a) > 1 else None, options)
