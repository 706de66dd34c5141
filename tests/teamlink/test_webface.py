"""The link follows the real local web face's stream (``server/web/api``), the format the
team hub serves too: its ids, kinds and ``EventOut`` data, its bearer tokens and scopes."""

from __future__ import annotations

from pathlib import Path

import httpx

from server.hub.events import Event, EventKind
from server.hub.teamlink import MARK, REFRESH_JOB, LinkState
from tests.api.world import ALL, EVENTS_ONLY, NOTHING, Served, served
from tests.teamlink.conftest import World, until


async def _follow(w: World, url: str, token: str) -> None:
    w.hub.environ["TIELINE_TEAM_HUB__URL"] = url
    await w.hub.reconfigure(None)
    w.vault.secrets["teamhub:127.0.0.1"] = token
    w.link().start()


async def test_the_web_face_stream_drives_narrow_refreshes(world: World, tmp_path: Path) -> None:
    w = world
    key = w.session_key()
    await w.clear_jobs()
    seen: list[Event] = []
    w.hub.bus.subscribe("*", seen.append)
    home = tmp_path / "face"
    home.mkdir()
    with served(home, issues=1, pulls=1, keepalive=0.2) as face:
        await _follow(w, face.url + "/events/stream", EVENTS_ONLY)
        await until(lambda: w.link().state is LinkState.CONNECTED)
        event = Event(
            EventKind.PULL_REQUEST_OPENED, "github", "", "octo/app#5", {"host": "github.com"}
        )
        face.run(face.hub.bus.publish(event))
        # What a team link republished is never applied again (no echo).
        echo = Event(
            EventKind.ISSUE_OPENED, "github", "", "octo/app#6", {"host": "github.com", MARK: "9"}
        )
        face.run(face.hub.bus.publish(echo))
        face.run(face.hub.bus.publish(event))
        await until(lambda: w.link().status().events == 2)
        await until(lambda: w.link().status().last_event_id == str(face_last(face)))
        assert await w.jobs() == [(REFRESH_JOB, f"teamhub:{key}:pulls")]
        assert [e.subject for e in seen if MARK in e.payload and e.kind != "sync.completed"] == [
            "octo/app#5",
            "octo/app#5",
        ]
        await w.link().stop()


def face_last(face: Served) -> int:
    """The newest id the web face holds."""
    doc = httpx.get(face.url + "/events?limit=1", headers={"Authorization": f"Bearer {ALL}"})
    return int(doc.json()["last_id"])


async def test_a_token_without_the_events_scope_is_refused(world: World, tmp_path: Path) -> None:
    w = world
    home = tmp_path / "face"
    home.mkdir()
    with served(home, issues=1, pulls=1, keepalive=0.2) as face:
        await _follow(w, face.url + "/events/stream", NOTHING)
        await until(lambda: w.link().state is LinkState.AUTH_REQUIRED)
        assert "403" in (w.link().status().error or "")
        await w.link().stop()
