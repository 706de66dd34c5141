"""The API over a hub signed in to GitHub (its contract-checked stand-in on 127.0.0.1,
seeded with the scenario's repository and the capability suite's CI story): creating an
issue goes through the hub's own ``create_issue``, answers 201 and is served from the mirror
at once; a service nobody is signed in to is 409 not-connected, one not installed 422; and
the checkout's branch has its CI status; and the agenda serves a window of the sessions'
events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from connectors.sdk.calendar import CalendarEvent, event_ref
from tests.api.world import ALL, Served, served
from tests.cli.conftest import clone
from tests.scenarios import GITHUB_TOKEN, seed_github
from tests.standin.github import GitHubStandIn
from tests.standin.github_actions import seed_ci_story

AUTH = {"Authorization": f"Bearer {ALL}"}


@pytest.fixture
def connected(github: GitHubStandIn, tmp_path: Path) -> Iterator[Served]:
    seed_github(github)
    seed_ci_story(github.state, "octo/app")
    app = clone(tmp_path / "app", "https://github.com/octo/app.git",
                files={".github/workflows/build.yml": "on: push\n"})  # fmt: skip
    env = {"TIELINE_GITHUB_TOKEN": GITHUB_TOKEN, "TIELINE_CONNECTORS__GITHUB__API_URL": github.url}
    with served(tmp_path / "home", issues=0, pulls=0, environ=env, root=app) as s:
        yield s


def test_create_an_issue_on_github(connected: Served, github: GitHubStandIn) -> None:
    url = connected.url
    new = {"connector": "github", "scope": "octo/app", "title": "Made over REST", "body": "hi"}
    r = httpx.post(url + "/issues", json=new, headers=AUTH)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["title"] == "Made over REST" and doc["scope"] == "octo/app"
    assert doc["service"] == "github" and doc["kind"] == "issue"
    assert any(
        i["title"] == "Made over REST" for i in github.state.repo("octo/app").issues.values()
    )
    got = httpx.get(url + "/issues/" + quote(doc["id"], safe=":/"), headers=AUTH)
    assert got.status_code == 200 and got.json()["body"] == "hi"
    assert GITHUB_TOKEN not in r.text


def test_a_service_nobody_is_signed_in_to_is_409(connected: Served) -> None:
    new = {"connector": "gitlab", "scope": "group/tool", "title": "x"}
    r = httpx.post(connected.url + "/issues", json=new, headers=AUTH)
    assert r.status_code == 409 and r.json()["type"] == "urn:tieline:problem:not-connected"
    r = httpx.post(connected.url + "/issues", json={**new, "connector": "nope"}, headers=AUTH)
    assert r.status_code == 422


def test_ci_status_of_the_checkouts_branch(connected: Served) -> None:
    r = httpx.get(connected.url + "/ci?repo=octo/app&branch=feature", headers=AUTH)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["repo"] == "octo/app" and doc["branch"] == "feature"
    assert doc["state"] == "failure"
    by_name = {p["name"]: p for p in doc["pipelines"]}
    assert by_name["build"]["conclusion"] == "failure"
    assert {j["name"] for j in by_name["build"]["jobs"]} == {"lint", "unit"}
    assert by_name["deploy"]["state"] == "running"
    other = httpx.get(connected.url + "/ci?repo=octo/app&branch=main", headers=AUTH)
    assert other.status_code == 404


def _event(uid: str, start: datetime, **kw: object) -> CalendarEvent:
    return CalendarEvent(
        ref=event_ref("caldav", "dav.example.com", "/cal/", uid, start),
        uid=uid,
        calendar="/cal/",
        title=uid,
        start=start,
        end=start + timedelta(minutes=30),
        **kw,  # type: ignore[arg-type]
    )


def test_agenda_of_a_window(connected: Served) -> None:
    # The events a calendar session's syncer keeps, put in the signed-in session's index
    # (the agenda merges every session's).
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    (session,) = connected.hub.sessions.values()
    events = (_event("standup", day), _event("review", day + timedelta(hours=3)),
              _event("tomorrow", day + timedelta(days=1, hours=1)))  # fmt: skip

    async def put() -> None:
        session.coordinator.index.events = events

    connected.run(put())
    window = {"start": day.isoformat(), "end": (day + timedelta(hours=8)).isoformat()}
    r = httpx.get(connected.url + "/calendar/agenda", params=window, headers=AUTH)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [e["title"] for e in items] == ["standup", "review"]
    assert items[0]["is_meeting"] is True and items[0]["calendar"] == "/cal/"
    empty = {"start": window["end"], "end": window["start"]}
    assert httpx.get(connected.url + "/calendar/agenda", params=empty,
                     headers=AUTH).json() == {"items": []}  # fmt: skip
