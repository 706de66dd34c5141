"""Start an instant meeting from the editor and share its link to a chat.

``tieline.startMeeting [{topic?, minutes?, service?, share?, channel?}]``: the meeting is made
on a service with the OnlineMeetings capability (Zoom, Teams) -- asked which when more than
one is signed in -- then the link is offered three ways: Join (``window/showDocument``,
external, where the client can open a page), Share to chat… (the chat feature's channel
picker, a text-only post), or Copy (the link is in the command's answer and the message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError

from ..common import hub_or_fail
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, client_supports_show_document
from .chat import _ask, deliver, pick_channel, recent_of

if TYPE_CHECKING:
    from server.hub.sessions import Session

START = "tieline.startMeeting"
JOIN = "Join"
SHARE = "Share to chat…"
DEFAULT_TOPIC = "Quick call"


def _opts(args: tuple[Any, ...]) -> dict[str, Any]:
    if not args or args[0] is None:
        return {}
    if not isinstance(args[0], dict):
        raise FeatureError(code=INVALID_PARAMS, message="options are an object")
    return dict(args[0])


def _minutes(value: Any) -> int:
    if value is None:
        return 30
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1440:
        raise FeatureError(code=INVALID_PARAMS, message="minutes are a whole number 1-1440")
    return value


async def _which(ls: TielineServer, sessions: list[Session], wanted: str) -> Session | None:
    if wanted:
        named = [s for s in sessions if s.connector_id == wanted]
        if not named:
            raise FeatureError(code=INVALID_PARAMS, message=f"no meeting service {wanted!r}")
        return named[0]
    if len(sessions) == 1:
        return sessions[0]
    labels = {f"{s.manifest.name} ({s.account})": s for s in sessions}
    picked = await _ask(ls, "Start the meeting on?", list(labels), types.MessageType.Info)
    return labels.get(picked or "")


def setup(server: TielineServer) -> None:
    @server.command(START)
    @guarded(START)
    async def start(ls: TielineServer, *args: Any) -> dict[str, Any]:
        # Imported here: an editor's initialize must not pay for the sdk's models.
        from connectors.sdk.calendar import Provider
        from connectors.sdk.capabilities import OnlineMeetings
        from connectors.sdk.chat import Post
        from server.hub.chat import destinations, find

        opts = _opts(args)
        topic = str(opts.get("topic") or DEFAULT_TOPIC).strip() or DEFAULT_TOPIC
        minutes = _minutes(opts.get("minutes"))
        hub = await hub_or_fail(ls)
        sessions = hub.sessions_with(OnlineMeetings)
        if not sessions:
            raise TielineError("no meeting service is signed in (Zoom, or Microsoft 365 for Teams)")
        session = await _which(ls, sessions, str(opts.get("service") or ""))
        if session is None:
            return {"cancelled": True}
        meetings: OnlineMeetings = session.connector.capability(OnlineMeetings)
        link = await meetings.start_meeting(topic, minutes=minutes)
        answer: dict[str, Any] = {"url": link.url, "provider": link.provider.value}
        on = "" if link.provider is Provider.OTHER else f" on {link.provider_name}"
        channel = opts.get("channel")
        if opts.get("share") or channel:
            choice = SHARE
        else:
            actions = ([JOIN] if client_supports_show_document(ls) else []) + [SHARE]
            said = f"The meeting “{topic}”{on} is ready: {link.url}"
            choice = await _ask(ls, said, actions, types.MessageType.Info) or ""
        if choice == JOIN:
            await ls.window_show_document_async(
                types.ShowDocumentParams(uri=link.url, external=True)
            )
            answer["joined"] = True
        elif choice == SHARE:
            post = Post(text=f"Join me{on}: {topic} {link.url}")
            recent = recent_of(hub)
            dests = await destinations(hub, "", recent)
            if isinstance(channel, str) and channel:
                dest = find(await destinations(hub, channel.lstrip("#@"), recent), channel)
                if dest is None:
                    raise FeatureError(code=INVALID_PARAMS, message=f"no channel {channel!r}")
            elif not dests:
                raise TielineError("no channel to share to: sign in to chat")
            else:
                dest = await pick_channel(ls, dests, hub.config.chat.picker_size, "the link")
            if dest is not None:
                answer["shared"] = await deliver(ls, hub, dest, post, "the meeting link")
        return answer
