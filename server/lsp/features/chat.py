"""Chat in the editor: share the selection to a channel (a code action and
``tieline.shareSelection``), mentions as notifications, reviewers' presence on a pull
request's hover card, and events posted to channels (``chat.notify``).

Every editor has ``window/showMessageRequest``, so that is how a plain editor picks a
channel: a bounded list (``chat.picker_size``), the channels used last first, with "More
channels…" for the next page. A shell that lets a person type passes what was typed in the
command's options (``{"channel": "#dev"}`` picks it, ``{"prefix": "de"}`` filters the list),
and a thread the same way (``{"thread": "…"}``).

A selection that looks like it holds a secret is sent only after "Share Anyway". "Open in
<service>" is offered only to a client that can open a page (``window/showDocument``); the
notification is sent in the background, so the command answers at once.
"""

from __future__ import annotations

import asyncio
import logging
import textwrap
import weakref
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import SecretFound, TielineError

from ..common import arg, hub_or_fail, range_arg, range_json, selected_text, warn
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, client_supports_show_document, path_of

if TYPE_CHECKING:
    from connectors.sdk.chat import Post
    from connectors.sdk.models import PullRequest
    from server.hub.chat import Destination, Mention, PresenceCache, Recent
    from server.hub.hub import Hub

log = logging.getLogger("tieline.lsp")

SHARE = "tieline.shareSelection"
SHARE_TITLE = "Share selection to chat…"
MORE = "More channels…"
CANCEL = "Cancel"
ANYWAY = "Share Anyway"
PREVIEW = 100  # characters of a mention shown in its notification

#: Per hub (a reconfigured server opens a new one): channels used last, presence answers.
_recent: weakref.WeakKeyDictionary[Hub, Recent] = weakref.WeakKeyDictionary()
_presence: weakref.WeakKeyDictionary[Hub, PresenceCache] = weakref.WeakKeyDictionary()


def recent_of(hub: Hub) -> Recent:
    from server.hub.chat import Recent

    got = _recent.get(hub)
    if got is None:
        got = _recent[hub] = Recent()
    return got


def presence_of(hub: Hub) -> PresenceCache:
    from server.hub.chat import PresenceCache

    got = _presence.get(hub)
    if got is None:
        got = _presence[hub] = PresenceCache(hub)
    return got


def _background(ls: TielineServer, coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    ls.background.add(task)
    task.add_done_callback(ls.background.discard)


# -- the code action ---------------------------------------------------------------------------


def code_actions(hub: Hub, uri: str, rng: types.Range) -> list[types.CodeAction]:
    """ "Share selection to chat…" for a non-empty selection, when a chat service is signed in."""
    from connectors.sdk.capabilities import Messaging

    if rng.start == rng.end or not hub.sessions_with(Messaging, ask=False):
        return []
    return [
        types.CodeAction(
            title=SHARE_TITLE,
            kind=types.CodeActionKind.Empty,
            command=types.Command(
                title=SHARE_TITLE, command=SHARE, arguments=[uri, range_json(rng)]
            ),
        )
    ]


def lines_of(rng: types.Range) -> tuple[int, int]:
    """1-based first and last line; a selection ending at a line's start leaves that line out
    (selecting whole lines in an editor ends there)."""
    last = rng.end.line
    if rng.end.character == 0 and last > rng.start.line:
        last -= 1
    return rng.start.line + 1, last + 1


# -- asking ------------------------------------------------------------------------------------


async def _ask(
    ls: TielineServer, message: str, options: list[str], kind: types.MessageType
) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=kind, message=message, actions=[types.MessageActionItem(title=o) for o in options]
        )
    )
    return choice.title if choice is not None else None


async def pick_channel(
    ls: TielineServer, dests: list[Destination], size: int, what: str
) -> Destination | None:
    """One of ``dests`` (already recent-first), ``size`` at a time. Asked even when there is
    only one: code leaves the editor only where the person said."""
    start = 0
    while start < len(dests):
        page = dests[start : start + size]
        more = start + size < len(dests)
        labels = {d.label: d for d in page}
        options = list(labels) + ([MORE] if more else [])
        picked = await _ask(ls, f"Share {what} to?", options, types.MessageType.Info)
        if picked is None or picked == CANCEL:
            return None
        if picked != MORE:
            return labels.get(picked)
        start += size
    return None


def _options(args: list[Any]) -> dict[str, Any]:
    """Argument 3: the message (a string) or an object of options."""
    value = args[2] if len(args) > 2 else None
    if value is None:
        return {}
    if isinstance(value, str):
        return {"message": value}
    if not isinstance(value, dict):
        raise FeatureError(
            code=INVALID_PARAMS, message="expected argument 3 as a message or an object"
        )
    return value


def _str_opt(opts: dict[str, Any], key: str) -> str | None:
    value = opts.get(key)
    if value is not None and not isinstance(value, str):
        raise FeatureError(code=INVALID_PARAMS, message=f"option {key!r} is a string")
    return value or None


async def tell_sent(ls: TielineServer, text: str, url: str | None, service: str) -> None:
    """Say it was sent, with "Open in <service>" where the client can open the post."""
    can_open = bool(url) and client_supports_show_document(ls)
    if not can_open:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
        return
    action = f"Open in {service}"
    if await _ask(ls, text, [action], types.MessageType.Info) == action and url:
        await ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))


async def deliver(
    ls: TielineServer,
    hub: Hub,
    dest: Destination,
    post: Post,
    what: str,
    *,
    thread: str | None = None,
) -> dict[str, Any]:
    """Send, then say so (in the background); a failure is an error message naming the
    channel and why, and the command's answer says it was not sent."""
    from server.hub.chat import SendFailed, send

    try:
        sent = await send(dest, post, thread=thread)
    except SendFailed as exc:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=exc.message)
        )
        return {"sent": False, "error": exc.message, "channel": dest.label}
    recent_of(hub).used(dest)
    _background(ls, tell_sent(ls, f"Shared {what} to {dest.label}", sent.url, dest.service))
    return {
        "sent": True,
        "id": sent.id,
        "channel": dest.label,
        "url": sent.url,
        "post": post.model_dump(mode="json"),
    }


# -- mentions ----------------------------------------------------------------------------------


def _preview(text: str) -> str:
    from server.hub.sanitize import plain_text

    return plain_text(text, PREVIEW)


async def tell_mention(ls: TielineServer, m: Mention) -> None:
    from server.hub.chat.mentions import where, who

    text = f"{who(m)} mentioned you in {where(m)}: “{_preview(m.message.text)}”"
    await tell_sent(ls, text, m.message.url, m.service)


def _tell_batch(ls: TielineServer, batch: Any) -> None:
    from server.hub.chat.mentions import summary_text

    if batch.empty:
        return
    if batch.summary:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info, message=summary_text(batch.mentions)
            )
        )
        return
    for m in batch.mentions:
        _background(ls, tell_mention(ls, m))


async def poll_mentions(ls: TielineServer, hub: Hub, watch: Any) -> None:
    """Tell what is new, unless mentions are off or focus holds notifications: then nothing
    is read, so what came meanwhile is told when focus ends (one summary, when many)."""
    from server.hub.focus import FocusKeeper

    cfg = hub.config.chat
    if cfg.mentions and not FocusKeeper.of(hub).current.active:
        _tell_batch(ls, await watch.poll(cfg.mentions_burst))


# -- the hover ---------------------------------------------------------------------------------


async def presence_line(hub: Hub, pr: PullRequest) -> str:
    """``Reviewers: @ana busy · In a meeting, @carol away`` for the requested reviewers whose
    presence is known in time; empty otherwise (the card is shown without it)."""
    from server.hub.chat import reviewers_presence
    from server.hub.sanitize import escape_inline

    if not pr.requested_reviewers:
        return ""
    try:
        known = await reviewers_presence(hub, presence_of(hub), pr.requested_reviewers)
    except Exception:  # presence is a garnish: never the reason a hover fails
        log.exception("reviewer presence failed")
        return ""
    if not known:
        return ""
    parts = [f"@{escape_inline(u.login, 60)} {escape_inline(p.label, 80)}" for u, p in known]
    return "Reviewers: " + ", ".join(parts)


# -- setup -------------------------------------------------------------------------------------


def setup(server: TielineServer) -> None:
    @server.command(SHARE)
    @guarded(SHARE)
    async def share(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.chat import (
            Selection,
            build_post,
            check_secrets,
            destinations,
            find,
        )

        a = list(args)
        uri = arg(a, 0, str, "document uri")
        rng = range_arg(a[1] if len(a) > 1 else None)
        opts = _options(a)
        doc = ls.document(uri)
        if doc is None:
            raise FeatureError(code=INVALID_PARAMS, message="no such open document")
        body = textwrap.dedent(selected_text(doc.source, rng)).strip("\n")
        if not body.strip():
            raise TielineError("the selection holds only white space")
        hub = await hub_or_fail(ls)
        line, end_line = lines_of(rng)
        sel = Selection(path_of(uri), body, doc.language_id or "", line, end_line)
        message = _str_opt(opts, "message") or ""
        post = await asyncio.to_thread(build_post, hub, sel, message)
        if not opts.get("allowSecrets"):
            try:
                check_secrets(hub, post)
            except SecretFound as exc:
                said = f"The selection looks like it holds a secret: {', '.join(exc.findings)}."
                picked = await _ask(
                    ls, f"{said} Share it anyway?", [ANYWAY, CANCEL], types.MessageType.Warning
                )
                if picked != ANYWAY:
                    return {"cancelled": True, "secrets": list(exc.findings)}
        recent = recent_of(hub)
        wanted = _str_opt(opts, "channel")
        prefix = _str_opt(opts, "prefix") or ""
        dests = await destinations(hub, prefix, recent)
        if not dests:
            raise TielineError(
                "no channel matches" if prefix else "no channel to share to: sign in to chat"
            )
        what = f"{post.code.path or 'the selection'}:{line}-{end_line}" if post.code else "this"
        if wanted is not None:
            service = _str_opt(opts, "service") or ""
            # by name first (a service may list more when asked for it), else by id
            named = await destinations(hub, wanted.lstrip("#@"), recent)
            dest = find(named, wanted, service) or find(dests, wanted, service)
            if dest is None:
                raise FeatureError(code=INVALID_PARAMS, message=f"no channel {wanted!r}")
        else:
            dest = await pick_channel(ls, dests, hub.config.chat.picker_size, what)
            if dest is None:
                return {"cancelled": True}
        return await deliver(ls, hub, dest, post, what, thread=_str_opt(opts, "thread"))


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """Mentions every ``chat.mentions_interval`` seconds, and ``chat.notify``'s relay."""
    from server.hub.chat import MentionWatch, Relay

    relay = Relay(hub, on_failure=lambda text: warn(ls, text))
    relay.start()
    watch = MentionWatch(hub)

    async def loop() -> None:
        await hub.connected.wait()
        while ls.hub is hub:  # shut down, or a new hub took over with its own loop
            try:
                await poll_mentions(ls, hub, watch)
            except Exception:  # one bad poll must never end the loop
                log.exception("mentions poll failed")
            await asyncio.sleep(hub.config.chat.mentions_interval)
        relay.stop()

    _background(ls, loop())


__all__ = ["code_actions", "lines_of", "presence_line", "setup", "subscribe"]
