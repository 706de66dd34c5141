"""The HTML cards read back as a browser builds them: elements, text, links and colours."""

from __future__ import annotations

from datetime import UTC, date, datetime

from connectors.sdk.chat import Availability
from connectors.sdk.models import ItemState
from server.hub.widgets import (
    PresenceEntry,
    agenda_card,
    issue_card,
    message_card,
    pr_card,
    presence_card,
)
from server.hub.widgets.markup import CSS, el, rich_text
from tests.widgets import data
from tests.widgets.parse import audit_card, parse

DAY = date(2026, 12, 3)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 3, hour, minute, tzinfo=UTC)


def test_pr_card_shows_the_pull_request() -> None:
    doc = parse(pr_card(data.pull(), zone=UTC))
    card = doc.find("article", "pr")
    assert doc.find("title").text() == "octo/app#7: Speed up the cache"
    head = card.find("div", "head")
    assert head.find("span", "ref").text() == "octo/app#7"
    assert head.find("span", "connector").text() == "github"
    pill = head.find("span", "pill")
    assert pill.text() == "open" and "state-open" in pill.classes
    link = card.find("h1", "title").find("a")
    assert link.text() == "Speed up the cache"
    assert link.attrs["href"] == "https://github.com/octo/app/pull/7"
    meta = card.find("ul", "meta").text()
    assert "by Mona" in meta
    assert "main \u2190 fast-cache" in meta
    assert "approved" in meta and "1 of 2 approvals" in meta
    assert "3 comments" in meta
    checks = card.find("li", "checks")
    assert "state-failure" in checks.find("span", "pill").classes
    assert "3 passed, 1 failed" in checks.text()
    assert card.find("time").attrs["datetime"] == data.WHEN.isoformat()
    assert "review requested from hubot" in card.text()
    label = card.find("li", "label")
    assert label.text() == "perf" and label.attrs["style"] == "--label:#d73a4a"
    body = card.find("div", "body")
    assert body.find("strong").text() == "reads"
    assert body.find("pre").text() == "x = 1 < 2\n"
    assert audit_card(pr_card(data.pull())) == []


def test_pr_states() -> None:
    def state(**fields: object) -> tuple[str, set[str]]:
        pill = parse(pr_card(data.pull(**fields))).find("div", "head").find("span", "pill")
        return pill.text(), pill.classes

    assert state(merged=True, state=ItemState.CLOSED) == ("merged", {"pill", "state-merged"})
    assert state(state=ItemState.CLOSED)[0] == "closed"
    assert state(draft=True)[0] == "draft"


def test_a_label_colour_is_used_only_when_it_is_a_colour() -> None:
    for colour in ("red;background:url(https://x.test)", "#12345", None, "zzzzzz"):
        label = parse(pr_card(data.pull(colour=colour))).find("li", "label")
        assert "style" not in label.attrs, colour


def test_a_card_has_light_and_dark_schemes_and_no_script() -> None:
    doc = parse(pr_card(data.pull()))
    assert "@media (prefers-color-scheme: dark)" in doc.find("style").text()
    assert doc.find("style").text() == CSS
    assert not doc.find_all("script")
    names = {m.attrs.get("name") for m in doc.find_all("meta")}
    assert "color-scheme" in names


def test_a_pr_without_a_body_or_people_has_no_empty_sections() -> None:
    doc = parse(pr_card(data.pull(body=None, requested_reviewers=(), labels=(), checks=None)))
    card = doc.find("article")
    assert not card.find_all("div", "body")
    assert not card.find_all("ul", "labels")
    assert not card.find_all("li", "checks")
    assert len(card.find_all("ul", "meta")) == 1


def test_issue_card() -> None:
    doc = parse(issue_card(data.issue()))
    card = doc.find("article", "issue")
    assert card.find("span", "ref").text() == "octo/app#12"
    assert card.find("h1", "title").text() == "Crash on start"
    assert "assigned to Hu Bot" in card.find("ul", "meta").text()
    body = card.find("div", "body")
    assert body.find("em").text() == "crashes"
    log = body.find("a")
    assert log.attrs["href"] == "https://example.test/log"
    assert "nofollow" in (log.attrs.get("rel") or "")


def test_jira_issue_card_shows_its_fields() -> None:
    card = parse(issue_card(data.jira_issue())).find("article")
    assert card.find("span", "ref").text() == "PROJ-7"
    meta = card.find("ul", "meta").text()
    for part in ("status In Review", "type Story", "priority High", "planned in Sprint 42"):
        assert part in meta


def test_agenda_card_lists_the_day_in_order() -> None:
    events = [
        data.event("Retro", at(15), location="Room 4"),
        data.event("Stand-up", at(9, 30), minutes=15, join="https://zoom.us/j/123"),
        data.event("Offsite", at(0), all_day=True, minutes=24 * 60),
        data.event("Old plan", at(11), status=data.CANCELLED),
    ]
    doc = parse(agenda_card(events, DAY, zone=UTC))
    card = doc.find("article", "agenda")
    assert card.find("div", "head").find("time").attrs["datetime"] == "2026-12-03"
    rows = card.find("ul", "rows").find_all("li")
    whens = [r.find("span", "when").text() for r in rows]
    assert whens == ["all day", "09:30\u201309:45", "11:00\u201311:30", "15:00\u201315:30"]
    standup = rows[1]
    join = standup.find("a")
    assert join.text() == "Join Zoom" and join.attrs["href"] == "https://zoom.us/j/123"
    assert "cancelled" in rows[2].classes
    assert "Room 4" in rows[3].text()
    assert audit_card(agenda_card(events, DAY)) == []


def test_an_empty_agenda_says_so() -> None:
    doc = parse(agenda_card([], DAY))
    assert doc.find("p", "empty").text() == "Nothing on the calendar today."


def test_presence_card_puts_the_available_first() -> None:
    until = at(17)
    people = [
        PresenceEntry("zed@example.test", data.presence(Availability.BUSY, "In a meeting")),
        PresenceEntry(
            "amy@example.test",
            data.presence(Availability.AVAILABLE, "Reviewing", emoji="\U0001f440", expires=until),
        ),
        PresenceEntry("bob@example.test", data.presence(Availability.OFFLINE)),
    ]
    doc = parse(presence_card(people, zone=UTC))
    rows = doc.find("ul", "rows").find_all("li")
    assert [r.find("span", "who").text() for r in rows] == [
        "amy@example.test",
        "zed@example.test",
        "bob@example.test",
    ]
    assert "state-available" in rows[0].find("span", "dot").classes
    assert rows[0].find("div", "sub").text() == "available \u00b7 \U0001f440 Reviewing until 17:00"
    assert "state-busy" in rows[1].find("span", "dot").classes
    assert audit_card(presence_card(people)) == []


def test_no_presence_known() -> None:
    assert parse(presence_card([])).find("p", "empty").text() == "No presence known yet."


def test_message_card() -> None:
    doc = parse(message_card("Not mirrored", "No pull request <7> here"))
    assert doc.find("h1").text() == "Not mirrored"
    assert doc.find("p").text() == "No pull request <7> here"


def test_the_builder_escapes_text_and_attributes_and_drops_unsafe_links() -> None:
    out = el("a", '"><script>x</script>', href="javascript:alert(1)", title='" onmouseover="x')
    assert out == (
        '<a title="&quot; onmouseover=&quot;x">&quot;&gt;&lt;script&gt;x&lt;/script&gt;</a>'
    )
    assert el("a", "x", href="https://ok.test/a b") == "<a>x</a>"  # white space: not a URL


def test_rich_text_goes_through_nh3() -> None:
    body = rich_text('hi <img src=x onerror=alert(1)> <a href="javascript:x">y</a> **b**')
    assert body is not None
    assert "onerror" not in body and "javascript" not in body and "src" not in body
    assert "<strong>b</strong>" in body
    assert rich_text("") is None and rich_text(None) is None


def test_a_forced_scheme_overrides_the_media_query() -> None:
    doc = parse(issue_card(data.issue(), theme="light"))
    assert doc.find("html").attrs["class"] == "light"
    css = doc.find("style").text()
    assert ":root.light{color-scheme:light;" in css and ":root.dark{color-scheme:dark;" in css


def test_an_unsafe_join_link_is_left_out() -> None:
    e = data.event("Call", at(10), join="javascript:alert(1)", location="Online")
    row = parse(agenda_card([e], DAY, zone=UTC)).find("ul", "rows").find("li")
    assert not row.find_all("a")
    assert row.find("div", "sub").text() == "Online"
