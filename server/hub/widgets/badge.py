"""A CI status badge as SVG, in the shields.io "flat" style: a grey label, a coloured status.

The drawing is built as an :mod:`xml.etree.ElementTree` tree and serialised by it, so every
text node and attribute value is XML-escaped by the library (``<``, ``&``, ``"``, and so
``]]>`` and ``</text><script>`` stay text); nothing is pasted into markup. Characters XML
cannot hold at all (most C0 controls) and bidi overrides are removed first. The badge has a
``<title>`` and ``role="img"`` with an ``aria-label``, which is what screen readers announce.

Text width: a badge is sized before any font is at hand, so widths come from a table of
advance widths for Verdana at 11 px (the font shields draws with; DejaVu Sans, its fallback,
is within a pixel for ASCII), by character class, with East Asian wide characters counted as
a full em and combining marks as nothing. ``textLength`` then asks the viewer to fit the text
to exactly that width, so a viewer with another font still draws a badge that fits.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import xml.etree.ElementTree as ET

from connectors.sdk.models import CheckConclusion, CheckSummary

from ..sanitize import strip_controls

FONT_SIZE = 11
FONT_FAMILY = "Verdana,Geneva,DejaVu Sans,sans-serif"
HEIGHT = 20
PADDING = 6  # each side of each half's text
MAX_CHARS = 60  # a half's text is cut (with "…") past this

_WIDTHS: dict[str, float] = {}
for chars, width in (
    ("il|", 3.1), ("jI.,:;'!", 3.7), ("ft", 4.3), ("r", 4.7), (" ", 3.9),
    ("()[]{}/\\-", 4.8), ('"*', 5.9), ("Jsz", 5.7), ("cekvxy", 6.5),
    ("abdghnopqu", 6.9), ("0123456789$_=+<>^~?#", 7.0), ("FLTZ", 6.8),
    ("EKPSXY", 7.3), ("ABCRV", 7.6), ("DGHNOQU", 8.4), ("w", 8.9), ("M%", 9.3),
    ("m", 10.7), ("W&@", 10.9),
):  # fmt: skip
    for ch in chars:
        _WIDTHS[ch] = width
_DEFAULT_WIDTH = 7.6
_WIDE = FONT_SIZE * 1.0

#: Characters XML 1.0 cannot carry (after strip_controls has taken the usual ones).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text_width(text: str) -> float:
    """The width ``text`` takes at 11 px Verdana, in pixels (see the module docstring)."""
    total = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w = _WIDTHS.get(ch)
        if w is None:
            w = _WIDE if unicodedata.east_asian_width(ch) in ("W", "F") else _DEFAULT_WIDTH
        total += w
    return total


def _clean(text: str) -> str:
    one = " ".join(_NOT_XML.sub("", strip_controls(text)).split())
    return one if len(one) <= MAX_CHARS else one[: MAX_CHARS - 1].rstrip() + "\u2026"


class BadgeState(enum.StrEnum):
    """What a badge's colour says."""

    PASSING = "passing"
    FAILING = "failing"
    RUNNING = "running"
    NEUTRAL = "no checks"
    UNKNOWN = "unknown"


#: shields.io's palette: brightgreen, red, yellow, lightgrey, grey.
COLOURS = {
    BadgeState.PASSING: "#4c1",
    BadgeState.FAILING: "#e05d44",
    BadgeState.RUNNING: "#dfb317",
    BadgeState.NEUTRAL: "#9f9f9f",
    BadgeState.UNKNOWN: "#9f9f9f",
}
LABEL_COLOUR = "#555"


def state_of(summary: CheckSummary | None) -> BadgeState:
    if summary is None:
        return BadgeState.UNKNOWN
    return {
        CheckConclusion.FAILURE: BadgeState.FAILING,
        CheckConclusion.PENDING: BadgeState.RUNNING,
        CheckConclusion.SUCCESS: BadgeState.PASSING,
    }.get(summary.overall, BadgeState.NEUTRAL)


def badge(label: str, status: str, state: BadgeState, *, title: str | None = None) -> str:
    """A two-part badge. ``title`` (default ``label: status``) is its accessible name."""
    label, status = _clean(label) or "ci", _clean(status) or state.value
    name = _clean(title) if title else f"{label}: {status}"
    lw = round(text_width(label) + 2 * PADDING)
    sw = round(text_width(status) + 2 * PADDING)
    width = lw + sw
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(width),
            "height": str(HEIGHT),
            "viewBox": f"0 0 {width} {HEIGHT}",
            "role": "img",
            "aria-label": name,
        },
    )
    ET.SubElement(svg, "title").text = name
    grad = ET.SubElement(svg, "linearGradient", {"id": "s", "x2": "0", "y2": "100%"})
    ET.SubElement(grad, "stop", {"offset": "0", "stop-color": "#bbb", "stop-opacity": ".1"})
    ET.SubElement(grad, "stop", {"offset": "1", "stop-opacity": ".1"})
    clip = ET.SubElement(svg, "clipPath", {"id": "r"})
    ET.SubElement(
        clip, "rect", {"width": str(width), "height": str(HEIGHT), "rx": "3", "fill": "#fff"}
    )
    g = ET.SubElement(svg, "g", {"clip-path": "url(#r)"})
    ET.SubElement(g, "rect", {"width": str(lw), "height": str(HEIGHT), "fill": LABEL_COLOUR})
    ET.SubElement(
        g,
        "rect",
        {"x": str(lw), "width": str(sw), "height": str(HEIGHT), "fill": COLOURS[state]},
    )
    ET.SubElement(g, "rect", {"width": str(width), "height": str(HEIGHT), "fill": "url(#s)"})
    texts = ET.SubElement(
        svg,
        "g",
        {
            "fill": "#fff",
            "text-anchor": "middle",
            "font-family": FONT_FAMILY,
            "font-size": str(FONT_SIZE),
            "aria-hidden": "true",
        },
    )
    for x0, w, text in ((0, lw, label), (lw, sw, status)):
        length = f"{w - 2 * PADDING}"
        centre = f"{x0 + w / 2:g}"
        shadow = ET.SubElement(
            texts,
            "text",
            {"x": centre, "y": "15", "fill": "#010101", "fill-opacity": ".3",
             "textLength": length},
        )  # fmt: skip
        shadow.text = text
        ET.SubElement(texts, "text", {"x": centre, "y": "14", "textLength": length}).text = text
    return ET.tostring(svg, encoding="unicode")


def ci_badge(summary: CheckSummary | None, *, label: str = "ci", where: str = "") -> str:
    """The badge of a branch's CI (its checks and pipelines merged, as the status bar shows
    them); ``where`` (``octo/app@main``) goes into the accessible title."""
    state = state_of(summary)
    status = state.value
    detail = ""
    if summary is not None and summary.total:
        if summary.failed:
            detail = f", {summary.failed} of {summary.total} failed"
            status = f"{summary.failed} failing" if summary.failed > 1 else status
        elif summary.pending:
            detail = f", {summary.pending} of {summary.total} running"
        else:
            detail = f", {summary.passed} of {summary.total} passed"
    title = f"{label}: {status}{detail}" + (f" ({where})" if where else "")
    return badge(label, status, state, title=title)


__all__ = ["COLOURS", "BadgeState", "badge", "ci_badge", "state_of", "text_width"]
