"""Meetings in the editor: the Agenda panel, the next meeting in ``tieline/status``, the
"Join next meeting" command and a reminder shortly before a meeting starts.

All of it reads the calendar sessions' indexes (:mod:`server.hub.calendar`), so nothing here
waits on a calendar server. A join link opens with ``window/showDocument`` and
``external: true`` (the system browser, or the Zoom/Teams app it hands the link to); a client
without showDocument is told the link in a message instead.

Reminders are checked after every sync and every :data:`TICK` seconds in between, so one
arrives within a tick of ``calendar.notify_before`` minutes ahead of the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.lazy import lazy_module

from ..common import arg, hub_or_fail
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, client_supports_show_document

if TYPE_CHECKING:
    from connectors.sdk.calendar import CalendarEvent
    from server.hub.hub import Hub

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

log = logging.getLogger("tieline.lsp")

#: Seconds between reminder checks.
TICK = 20.0
NO_CALENDAR = "Sign in to a calendar (CalDAV) to see your meetings here."


def now() -> datetime:
    return datetime.now().astimezone()


def _hm(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def _span(e: CalendarEvent) -> str:
    return "all day" if e.all_day else f"{_hm(e.start)}-{_hm(e.end)}"


def _cmd(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


def _tooltip(e: CalendarEvent) -> str:
    from server.hub.sanitize import escape_inline

    lines = [f"**{escape_inline(e.title)}**", "", f"{e.start.astimezone():%a %d %b} · {_span(e)}"]
    if e.timezone and not e.all_day:
        lines.append(f"({_hm(e.start.astimezone(e.start.tzinfo))} {escape_inline(e.timezone)})")
    if e.location:
        lines.append(f"Location: {escape_inline(e.location)}")
    if e.organizer:
        lines.append(f"Organizer: {escape_inline(e.organizer.label)}")
    people = [a for a in e.attendees if not a.resource]
    if people:
        answered = sum(1 for a in people if a.response.value == "accepted")
        lines.append(f"{len(people)} attendees, {answered} accepted")
    if e.my_response is not None:
        lines.append(f"You: {e.my_response.value.replace('_', ' ')}")
    if e.join:
        lines.append(f"Join on {e.join.provider_name}: <{e.join.url}>")
    return "  \n".join(lines)


def _event_node(hub: Hub, parent: str, e: CalendarEvent, at: datetime) -> proto.TreeItem:
    from connectors.sdk.calendar import until
    from server.hub.sanitize import plain_text

    desc = [_span(e)]
    if e.join:
        desc.append(e.join.provider_name)
    if e.is_meeting and e.start > at:
        desc.append(until(e.start, at))
    elif e.is_meeting and e.start <= at < e.end:
        desc.append("now")
    if e.declined:
        desc.append("declined")
    elif e.cancelled:
        desc.append("cancelled")
    actions = []
    if e.join:
        actions.append(
            proto.ItemAction(
                id="join",
                title=f"Join ({e.join.provider_name})",
                icon="device-camera-video",
                placement="inline",
                command=_cmd("tieline.joinMeeting", "Join", e.key),
            )
        )
    icon = (
        "circle-slash"
        if e.declined or e.cancelled
        else "device-camera-video"
        if e.join
        else "calendar"
    )
    return proto.TreeItem(
        id=f"{parent}/{e.key}",
        label=plain_text(e.title, 120),
        description=" · ".join(desc),
        tooltip=_tooltip(e),
        icon=icon,
        url=e.join.url if e.join else e.url,
        command=_cmd("tieline.joinMeeting", "Join", e.key) if e.join else None,
        context_value="event.joinable" if e.join else "event",
        actions=actions,
        service=e.ref.connector,
        key=e.key,
    )


def _day_label(day: datetime, at: datetime) -> str:
    delta = (day.date() - at.date()).days
    name = f"{day:%a %d %b}"
    return f"Today · {name}" if delta == 0 else f"Tomorrow · {name}" if delta == 1 else name


def agenda_panel(
    hub: Hub, parent_id: str | None, at: datetime | None = None
) -> list[proto.TreeItem]:
    """The Agenda: the next meeting first, then one group per day with its events."""
    from connectors.sdk.capabilities import Calendar as Cap
    from server.hub.calendar import merged, upcoming

    at = at or now()
    if not hub.sessions_with(Cap):
        return [proto.TreeItem(id="agenda/none", label=NO_CALENDAR, icon="calendar")]
    events = [e for e in merged(hub) if e.end > at.replace(hour=0, minute=0, second=0)]
    days: dict[str, list[CalendarEvent]] = {}
    for e in events:
        local = max(e.start, at.replace(hour=0, minute=0, second=0, microsecond=0)).astimezone()
        days.setdefault(local.strftime("%Y-%m-%d"), []).append(e)
    if parent_id is None:
        out: list[proto.TreeItem] = []
        nxt = upcoming(hub, at)
        if nxt is not None:
            node = _event_node(hub, "agenda/next", nxt, at)
            out.append(
                node.model_copy(update={"id": "agenda/next", "label": f"Next: {node.label}"})
            )
        for day, items in days.items():
            out.append(
                proto.TreeItem(
                    id=f"agenda/{day}",
                    label=_day_label(datetime.fromisoformat(day).replace(tzinfo=at.tzinfo), at),
                    description=str(len(items)),
                    icon="calendar",
                    has_children=True,
                    context_value="group",
                )
            )
        if not out:
            out.append(proto.TreeItem(id="agenda/empty", label="No meetings ahead", icon="pass"))
        return out
    day = parent_id.removeprefix("agenda/")
    return [_event_node(hub, parent_id, e, at) for e in days.get(day, [])]


def next_meeting(hub: Hub, at: datetime | None = None) -> proto.NextMeeting | None:
    """What ``tieline/status`` says of the next meeting."""
    from connectors.sdk.calendar import until
    from server.hub.calendar import upcoming

    at = at or now()
    e = upcoming(hub, at)
    if e is None:
        return None
    return proto.NextMeeting(
        key=e.key,
        title=e.title,
        start=e.start,
        end=e.end,
        until=until(e.start, at),
        service=e.ref.connector,
        join_url=e.join.url if e.join else None,
        provider=e.join.provider.value if e.join else None,
        provider_name=e.join.provider_name if e.join else None,
        location=e.location,
    )


async def open_link(ls: TielineServer, url: str, what: str) -> bool:
    """Open a join link outside the editor; a client that cannot is told the link."""
    if not url.startswith(("https://", "http://")):
        raise FeatureError(code=INVALID_PARAMS, message="only http(s) join links can be opened")
    if client_supports_show_document(ls):
        result = await ls.window_show_document_async(
            types.ShowDocumentParams(uri=url, external=True)
        )
        if result and result.success:
            return True
    ls.window_show_message(
        types.ShowMessageParams(type=types.MessageType.Info, message=f"Join {what}: {url}")
    )
    return False


async def join(ls: TielineServer, e: CalendarEvent) -> dict[str, Any]:
    if e.join is None:
        raise FeatureError(
            code=INVALID_PARAMS, message=f"{e.title!r} has no join link (no online meeting)"
        )
    opened = await open_link(ls, e.join.url, e.title)
    return {"url": e.join.url, "provider": e.join.provider.value, "opened": opened}


def setup(server: TielineServer) -> None:
    @server.command("tieline.joinNextMeeting")
    @guarded("tieline.joinNextMeeting")
    async def join_next(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.calendar import merged, upcoming

        hub = await hub_or_fail(ls)
        at = now()
        e = upcoming(hub, at)
        if e is None:
            raise FeatureError(code=INVALID_PARAMS, message="no meeting ahead in your calendars")
        if e.join is None:  # the next one is in a room: the next online one, then
            e = next((x for x in merged(hub) if x.is_meeting and x.end > at and x.join), e)
        return await join(ls, e)

    @server.command("tieline.joinMeeting")
    @guarded("tieline.joinMeeting")
    async def join_one(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.calendar import find

        hub = await hub_or_fail(ls)
        key = arg(list(args), 0, str, "event id")
        e = find(hub, key)
        if e is None:
            raise FeatureError(code=INVALID_PARAMS, message=f"no event {key!r} in the agenda")
        return await join(ls, e)


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """Remind of meetings after each sync and every :data:`TICK` seconds."""
    from server.hub.calendar import Reminders, merged
    from server.hub.events import EventKind

    reminders = Reminders()

    async def remind(e: CalendarEvent) -> None:
        from connectors.sdk.calendar import until

        actions = [types.MessageActionItem(title="Join")] if e.join else []
        actions.append(types.MessageActionItem(title="Dismiss"))
        where = f" ({e.join.provider_name})" if e.join else f" ({e.location})" if e.location else ""
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"{e.title} starts {until(e.start, now())}{where}",
                actions=actions,
            )
        )
        if choice is not None and choice.title == "Join" and e.join:
            await open_link(ls, e.join.url, e.title)

    def check() -> None:
        before = timedelta(minutes=hub.config.calendar.notify_before)
        for e in reminders.due(merged(hub), now(), before):
            task = asyncio.ensure_future(remind(e))
            ls.background.add(task)
            task.add_done_callback(ls.background.discard)

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK)
            if ls.hub is not hub:
                return  # shut down, or a new hub took over: it has reminders of its own
            with contextlib.suppress(Exception):  # a reminder must never end the loop
                check()

    hub.bus.subscribe(EventKind.SYNC_COMPLETED, lambda _e: check())
    task = asyncio.ensure_future(tick())
    ls.background.add(task)
