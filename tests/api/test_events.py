"""Recent events and the SSE stream: events published on the hub's bus get increasing ids,
``GET /events?since=`` lists those after an id, and the stream resumes after
``Last-Event-ID`` with what was missed, then keeps the connection alive with comments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx

from server.hub.events import Event, EventKind
from tests.api.world import ALL, Served, served

AUTH = {"Authorization": f"Bearer {ALL}"}


def _publish(api: Served, n: int) -> None:
    for i in range(n):
        api.run(api.hub.bus.publish(Event(EventKind.ISSUE_OPENED, "github", "octocat@github.com",
                                          f"octo/app#{i}", {"title": f"t{i}"})))  # fmt: skip


def _last(api: Served) -> int:
    return int(httpx.get(api.url + "/events?limit=1", headers=AUTH).json()["last_id"])


def test_recent_events_since_an_id(api: Served) -> None:
    before = _last(api)
    _publish(api, 3)
    doc = httpx.get(f"{api.url}/events?since={before}", headers=AUTH).json()
    assert [e["id"] for e in doc["items"]] == [before + 1, before + 2, before + 3]
    assert doc["items"][0]["kind"] == "issue.opened" and doc["items"][0]["payload"] == {
        "title": "t0"
    }
    assert doc["last_id"] == before + 3 and doc["gap"] is False
    later = httpx.get(f"{api.url}/events?since={before + 3}", headers=AUTH).json()
    assert later["items"] == []


def _frames(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """SSE frames as dicts of their fields (comments under ``comment``)."""
    frame: dict[str, str] = {}
    for line in lines:
        if line == "":
            if frame:
                yield frame
            frame = {}
        elif line.startswith(":"):
            frame["comment"] = line[1:].strip()
        else:
            name, _, value = line.partition(":")
            frame[name] = value.removeprefix(" ")


def test_stream_resumes_after_last_event_id(api: Served) -> None:
    before = _last(api)
    _publish(api, 4)  # missed while disconnected
    headers = {**AUTH, "Last-Event-ID": str(before + 1)}
    with httpx.stream("GET", api.url + "/events/stream", headers=headers, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        got: list[int] = []
        keepalive = False
        frames = _frames(r.iter_lines())
        for frame in frames:
            if "id" in frame:
                got.append(int(frame["id"]))
                assert frame["event"] == "issue.opened"
                assert json.loads(frame["data"])["id"] == int(frame["id"])
                if len(got) == 3:
                    _publish(api, 1)  # arrives live
            elif frame.get("comment") == "keep-alive" and len(got) == 4:
                keepalive = True
                break
        assert got == [before + 2, before + 3, before + 4, before + 5]
        assert keepalive


def test_a_ring_keeps_the_newest_and_says_when_some_were_dropped() -> None:
    from server.web.api.ring import EventRing

    ring = EventRing(3)
    for i in range(5):
        ring.add(Event("x.y", "c", "a", str(i)))
    assert [n.id for n in ring.since(0)] == [3, 4, 5]
    assert ring.gap(0) and ring.gap(1) and not ring.gap(2)


def test_resuming_past_what_the_ring_holds_says_so(tmp_path: Path) -> None:
    with served(tmp_path, issues=0, pulls=0, ring_size=3, keepalive=0.2) as api:
        _publish(api, 5)  # ids 1-5; the ring keeps 3-5
        headers = {**AUTH, "Last-Event-ID": "1"}
        with httpx.stream("GET", api.url + "/events/stream", headers=headers, timeout=30) as r:
            frames = _frames(r.iter_lines())
            first = next(f for f in frames if "event" in f)
            assert first["event"] == "gap" and json.loads(first["data"]) == {"after": 1, "first": 3}
            ids = [int(next(f for f in frames if "id" in f)["id"]) for _ in range(3)]
            assert ids == [3, 4, 5]
