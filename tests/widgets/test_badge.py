"""The CI badge read back by an XML parser: its parts, colours, sizes and accessible name."""

from __future__ import annotations

import pytest

from server.hub.widgets import BadgeState, badge, ci_badge, text_width
from server.hub.widgets.badge import COLOURS, LABEL_COLOUR, PADDING
from tests.widgets import data
from tests.widgets.parse import SVG_NS, audit_badge, parse_svg, svg_texts


def _rects(svg: str) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in parse_svg(svg).iter(f"{SVG_NS}rect")]


def test_a_passing_badge() -> None:
    svg = ci_badge(data.checks(), where="octo/app@main")
    root = parse_svg(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == "ci: passing, 3 of 3 passed (octo/app@main)"
    assert root.attrib["aria-label"] == title.text
    assert svg_texts(svg) == ["ci", "ci", "passing", "passing"]
    fills = [r.get("fill") for r in _rects(svg)]
    assert fills[1:] == [LABEL_COLOUR, COLOURS[BadgeState.PASSING], "url(#s)"]
    assert audit_badge(svg) == []


@pytest.mark.parametrize(
    ("summary", "status", "state"),
    [
        (data.checks(failed=1), "failing", BadgeState.FAILING),
        (data.checks(failed=2), "2 failing", BadgeState.FAILING),
        (data.checks(pending=1), "running", BadgeState.RUNNING),
        (data.checks().model_copy(update={"total": 0, "passed": 0}), "no checks",
         BadgeState.NEUTRAL),
        (None, "unknown", BadgeState.UNKNOWN),
    ],
)  # fmt: skip
def test_colour_by_state(summary: object, status: str, state: BadgeState) -> None:
    svg = ci_badge(summary)  # type: ignore[arg-type]
    assert svg_texts(svg)[2] == status
    assert _rects(svg)[2]["fill"] == COLOURS[state]


def test_widths_follow_the_text() -> None:
    short, long = (
        badge("ci", "ok", BadgeState.PASSING),
        badge("ci", "ok ok ok ok", BadgeState.PASSING),
    )
    assert int(parse_svg(long).attrib["width"]) > int(parse_svg(short).attrib["width"])
    svg = badge("build", "passing", BadgeState.PASSING)
    rects = _rects(svg)
    label_w, status_w = int(rects[1]["width"]), int(rects[2]["width"])
    assert int(parse_svg(svg).attrib["width"]) == label_w + status_w
    assert rects[2]["x"] == str(label_w)
    texts = list(parse_svg(svg).iter(f"{SVG_NS}text"))
    assert texts[1].attrib["textLength"] == str(label_w - 2 * PADDING)
    assert float(texts[1].attrib["x"]) == label_w / 2  # centred in its half
    assert float(texts[3].attrib["x"]) == label_w + status_w / 2


def test_text_width_is_measured_per_character() -> None:
    assert text_width("iiii") < text_width("mmmm")
    assert text_width("WWW") > text_width("www") > text_width("lll")
    assert text_width("\u6f22\u5b57") == pytest.approx(22)  # East Asian wide: an em each
    assert text_width("e\u0301") == text_width("e")  # a combining accent takes no room
    assert 38 <= text_width("passing") <= 46  # shields draws it 43 px wide


def test_hostile_labels_stay_text() -> None:
    hostile = '</text><script>alert(1)</script>]]><![CDATA[<a href="javascript:x">'
    svg = badge(hostile[:60], "x\x00\x1b\u202e" + hostile[:40], BadgeState.FAILING)
    assert audit_badge(svg) == []
    texts = svg_texts(svg)
    assert texts[0].startswith("</text><script>")  # read back as text, as written
    assert "\x00" not in texts[2] and "\u202e" not in texts[2]


def test_long_text_is_cut() -> None:
    texts = svg_texts(badge("x" * 200, "ok", BadgeState.PASSING))
    assert len(texts[0]) == 60 and texts[0].endswith("\u2026")
