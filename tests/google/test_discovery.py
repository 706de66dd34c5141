"""The discovery-document contract (tests/standin/kit/discovery.py) judges requests and answers
the way Google's APIs do: each test pairs an allowed request with the refusals that must fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.standin.kit import Request, build_seconds
from tests.standin.kit.discovery import DiscoveryContract, DiscoveryContracts

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "google"
CALENDAR = DiscoveryContract(CONTRACTS / "calendar.v3.json")
GMAIL = DiscoveryContract(CONTRACTS / "gmail.v1.json")
BOTH = DiscoveryContracts([CALENDAR, GMAIL])


def _req(method: str, target: str, body: Any = None, ctype: str = "application/json") -> Request:
    data = b"" if body is None else json.dumps(body).encode()
    return Request.parse(method, target, {"content-type": ctype}, data)


def test_documents_are_the_pinned_revisions() -> None:
    assert CALENDAR.revision == "20261030"
    assert GMAIL.revision == "20261005"
    BOTH.warm()
    assert f"discovery {CALENDAR.path.name}" in build_seconds


@pytest.mark.parametrize(
    "req",
    [
        _req("GET", "/calendar/v3/users/me/calendarList?maxResults=250&minAccessRole=reader"),
        _req(
            "GET",
            "/calendar/v3/calendars/primary/events?singleEvents=true&orderBy=startTime"
            "&timeMin=2026-12-01T00%3A00%3A00Z&timeMax=2026-12-08T00%3A00%3A00%2B01%3A00"
            "&maxResults=250&pageToken=abc&fields=items",
        ),
        _req("GET", "/calendar/v3/calendars/a%40group.calendar.google.com/events?syncToken=x"),
        _req(
            "GET", "/calendar/v3/calendars/primary/events?eventTypes=default&eventTypes=focusTime"
        ),
        _req("GET", "/calendar/v3/calendars/primary/events/ev1"),
        _req("GET", "/gmail/v1/users/me/messages?q=is%3Aunread&labelIds=INBOX&maxResults=25"),
        _req(
            "GET",
            "/gmail/v1/users/me/messages/m1?format=metadata&metadataHeaders=From"
            "&metadataHeaders=Subject",
        ),
        _req("POST", "/gmail/v1/users/me/messages/send", {"raw": "SGk_", "threadId": "t1"}),
        _req("GET", "/gmail/v1/users/me/profile?prettyPrint=false&quotaUser=q"),
    ],
    ids=lambda r: f"{r.method} {r.path}",
)
def test_allowed(req: Request) -> None:
    assert BOTH.check(req) == []


@pytest.mark.parametrize(
    ("req", "says"),
    [
        (_req("GET", "/calendar/v3/calendars/primary/evnts"), "no method"),
        (_req("DELETE", "/calendar/v3/users/me/calendarList"), "no method"),
        (_req("GET", "/calendar/v3/calendars/primary/events?singleEvent=true"), "singleEvent"),
        (_req("GET", "/calendar/v3/calendars/primary/events?singleEvents=yes"), "true/false"),
        (_req("GET", "/calendar/v3/calendars/primary/events?orderBy=start"), "not one of"),
        (_req("GET", "/calendar/v3/calendars/primary/events?timeMin=2026-12-01"), "RFC 3339"),
        (_req("GET", "/calendar/v3/calendars/primary/events?maxResults=0"), "out of range"),
        (_req("GET", "/calendar/v3/calendars/primary/events?maxResults=ten"), "not an integer"),
        (_req("GET", "/calendar/v3/calendars/primary/events?q=a&q=b"), "not repeated"),
        (_req("GET", "/gmail/v1/users/me/messages/m1?format=metadata&format=raw"), "not repeated"),
        (_req("GET", "/gmail/v1/users/me/messages/m1?format=html"), "not one of"),
        (_req("POST", "/gmail/v1/users/me/messages/send", {"raw": "SGk", "to": "x"}), "'to'"),
        (_req("POST", "/gmail/v1/users/me/messages/send", {"raw": 7}), "expected a string"),
        (_req("POST", "/gmail/v1/users/me/messages/send", {"raw": "***"}), "base64"),
        (_req("POST", "/gmail/v1/users/me/messages/send"), "needs a Message body"),
        (
            _req("POST", "/gmail/v1/users/me/messages/send", {"raw": "SGk"}, ctype="text/plain"),
            "not application/json",
        ),
        (_req("GET", "/gmail/v1/users/me/labels", {"x": 1}), "takes no body"),
        (_req("GET", "/drive/v3/files"), "no method"),
    ],
    ids=lambda v: v if isinstance(v, str) else f"{v.method} {v.path}?{v.query}",
)
def test_refused(req: Request, says: str) -> None:
    problems = BOTH.check(req)
    assert problems, "the contract allowed it"
    assert any(says in p for p in problems), problems


def test_literal_paths_win_over_templates() -> None:
    found = CALENDAR.find("POST", "/calendar/v3/calendars/primary/events/import")
    assert found is not None and found[0].id == "calendar.events.import"
    found = CALENDAR.find("GET", "/calendar/v3/calendars/a%2Fb/events/e%401")
    assert found is not None and found[0].id == "calendar.events.get"
    assert found[1] == {"calendarId": "a/b", "eventId": "e@1"}


def test_answers_are_checked_against_the_response_schema() -> None:
    req = _req("GET", "/gmail/v1/users/me/messages?maxResults=2")
    good = {"messages": [{"id": "m1", "threadId": "t1"}], "resultSizeEstimate": 1}
    assert GMAIL.answer_errors(req, 200, good) == []
    bad = {"messages": [{"id": "m1", "thread": "t1"}], "resultSizeEstimate": "1"}
    problems = GMAIL.answer_errors(req, 200, bad)
    assert any("'thread'" in p for p in problems), problems
    assert any("resultSizeEstimate" in p for p in problems), problems
    # historyId is uint64: a JSON string of digits, never a number.
    msg = _req("GET", "/gmail/v1/users/me/messages/m1")
    assert GMAIL.answer_errors(msg, 200, {"id": "m1", "historyId": 12}) != []
    assert GMAIL.answer_errors(msg, 200, {"id": "m1", "historyId": "12"}) == []
    assert GMAIL.answer_errors(msg, 404, {"error": {"code": 404}}) == []
