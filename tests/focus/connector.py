"""Chat connectors of the focus tests, written only against ``connectors.sdk``: a service
whose status and snooze live in a JSON file (``$FOCUSFAKE_DIR/<id>.json``), so they outlast
a server killed with ``kill -9`` and the test reads what the "service" shows and every call
made to it. ``focusfake`` provides Focus and Presence; ``presencefake`` only Presence, which
focus mode must leave alone; ``calfake`` is a calendar whose events are a file the test edits."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.sdk import CheckResult, Connector, ItemRef, NotFound
from connectors.sdk.calendar import CalendarEvent, CalendarInfo, EventStatus, event_ref
from connectors.sdk.chat import Availability, FocusSnapshot, PresenceStatus

FOCUS_EMOJI = ":no_bell:"
HERE = Path(__file__).parent


def state_file(connector: str) -> Path:
    return Path(os.environ["FOCUSFAKE_DIR"]) / f"{connector}.json"


def read(connector: str) -> dict[str, Any]:
    path = state_file(connector)
    if not path.exists():
        return {"text": "In the zone", "emoji": ":surfer:", "expires": None, "dnd_until": None,
                "calls": []}  # fmt: skip
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def shown(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("text", "emoji", "expires", "dnd_until")}


class _FileChat(Connector):
    def _load(self, call: str, arg: Any = None) -> dict[str, Any]:
        data = read(self.manifest().id)
        data["calls"].append([call, arg])
        return data

    def _store(self, data: dict[str, Any]) -> None:
        path = state_file(self.manifest().id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    async def my_status(self) -> PresenceStatus:
        data = self._load("my_status")
        self._store(data)
        return PresenceStatus(availability=Availability.AVAILABLE, text=data["text"])

    async def set_status(self, status: PresenceStatus) -> PresenceStatus:
        data = self._load("set_status", status.text)
        data["text"] = status.text
        self._store(data)
        return status

    async def presence_of(self, emails: Sequence[str]) -> Mapping[str, PresenceStatus]:
        return {}


class FocusChat(_FileChat):
    manifest_path = HERE / "focusfake.toml"

    async def focus_snapshot(self) -> FocusSnapshot:
        data = self._load("focus_snapshot")
        self._store(data)
        return FocusSnapshot(
            connector="focusfake", account="ada", taken_at=datetime.now(UTC), state=shown(data)
        )

    async def start_focus(self, until: datetime, text: str) -> None:
        data = self._load("start_focus", [until.isoformat(), text])
        data.update(text=text, emoji=FOCUS_EMOJI, expires=until.isoformat())
        data["dnd_until"] = until.isoformat()
        self._store(data)

    async def end_focus(self, snapshot: FocusSnapshot) -> None:
        data = self._load("end_focus", snapshot.state)
        if data["emoji"] == FOCUS_EMOJI:
            data.update({k: snapshot.state[k] for k in ("text", "emoji", "expires")})
        data["dnd_until"] = snapshot.state["dnd_until"]
        self._store(data)


class PresenceChat(_FileChat):
    manifest_path = HERE / "presencefake.toml"


class FileCalendar(Connector):
    """Events from ``$FOCUSFAKE_DIR/calendar.json``: ``[{uid, title, start, end, status?}]``
    with ISO times, as the test writes them (an edit is the organiser moving or cancelling)."""

    manifest_path = HERE / "calfake.toml"

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    def _events(self) -> list[CalendarEvent]:
        path = Path(os.environ["FOCUSFAKE_DIR"]) / "calendar.json"
        raw = json.loads(path.read_text()) if path.exists() else []
        return [
            CalendarEvent(
                ref=event_ref("calfake", self.ctx.host, "work", e["uid"]),
                uid=e["uid"],
                calendar="work",
                title=e["title"],
                start=datetime.fromisoformat(e["start"]),
                end=datetime.fromisoformat(e["end"]),
                status=EventStatus(e.get("status", "confirmed")),
            )
            for e in raw
        ]

    async def list_calendars(self) -> Sequence[CalendarInfo]:
        return [CalendarInfo(id="work", name="Work")]

    async def events(
        self, start: datetime, end: datetime, *, calendars: Sequence[str] | None = None
    ) -> Sequence[CalendarEvent]:
        return sorted((e for e in self._events() if e.overlaps(start, end)), key=lambda e: e.start)

    async def get_event(self, ref: ItemRef) -> CalendarEvent:
        for e in self._events():
            if e.ref == ref:
                return e
        raise NotFound(f"no event {ref.key}")
