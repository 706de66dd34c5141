"""Focus on Teams: hold notifications with a preferred presence of do not disturb and say why
in the status message, then put back exactly what Graph lets us read of what was there.

What "exactly" covers, and where Graph stops it:

- The status message and its expiry are read back as they were (``statusMessage`` with
  ``expiryDateTime``) and set again as they were; one that had expired meanwhile is not
  brought back, and one that was not there is cleared.
- The preferred presence is not readable: ``GET /me/presence`` shows a preference while one
  is set, else what Teams derives, and never says which. A snapshot whose activity equals
  its availability (``Busy``/``Busy``, ``Away``/``Away``, ``DoNotDisturb``/``DoNotDisturb``,
  ``Offline``/``OffWork``) is what a person's own choice in Teams looks like, so it is set
  again as the preference (Graph does not show a preference's expiry either, so it comes
  back with Graph's default one: a day for Busy and DoNotDisturb, seven days otherwise);
  anything else (``Available``, ``Busy``/``InAMeeting``) was derived, and the preference is
  cleared so Teams derives again.
- Only what focus still holds is restored: a presence the person changed from do not
  disturb, or a status message that is no longer focus's text, is theirs and stays.

A preferred presence shows only while the user has a presence session; when there is none
(presence ``Offline`` with no Teams client signed in) focus opens one for this app, named by
its client id as Graph asks (``setPresence``'s ``sessionId``), for as long as focus lasts
(at most the four hours Graph allows).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .client import GraphClient
from .mapping import wall_time
from .models import DateTimeTimeZone, Presence

DND = ("DoNotDisturb", "DoNotDisturb")
#: (availability, activity) pairs a person's own choice in Teams shows.
_CHOSEN = {
    ("Busy", "Busy"),
    ("DoNotDisturb", "DoNotDisturb"),
    ("BeRightBack", "BeRightBack"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
}
_SESSION_MIN, _SESSION_MAX = timedelta(minutes=5), timedelta(hours=4)


def iso_duration(span: timedelta) -> str:
    """An ISO 8601 duration Graph takes (``PT1H30M``), at least one minute."""
    seconds = max(60, int(span.total_seconds()))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")


def _status_of(p: Presence) -> dict[str, Any] | None:
    sm = p.status_message
    if sm is None or sm.message is None or not sm.message.content:
        return None
    expiry = sm.expiry_date_time
    return {
        "text": sm.message.content,
        "expiry": [expiry.date_time, expiry.time_zone] if expiry else None,
    }


class FocusKeeper:
    """Focus's three steps over one account's presence."""

    def __init__(self, client: GraphClient, client_id: str) -> None:
        self.client = client
        self.client_id = client_id
        #: The status text focus set, while this instance knows it.
        self.text: str | None = None

    async def snapshot(self) -> dict[str, Any]:
        p = await self.client.presence()
        return {
            "availability": p.availability,
            "activity": p.activity,
            "status": _status_of(p),
        }

    async def start(self, until: datetime, text: str) -> None:
        now = datetime.now(UTC)
        span = until - now
        current = await self.client.presence()
        if current.availability in (None, "Offline", "PresenceUnknown") and self.client_id:
            session = min(max(span, _SESSION_MIN), _SESSION_MAX)
            await self.client.set_presence(
                self.client_id, "Available", "Available", iso_duration(session)
            )
        await self.client.set_preferred(*DND, expiration=iso_duration(span))
        expiry = (until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "UTC")
        await self.client.set_status_message(text, expiry)
        self.text = text

    async def end(self, state: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        current = await self.client.presence()
        if (current.availability, current.activity) == DND:
            before = (state.get("availability"), state.get("activity"))
            if before in _CHOSEN:
                await self.client.set_preferred(str(before[0]), str(before[1]))
            else:
                await self.client.clear_preferred()
        now_text = _status_of(current)
        ours = now_text is not None and (
            now_text["text"] == self.text
            if self.text is not None
            else (current.availability, current.activity) == DND
        )
        if ours:
            await self._restore_status(state.get("status"), now)
        self.text = None

    async def _restore_status(self, old: dict[str, Any] | None, now: datetime) -> None:
        if not old:
            await self.client.set_status_message("")
            return
        expiry = old.get("expiry")
        if expiry:
            when = wall_time(
                DateTimeTimeZone.model_validate({"dateTime": expiry[0], "timeZone": expiry[1]})
            )
            if when <= now:
                await self.client.set_status_message("")
                return
            await self.client.set_status_message(old["text"], (str(expiry[0]), str(expiry[1])))
        else:
            await self.client.set_status_message(old["text"])
