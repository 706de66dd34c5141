"""The annotations of a PDF, read into plain values: what each is, where, by whom, and for a
text markup (highlight, underline, squiggly, strike-out) the text under it.

pypdf reads the annotations: it is fast, reads every page's ``/Annots`` without touching the
page contents, and decrypts files whose user password is empty (restricted, not secret). It
gives no positioned text, so the text under a markup comes from pdfminer.six's character
boxes, and only on the pages that hold a markup (pdfminer is the slow part: its pages are
what progress is reported for). pdfminer is run with the identity transform rather than its
own, which turns a rotated page and moves a shifted media box, so its characters are in the
page's default user space -- the space ``/QuadPoints`` are written in -- on any page. A
character is under a markup when its box's centre lies inside one of the markup's
quadrilaterals; characters are ordered along each quadrilateral and words are found by the
gaps between them, pdfminer's own ``word_margin`` rule (many PDFs draw no space glyphs).

Each annotation gets a stable identity for re-imports: its ``/NM`` where it has one (every
viewer that edits annotations writes it), else a hash of its page, subtype and rectangle.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from connectors.sdk.errors import FormatError

log = logging.getLogger("tieline.pdfnotes")

#: Text markup subtypes, and what a note calls each.
MARKUPS = {"/Highlight": "highlight", "/Underline": "underline", "/Squiggly": "squiggly",
           "/StrikeOut": "strike-out"}  # fmt: skip
#: The other subtypes imported: sticky notes, text boxes and freehand drawings.
OTHERS = {"/Text": "note", "/FreeText": "text box", "/Ink": "ink"}
#: Progress: (pages read, pages to read, what is being read).
Progress = Callable[[int, int, str], None]
#: pdfminer's default: a gap wider than this share of a character's size is a space.
WORD_MARGIN = 0.1
_SAFE_ID = re.compile(r"[A-Za-z0-9._:{}-]{1,80}")
_PDF_DATE = re.compile(
    r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?"
)

Rect = tuple[float, float, float, float]
Point = tuple[float, float]


@dataclass(frozen=True)
class Reply:
    """A reply to an annotation (an annotation whose ``/IRT`` names it)."""

    author: str | None
    modified: str | None
    contents: str


@dataclass(frozen=True)
class Annotation:
    """One imported annotation; strings are as the PDF has them (not yet made safe)."""

    id: str
    kind: str
    page: int  # 1-based, what ``#page=N`` takes
    page_label: str | None  # the page's printed number, where it differs from ``page``
    rect: Rect
    colour: str | None  # "#rrggbb"
    author: str | None
    modified: str | None  # ISO 8601, minutes, with its offset where the PDF gave one
    contents: str | None
    text: str | None = None  # a markup's text under it
    strokes: int = 0  # an ink annotation's paths
    replies: tuple[Reply, ...] = ()
    #: Reading order on the page as it is shown (rotation applied): from the top, then left.
    position: tuple[float, float] = (0.0, 0.0)

    @property
    def sort_key(self) -> tuple[int, float, float, str]:
        return (self.page, self.position[0], self.position[1], self.id)


@dataclass
class Extracted:
    pages: int
    annotations: list[Annotation] = field(default_factory=list)
    skipped: int = 0  # annotations that could not be read


# -- small readers ----------------------------------------------------------------------------
def _text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        got = value.get_object()
    except AttributeError:
        got = value
    if isinstance(got, bytes):
        got = got.decode("latin-1")
    text = str(got).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _numbers(value: Any) -> list[float]:
    try:
        got = value.get_object() if value is not None else None
        return [float(v) for v in got] if got is not None else []
    except (TypeError, ValueError, AttributeError):
        return []


def colour_of(components: Sequence[float]) -> str | None:
    """``/C`` (gray, RGB or CMYK components in 0..1) as ``#rrggbb``; none for no colour."""
    c = [min(max(v, 0.0), 1.0) for v in components]
    if len(c) == 1:
        rgb = [c[0]] * 3
    elif len(c) == 3:
        rgb = c
    elif len(c) == 4:
        rgb = [(1 - v) * (1 - c[3]) for v in c[:3]]
    else:
        return None
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)


def pdf_date(value: str | None) -> str | None:
    """A PDF date (``D:20240102103000+01'00'``) as ``2024-01-02T10:30+01:00``; anything
    else is kept as it is (shown, never parsed further)."""
    if not value:
        return None
    m = _PDF_DATE.fullmatch(value.strip())
    if m is None:
        return value
    y, mo, d, h, mi, s, sign, oh, om = m.groups()
    try:
        tz = None
        if sign in ("Z", "z"):
            tz = UTC
        elif sign:
            delta = timedelta(hours=int(oh or 0), minutes=int(om or 0))
            tz = timezone(delta if sign == "+" else -delta)
        when = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0),
                        int(s or 0), tzinfo=tz)  # fmt: skip
    except ValueError:
        return value
    return when.isoformat(timespec="minutes")


def annotation_id(nm: str | None, page: int, subtype: str, rect: Rect) -> str:
    """``nm:<NM>`` where the annotation names itself (a name that is not plain letters,
    digits and ``._:{}-`` is hashed: it is written into the note's markers), else a hash of
    what places it. Rectangles are rounded to a tenth of a point, so a file saved again
    (numbers written another way) keeps its identities."""
    if nm:
        if _SAFE_ID.fullmatch(nm):
            return f"nm:{nm}"
        return "nm#" + hashlib.sha256(nm.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    where = ",".join(f"{v:.1f}" for v in rect)
    digest = hashlib.sha256(f"{page}|{subtype}|{where}".encode()).hexdigest()[:16]
    return f"h:{digest}"


def _page_transform(mediabox: Rect, rotate: int) -> Callable[[Point], Point]:
    """User space to the page as shown (origin bottom left), pdfminer's own matrices."""
    x0, y0, x1, y1 = mediabox
    if rotate == 90:
        return lambda p: (p[1] - y0, x1 - p[0])
    if rotate == 180:
        return lambda p: (x1 - p[0], y1 - p[1])
    if rotate == 270:
        return lambda p: (y1 - p[1], p[0] - x0)
    return lambda p: (p[0] - x0, p[1] - y0)


def _position(rect: Rect, mediabox: Rect, rotate: int) -> tuple[float, float]:
    shown = _page_transform(mediabox, rotate)
    corners = [shown((x, y)) for x in (rect[0], rect[2]) for y in (rect[1], rect[3])]
    height = (mediabox[2] - mediabox[0]) if rotate in (90, 270) else (mediabox[3] - mediabox[1])
    top = max(c[1] for c in corners)
    return (round(height - top, 1), round(min(c[0] for c in corners), 1))


# -- quadrilaterals and the characters under them ---------------------------------------------
def quads_of(numbers: Sequence[float]) -> list[list[Point]]:
    """``/QuadPoints`` as quadrilaterals, each's corners in order around it (viewers write
    them in the specification's order or in Acrobat's "Z" order; angles sort both)."""
    out: list[list[Point]] = []
    for i in range(0, len(numbers) - 7, 8):
        pts = [(numbers[i + k], numbers[i + k + 1]) for k in range(0, 8, 2)]
        cx = sum(p[0] for p in pts) / 4
        cy = sum(p[1] for p in pts) / 4
        out.append(sorted(pts, key=lambda p: math.atan2(p[1] - cy, p[0] - cx)))
    return out


def _inside(quad: list[Point], x: float, y: float) -> bool:
    sign = 0.0
    for (ax, ay), (bx, by) in zip(quad, quad[1:] + quad[:1], strict=True):
        cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
        if abs(cross) < 1e-9:
            continue
        if sign == 0:
            sign = cross
        elif (cross > 0) != (sign > 0):
            return False
    return True


@dataclass(frozen=True)
class Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def text_under(quads: list[list[Point]], chars: Sequence[Char]) -> str:
    """The text of ``chars`` whose centres lie in ``quads``: each quadrilateral's run in the
    direction it is longest in, words split at wide gaps, runs joined by a space (a run that
    ends in a hyphen joins the next without one)."""
    runs: list[str] = []
    taken: set[int] = set()
    for quad in quads:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
        horizontal = (hi_x - lo_x) >= (hi_y - lo_y)
        hits = []
        for n, c in enumerate(chars):
            cx, cy = (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2
            if n in taken or not (lo_x <= cx <= hi_x and lo_y <= cy <= hi_y):
                continue
            if _inside(quad, cx, cy):
                hits.append(n)
        taken.update(hits)
        ordered = sorted(hits, key=lambda n: chars[n].x0 if horizontal else -chars[n].y1)
        words: list[str] = []
        last: Char | None = None
        for n in ordered:
            c = chars[n]
            if last is not None and not c.text.isspace() and not last.text.isspace():
                gap = (c.x0 - last.x1) if horizontal else (last.y0 - c.y1)
                size = max(c.x1 - c.x0, c.y1 - c.y0)
                if gap > WORD_MARGIN * size:
                    words.append(" ")
            words.append(c.text)
            last = c
        run = re.sub(r"\s+", " ", "".join(words)).strip()
        if run:
            runs.append(run)
    out = ""
    for run in runs:
        if not out:
            out = run
        elif out.endswith(("-", "\u00ad")):
            out = out.rstrip("\u00ad") + run
        else:
            out += " " + run
    return out


def page_chars(
    data: bytes,
    pages: Iterable[int],
    progress: Progress | None = None,
    regions: dict[int, list[Rect]] | None = None,
) -> dict[int, list[Char]]:
    """The characters of the given pages (0-based), in user space, by page; with
    ``regions``, only those near one of the page's rectangles (the markups' quadrilaterals).

    A device of its own rather than pdfminer's layout analyser: it keeps each character's
    text and box as four numbers and builds nothing else (no ``LTChar``, curves or images),
    and never runs layout analysis. Interpreting the page's content stream is most of the
    cost that remains (``python -m bench.pdfnotes``)."""
    from pdfminer.pdfdevice import PDFTextDevice
    from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

    class _UserSpace(PDFPageInterpreter):
        def process_page(self, page: PDFPage) -> None:
            self.device.begin_page(page, identity)
            self.render_contents(page.resources, page.contents, ctm=identity)
            self.device.end_page(page)

    class _Chars(PDFTextDevice):
        def __init__(self, rsrc: PDFResourceManager) -> None:
            super().__init__(rsrc)
            self.chars: list[Char] = []
            self.near: list[Rect] | None = None

        def render_char(
            self,
            matrix: tuple[float, float, float, float, float, float],
            font: PDFFont,
            fontsize: float,
            scaling: float,
            rise: float,
            cid: int,
            ncs: object,
            graphicstate: object,
        ) -> float:
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = "\ufffd"
            adv = font.char_width(cid) * fontsize * scaling
            a, b, c, d, e, f = matrix
            if self.near is not None:  # the glyph's origin, and a margin of its size
                m = 2 * (fontsize + abs(adv)) * max(abs(a), abs(b), abs(c), abs(d))
                if not any(
                    r[0] - m <= e <= r[2] + m and r[1] - m <= f <= r[3] + m for r in self.near
                ):
                    return adv
            if font.is_vertical():  # pdfminer's own box for vertical writing
                vx, vy = font.char_disp(cid)  # type: ignore[misc]
                vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
                vy = (1000 - vy) * fontsize * 0.001
                box = (-vx, vy + rise + adv, -vx + fontsize, vy + rise)
            else:
                descent = font.get_descent() * fontsize
                box = (0.0, descent + rise, adv, descent + rise + fontsize)
            xs = [a * x + c * y + e for x in (box[0], box[2]) for y in (box[1], box[3])]
            ys = [b * x + d * y + f for x in (box[0], box[2]) for y in (box[1], box[3])]
            self.chars.append(Char(text, min(xs), min(ys), max(xs), max(ys)))
            return adv

    wanted = sorted(set(pages))
    rsrc = PDFResourceManager(caching=True)
    device = _Chars(rsrc)
    interpreter = _UserSpace(rsrc, device)
    out: dict[int, list[Char]] = {}
    pdf_pages = PDFPage.get_pages(io.BytesIO(data), pagenos=set(wanted), password="")
    for done, (number, page) in enumerate(zip(wanted, pdf_pages, strict=False), start=1):
        device.chars = []
        device.near = regions.get(number) if regions is not None else None
        try:
            interpreter.process_page(page)
        except Exception as exc:  # one broken content stream costs that page's text only
            log.warning("page %d: its text could not be read (%s)", number + 1, exc)
            device.chars = []
        out[number] = device.chars
        if progress is not None:
            progress(done, len(wanted), f"page {number + 1}")
    return out


# -- the file ---------------------------------------------------------------------------------
def _open(data: bytes, name: str) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if b"%PDF-" not in data[:1024]:
        raise FormatError(f"{name} is not a PDF")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormatError(f"{name} is encrypted with a password; nothing was imported")
        _ = len(reader.pages)
    except FormatError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise FormatError(
            f"{name} could not be read as a PDF ({exc}); nothing was imported"
        ) from None
    return reader


def read_pdf(path: Path, progress: Progress | None = None) -> Extracted:
    """Every imported annotation of the PDF at ``path``, in reading order."""
    data = path.read_bytes()
    return extract(data, path.name, progress)


@dataclass
class _Found:
    fields: dict[str, Any]
    quads: list[list[Point]]
    ref: tuple[int, int] | None
    index: int


def _rect(raw: list[float]) -> Rect:
    if len(raw) != 4:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(raw[0], raw[2]), min(raw[1], raw[3]), max(raw[0], raw[2]), max(raw[1], raw[3]))


def _one(
    ref: Any, number: int, label: str | None, mediabox: Rect, rotate: int
) -> _Found | tuple[tuple[int, int], Reply] | None:
    """One entry of a page's ``/Annots``: an annotation imported, a reply (with the object it
    answers), or nothing (a link, a form field, a pop-up, a review state...)."""
    a = ref.get_object()
    if not hasattr(a, "get"):
        return None
    subtype = str(a.get("/Subtype", ""))
    irt = a.raw_get("/IRT") if "/IRT" in a else None
    if irt is not None and hasattr(irt, "idnum") and subtype in ("/Text", "/FreeText"):
        body = _text(a.get("/Contents"))
        if a.get("/StateModel") is not None or not body:
            return None
        reply = Reply(_text(a.get("/T")), pdf_date(_text(a.get("/M"))), body)
        return (irt.idnum, irt.generation), reply
    if subtype not in MARKUPS and subtype not in OTHERS:
        return None
    raw = _numbers(a.get("/Rect"))
    rect = _rect(raw)
    ink = a.get("/InkList")
    strokes = len(ink) if isinstance(ink, list) else 0
    fields: dict[str, Any] = {
        "id": annotation_id(_text(a.get("/NM")), number + 1, subtype, rect),
        "kind": MARKUPS.get(subtype) or OTHERS[subtype],
        "page": number + 1,
        "page_label": label if label and label != str(number + 1) else None,
        "rect": rect,
        "colour": colour_of(_numbers(a.get("/C"))),
        "author": _text(a.get("/T")),
        "modified": pdf_date(_text(a.get("/M")) or _text(a.get("/CreationDate"))),
        "contents": _text(a.get("/Contents")),
        "strokes": strokes,
        "position": _position(rect, mediabox, rotate),
    }
    quads = quads_of(_numbers(a.get("/QuadPoints"))) if subtype in MARKUPS else []
    if subtype in MARKUPS and not quads and len(raw) == 4:
        x0, y0, x1, y1 = rect
        quads = quads_of([x0, y1, x1, y1, x0, y0, x1, y0])
    if quads:  # where the marked text is, which a viewer's /Rect may not say
        xs = [p[0] for q in quads for p in q]
        ys = [p[1] for q in quads for p in q]
        fields["position"] = _position((min(xs), min(ys), max(xs), max(ys)), mediabox, rotate)
    own = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else None
    return _Found(fields, quads, own, number)


def extract(data: bytes, name: str = "the PDF", progress: Progress | None = None) -> Extracted:
    """The annotations of ``data`` (a PDF named ``name`` in messages), in reading order.

    One annotation that cannot be read is skipped (and counted); a file whose pages cannot
    be read is a :class:`FormatError`."""
    reader = _open(data, name)
    try:
        labels = list(reader.page_labels)
    except Exception:
        labels = []
    found: list[_Found] = []
    replies: dict[tuple[int, int], list[Reply]] = {}
    skipped = 0
    try:
        pages = list(reader.pages)
        for number, page in enumerate(pages):
            annots = page.get("/Annots")
            annots = annots.get_object() if annots is not None else None
            if not annots:
                continue
            try:
                box = [float(v) for v in page.mediabox]
                mediabox: Rect = (box[0], box[1], box[2], box[3])
                rotate = int(page.get("/Rotate", 0) or 0) % 360
            except (TypeError, ValueError, IndexError):
                mediabox, rotate = (0.0, 0.0, 612.0, 792.0), 0
            label = labels[number] if number < len(labels) else None
            for ref in annots:
                try:
                    got = _one(ref, number, label, mediabox, rotate)
                except Exception as exc:  # one odd annotation is no reason to lose the rest
                    log.warning(
                        "%s, page %d: an annotation was skipped (%s)", name, number + 1, exc
                    )
                    skipped += 1
                    continue
                if isinstance(got, _Found):
                    found.append(got)
                elif got is not None:
                    replies.setdefault(got[0], []).append(got[1])
    except Exception as exc:
        raise FormatError(
            f"{name}: its pages could not be read ({exc}); nothing was imported"
        ) from None

    seen: dict[str, int] = {}
    for f in found:  # two alike (no /NM, one place): told apart by their order in the file
        ident = f.fields["id"]
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:
            f.fields["id"] = f"{ident}-{seen[ident]}"
    regions: dict[int, list[Rect]] = {}
    for f in found:
        for q in f.quads:
            xs, ys = [p[0] for p in q], [p[1] for p in q]
            regions.setdefault(f.index, []).append((min(xs), min(ys), max(xs), max(ys)))
    chars = page_chars(data, regions, progress, regions) if regions else {}
    out = Extracted(pages=len(pages), skipped=skipped)
    for f in found:
        if f.quads:
            f.fields["text"] = text_under(f.quads, chars.get(f.index, [])) or None
        f.fields["replies"] = tuple(replies.get(f.ref, ())) if f.ref else ()
        out.annotations.append(Annotation(**f.fields))
    out.annotations.sort(key=lambda a: a.sort_key)
    return out
