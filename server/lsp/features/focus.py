"""Focus mode in the editor: "Start focus" and "Stop focus", the focus state in
``tieline/status``, and a message when focus starts by itself (with a Stop Focus button:
the block was the calendar's idea, not the person's) or ends by itself.

The work is the hub's (:mod:`server.hub.focus`): this module asks it to start or stop, runs
its :meth:`~server.hub.focus.FocusKeeper.reconcile` every :data:`TICK` seconds and after
each sync (a calendar changed, a chat account connected after a restart), and says what
happened. ``tieline.startFocus`` takes minutes or ``"next"`` (until the next meeting); with
no argument it asks with ``window/showMessageRequest``, the default duration first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from connectors.sdk.lazy import lazy_module

from ..common import choose, hub_or_fail, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer

if TYPE_CHECKING:
    from server.hub.focus import FocusKeeper, FocusState, Period
    from server.hub.hub import Hub

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

log = logging.getLogger("tieline.lsp")

#: Seconds between checks of the focus period (its end, a calendar block starting).
TICK = 15.0
#: The durations offered, besides the configured default and "until the next meeting".
MINUTES = (25, 50, 90)
NEXT = "Until the next meeting"
STOP = "Stop Focus"
NO_FOCUS = "No connected service can hold notifications: sign in to Slack or Microsoft Teams."


def now() -> datetime:
    return datetime.now().astimezone()


def keeper(hub: Hub) -> FocusKeeper:
    from server.hub.focus import FocusKeeper

    return FocusKeeper.of(hub)


def until_text(until: datetime, at: datetime) -> str:
    """``until 15:30`` today, ``until Tue 09:00`` on another day."""
    local = until.astimezone(at.tzinfo)
    if local.date() == at.date():
        return f"until {local:%H:%M}"
    return f"until {local:%a %H:%M}"


def _why(p: Period) -> str:
    if p.reason == "calendar":
        return f"{p.title} (calendar)" if p.title else "a focus block of the calendar"
    return p.title or "started in the editor"


def focus_status(hub: Hub, at: datetime | None = None) -> proto.FocusStatus | None:
    """What ``tieline/status`` says of focus mode (``None``: not focusing)."""
    return _wire(keeper(hub).current, hub, at or now())


def _wire(state: FocusState, hub: Hub, at: datetime) -> proto.FocusStatus | None:
    from datetime import UTC

    p = state.period
    if p is None:
        return None
    return proto.FocusStatus(
        until=p.until_dt,
        until_text=until_text(p.until_dt, at),
        reason=p.reason,
        why=_why(p),
        event_key=p.key,
        status_text=hub.config.focus.status_text,
        accounts=[
            proto.FocusAccount(
                connector=a.connector,
                account=a.account,
                state=a.state,
                last_error=a.last_error,
                retry_at=datetime.fromtimestamp(a.retry_at, UTC) if a.retry_at else None,
            )
            for a in state.accounts
        ],
    )


def _result(state: FocusState, hub: Hub) -> dict[str, Any]:
    wire = _wire(state, hub, now())
    return {"focusing": False} if wire is None else {"focusing": True, **wire.wire()}


def _next_meeting(hub: Hub, at: datetime) -> Any:
    from server.hub.calendar import merged
    from server.hub.focus import next_meeting_after

    return next_meeting_after(merged(hub), at, hub.config.focus)


async def _ask(ls: TielineServer, hub: Hub, at: datetime) -> int | str | None:
    """How long, asked once: the default first, then the others, then the next meeting."""
    default = hub.config.focus.default_minutes
    minutes = [default, *(m for m in MINUTES if m != default)]
    options = [f"{m} minutes" for m in minutes]
    if _next_meeting(hub, at) is not None:
        options.append(NEXT)
    picked = await choose(
        ls, "Focus for how long? Notifications are held and your status says so.", options
    )
    if picked is None:
        return None
    return "next" if picked == NEXT else minutes[options.index(picked)]


def _until(hub: Hub, how: int | str, at: datetime) -> tuple[datetime, str]:
    if how == "next":
        meeting = _next_meeting(hub, at)
        if meeting is None:
            raise FeatureError(code=INVALID_PARAMS, message="no meeting ahead in your calendars")
        return meeting.start, f"until {meeting.title}"
    assert isinstance(how, int)
    return at + timedelta(minutes=how), ""


def _how(args: list[Any]) -> int | str | None:
    if not args or args[0] is None:
        return None
    value = args[0]
    if value == "next":
        return "next"
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 24 * 60:
        return value
    raise FeatureError(
        code=INVALID_PARAMS,
        message='expected argument 1 (minutes, 1 to 1440, or "next": until the next meeting)',
    )


async def _with_progress(ls: TielineServer, title: str, work: Any) -> Any:
    """Run ``work`` (the services are told one by one, each with a time limit) with
    ``$/progress`` where the client shows it."""
    from .lifecycle import _progress_begin

    token = str(uuid.uuid4())
    shown = await _progress_begin(ls, token, title)
    try:
        return await work
    finally:
        if shown:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))


def setup(server: TielineServer) -> None:
    @server.command("tieline.startFocus")
    @guarded("tieline.startFocus")
    async def start(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from connectors.sdk.capabilities import Focus

        hub = await hub_or_fail(ls)
        if not hub.sessions_with(Focus):
            raise TielineError(NO_FOCUS)
        at = now()
        how = _how(list(args))
        if how is None:
            how = await _ask(ls, hub, at)
            if how is None:
                return {"focusing": keeper(hub).current.active, "cancelled": True}
        until, title = _until(hub, how, at)
        state = await _with_progress(ls, "Starting focus", keeper(hub).start(until, title=title))
        return _result(state, hub)

    @server.command("tieline.stopFocus")
    @guarded("tieline.stopFocus")
    async def stop(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        state = await _with_progress(ls, "Ending focus", keeper(hub).stop())
        return _result(state, hub)


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """Check focus every :data:`TICK` seconds and after each sync; tell the person when it
    starts or ends by itself (a calendar block, the period's end, a restore after a restart)."""
    from server.hub.events import Event, EventKind
    from server.hub.focus import CHANGED, ENDED, STARTED

    from .panels import status_changed

    k = keeper(hub)
    busy = asyncio.Lock()

    async def check() -> None:
        if busy.locked():
            return  # one check at a time; the next tick comes soon
        async with busy:
            with contextlib.suppress(Exception):  # logged by the keeper; never ends the loop
                await k.reconcile()

    def later(work: Coroutine[Any, Any, None] | None = None) -> None:
        task = asyncio.ensure_future(check() if work is None else work)
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

    async def offer_stop(message: str) -> None:
        """Say that focus started by itself, with a way out (in the background: nothing
        waits for the answer)."""
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=message,
                actions=[types.MessageActionItem(title=STOP)],
            )
        )
        if choice is not None and choice.title == STOP:
            with contextlib.suppress(Exception):
                await k.stop()

    def on_focus(event: Event) -> None:
        status_changed(ls, "focus")  # the shells' focus items follow, however it changed
        if not event.payload.get("automatic"):
            return  # the person just asked: the command's answer says it
        until = datetime.fromisoformat(str(event.payload["until"]))
        title = str(event.payload.get("title") or "")
        why = f" ({title})" if title else ""
        if event.kind == STARTED:
            later(offer_stop(f"Focus on {until_text(until, now())}{why}: notifications are held."))
        elif event.kind == CHANGED:
            info(ls, f"Focus now {until_text(until, now())}{why}.")
        elif event.kind == ENDED:
            info(ls, "Focus ended: your status and notifications are back as they were.")

    async def tick() -> None:
        while True:
            await check()
            await asyncio.sleep(TICK)
            if ls.hub is not hub:
                return  # shut down, or a new hub took over

    hub.bus.subscribe("focus.*", on_focus)
    hub.bus.subscribe(EventKind.SYNC_COMPLETED, lambda _e: later())  # calendars changed
    task = asyncio.ensure_future(tick())
    ls.background.add(task)
