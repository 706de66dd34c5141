"""The project's hostile-HTML corpus (``tests/text/hostile_html/`` and the sanitizer's own
list) in every field a service fills, through every widget: nothing that runs, loads or
leaves the page comes out, and titles read back as the text they were."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sdk.chat import Availability
from connectors.sdk.models import Label, Status, StatusCategory, User
from server.hub.sanitize import plain_text
from server.hub.widgets import (
    BadgeState,
    PresenceEntry,
    agenda_card,
    badge,
    ci_badge,
    issue_card,
    message_card,
    pr_card,
    presence_card,
)
from tests.conftest import examples
from tests.text.test_hostile_html import CORPUS as FILES
from tests.text.test_sanitize import CORPUS as SHAPES
from tests.widgets import data
from tests.widgets.parse import audit_badge, audit_card, parse, svg_texts

#: Shapes aimed at the SVG badge and at attributes rather than at a Markdown body.
SVG_SHAPES = [
    "]]><script>alert(1)</script><![CDATA[",
    '</text><script xlink:href="data:,alert(1)"/><text>',
    '"/><image href="https://evil.test/x.png" onload="alert(1)"/><g a="',
    "&lt;script&gt;&amp;#x3c;",
    "<?xml-stylesheet href='https://evil.test/x.xsl'?>",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;',
    "<foreignObject><body onload=alert(1)></foreignObject>",
    '" style="fill:url(https://evil.test/#x)',
    "javascript:alert(1)",
    "\u202e\u2066txt.exe\x00\x07\x1b[31m",
]
CORPUS = {**{f"file:{k}": v for k, v in FILES.items()}}
CORPUS |= {f"shape:{n}": s for n, s in enumerate(SHAPES)}
CORPUS |= {f"svg:{n}": s for n, s in enumerate(SVG_SHAPES)}
BAD_URLS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>x</script>",
    "command:workbench.action.terminal.new",
    "vbscript:x",
    "https://ok.test/a b",
]
DAY = date(2026, 12, 3)


def _cards(h: str, n: int) -> dict[str, str]:
    url = BAD_URLS[n % len(BAD_URLS)]
    person = User(login=h, name=h)
    pr = data.pull(
        title=h, body=h, label=h, colour=h, author=h, head=h, url=url, base_ref=h,
        requested_reviewers=(person,), assignees=(person,),
    )  # fmt: skip
    issue = data.issue(
        title=h, body=h, label=h, url=url, assignees=(person,),
        status=Status(name=h, category=StatusCategory.TODO), priority=h, type=h, sprint=h,
        labels=(Label(name=h, color=h),),
    )  # fmt: skip
    start = datetime(2026, 12, 3, 10, tzinfo=UTC)
    events = [
        data.event(h, start, location=h, url=url, join=url, uid=h),
        data.event(h + "2", start, all_day=True, description=h),
    ]
    people = [PresenceEntry(h, data.presence(Availability.DND, h, emoji=h))]
    return {
        "pr": pr_card(pr),
        "issue": issue_card(issue),
        "agenda": agenda_card(events, DAY),
        "presence": presence_card(people),
        "message": message_card(h, h),
    }


@pytest.mark.parametrize("name", CORPUS)
def test_no_widget_carries_anything_active(name: str) -> None:
    h = CORPUS[name]
    for kind, document in _cards(h, len(name)).items():
        problems = audit_card(document)
        assert not problems, f"{kind}: {problems}\n{document}"
    for svg in (
        badge(h, h, BadgeState.FAILING, title=h),
        ci_badge(data.checks(failed=1), label=h, where=h),
    ):
        assert audit_badge(svg) == [], svg


@pytest.mark.parametrize("name", CORPUS)
def test_titles_read_back_as_the_text_they_were(name: str) -> None:
    h = CORPUS[name]
    cards = _cards(h, 0)
    want = plain_text(h, 300) or "(no title)"
    assert parse(cards["pr"]).find("h1", "title").text() == want
    assert parse(cards["issue"]).find("h1", "title").text() == want
    assert parse(cards["presence"]).find("span", "who").text() == plain_text(h, 120)
    label_text = svg_texts(badge(h[:50], "x", BadgeState.FAILING))[0]
    assert label_text == " ".join(plain_text(h[:50], 200).split())


def test_unsafe_urls_make_no_link() -> None:
    for url in BAD_URLS:
        doc = parse(pr_card(data.pull(url=url)))
        link = doc.find("h1", "title").find("a")
        assert "href" not in link.attrs, url


_PIECES = [*"<>&\"'`=/ :;!-[]()\\\n\t\x00\x1b\u202e", "script", "javascript", "onerror", "svg",
           "]]>", "<!--", "&#x3c;", "style", "href", "a", "img", "**", "](", "\n\n"]  # fmt: skip
_NASTY = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=examples(60), deadline=None)
@given(title=_NASTY, body=_NASTY)
def test_generated_mixtures(title: str, body: str) -> None:
    document = pr_card(data.pull(title=title, body=body, label=title, head=body))
    assert audit_card(document) == []
    assert parse(document).find("h1", "title").text() == (plain_text(title, 300) or "(no title)")
    assert audit_badge(badge(title, body, BadgeState.RUNNING, title=title + body)) == []
