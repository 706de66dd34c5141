"""The hostile-HTML corpus (``hostile_html/``) through every way service HTML reaches an
editor, plus generated mixtures of it:

* :func:`sanitize_html` as a webview would place it: only allow-listed elements and
  attributes, links only http(s)/mailto/#, images without any source (no tracking pixel is
  fetched), and stable when cleaned again -- HTML that changes on a second parse is the
  mutation-XSS shape, where what the sanitiser checked is not what the browser builds;
* an e-mail body as the Markdown document the editor shows (:func:`body_markdown`), rendered
  by the most trusting Markdown renderer (raw HTML on, no link filter): the same audit, and no
  image at all;
* the same HTML as Markdown in a hover (:func:`sanitize_markdown`);
* the same inside a drawing placed inline in a webview (:func:`sanitize_svg`, a diagram
  whose source carried markup): drawing elements may stay, but nothing that runs, loads or
  points outside the drawing.

The audit reads the HTML a browser or Markdown preview would be given, not our output's
text, so it sees what would run.
"""

from __future__ import annotations

import html as html_mod
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connectors.sdk.mail import MailMessage
from connectors.sdk.models import ItemRef
from server.hub.mail import body_markdown
from server.hub.sanitize import sanitize_html, sanitize_markdown, sanitize_svg
from tests.conftest import examples
from tests.text.test_sanitize import _Audit, assert_safe, render

CORPUS_DIR = Path(__file__).with_name("hostile_html")
CORPUS = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.html"))}
_REF = ItemRef(connector="fakemail", host="mail.example.test", scope="inbox", key="m1")


def _mail(body: str) -> str:
    return body_markdown(MailMessage(ref=_REF, subject="s", body_html=body))


class _NoFetch(_Audit):
    """The audit, and also: nothing the page would fetch by itself (any ``src``), and where
    ``images`` is false no image at all."""

    def __init__(self, *, images: bool) -> None:
        super().__init__()
        self.images = images

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if any(name == "src" for name, _ in attrs):
            self.problems.append(f"src= on <{tag}> (it would be fetched)")
        if tag == "img" and not self.images:
            self.problems.append("an image")


class _Tree(HTMLParser):
    """The document as a parser builds it: tags with their attributes as a set, and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, *sorted(f"{k}={v}" for k, v in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.events and self.events[-1][:2] in (("start", "pre"), ("start", "textarea")):
            data = data.removeprefix("\n")  # as HTML parsing drops it
        if data:
            self.events.append(("text", data))


def _tree(html: str) -> list[tuple[str, ...]]:
    t = _Tree()
    t.feed(html)
    t.close()
    return t.events


def _audit(html: str, *, images: bool) -> list[str]:
    audit = _NoFetch(images=images)
    audit.feed(html)
    audit.close()
    return audit.problems


#: Characters that make text read differently from what it is (the "Trojan Source" trick).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_webview(hostile: str) -> None:
    out = sanitize_html(hostile)
    problems = _audit(out, images=True)
    if _BIDI.search(out):
        problems.append("a bidi override or NUL")
    again = sanitize_html(out)
    assert _tree(again) == _tree(out), f"cleaning again changed it (a mutation shape): {again!r}"
    assert not problems, f"{problems}\nhtml: {out!r}"


def check_mail(hostile: str) -> None:
    md = _mail(hostile)
    assert_safe(md)
    problems = _audit(render(md), images=False)
    if _BIDI.search(md):
        problems.append("a bidi override or NUL")
    assert not problems, f"{problems}\nmarkdown: {md!r}"


def check_hover(hostile: str) -> None:
    md = sanitize_markdown(hostile)
    assert_safe(md)
    assert not _BIDI.search(md), f"a bidi override or NUL: {md!r}"


#: What may not be in a drawing: whatever runs script, loads something or embeds a document.
_SVG_ACTIVE_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link",
    "meta", "form", "input", "button", "textarea", "select", "img", "image", "video", "audio",
    "source", "animate", "set", "animatetransform", "animatemotion", "handler", "listener",
    "math", "template", "noscript", "xmp", "plaintext",
}  # fmt: skip
_SVG_URL_ATTRIBUTES = {"href", "xlink:href", "src", "action", "formaction", "data", "srcdoc"}
_CSS_ACTIVE = re.compile(r"expression\(|-moz-binding|behavior:")
_ACTIVE_VALUE = re.compile(r"javascript:|vbscript:|expression\s*\(|-moz-binding|behavior\s*:",
                           re.IGNORECASE)  # fmt: skip


def _css(text: str) -> str:
    """CSS with its escapes read (``\\65 `` and ``\\x`` alike), as an engine reads it."""
    hexed = re.sub(
        r"\\([0-9a-fA-F]{1,6})[ \t\n]?",
        lambda m: chr(min(int(m.group(1), 16), 0x10FFFF)) if int(m.group(1), 16) else "",
        text,
    )
    return re.sub(r"\\(.)", r"\1", hexed)


class _SvgAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"
        if tag in _SVG_ACTIVE_TAGS:
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            v = value or ""
            flat = re.sub(r"\s+", "", v).lower()
            if name.startswith("on"):
                self.problems.append(f"handler {name}= on <{tag}>")
            elif name in _SVG_URL_ATTRIBUTES and not v.startswith("#"):
                self.problems.append(f"{name}={v!r} on <{tag}>")
            elif "url(" in flat and not all(p.startswith(("#", "'#", '"#'))
                                            for p in flat.split("url(")[1:]):  # fmt: skip
                self.problems.append(f"a url() outside the drawing in {name}= on <{tag}>")
            elif _ACTIVE_VALUE.search(_css(v)):
                self.problems.append(f"active CSS or script URL in {name}= on <{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            return
        flat = re.sub(r"\s+", "", _css(data)).lower()
        remote = any(not p.startswith(("#", "'#", '"#')) for p in flat.split("url(")[1:])
        if "@import" in flat or remote or _CSS_ACTIVE.search(flat):
            self.problems.append(f"active CSS in <style>: {data!r}")
        if "<" in data:  # markup to an XML parser (the drawing saved as an .svg file)
            self.problems.append(f"markup in <style>: {data!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment <!--{data}-->")


def check_drawing(hostile: str) -> None:
    out = sanitize_svg(f"<svg>{hostile}</svg>")
    audit = _SvgAudit()
    audit.feed(out)
    audit.close()
    assert not audit.problems, f"{audit.problems}\nsvg: {out!r}"


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 40, sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_in_a_webview(name: str) -> None:
    check_webview(CORPUS[name])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_as_a_mail_document(name: str) -> None:
    check_mail(CORPUS[name])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_in_a_hover(name: str) -> None:
    check_hover(CORPUS[name])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_in_a_drawing(name: str) -> None:
    check_drawing(CORPUS[name])


def test_what_a_reader_needs_survives() -> None:
    links = "<p><a href='https://ok.test/a'>ok</a> <a href='mailto:x@example.test'>mail</a></p>"
    md = _mail(CORPUS["tracking-pixel"] + CORPUS["markdown-in-html"] + links)
    assert "tracker.example.test" not in md and "cdn.example.test" not in md
    assert "\\[image: Logo\\]" in md
    assert "[ok](<https://ok.test/a>)" in md and "[mail](<mailto:x@example.test>)" in md
    # Written-out markup stays words: shown, never parsed.
    shown = html_mod.unescape(render(md))
    assert "<img src=x onerror=alert(4)>" in shown
    assert "[x](javascript:alert(1))" in shown


#: Whole corpus files, arbitrary slices of them (half a tag, an attribute cut mid-value), and
#: the pieces that decide where a tag, attribute, comment or raw-text element ends.
PIECES = st.one_of(
    st.sampled_from(sorted(CORPUS.values())),
    st.sampled_from(sorted(CORPUS.values())).flatmap(
        lambda s: st.tuples(st.integers(0, len(s)), st.integers(0, len(s))).map(
            lambda ab: s[min(ab) : max(ab)]
        )
    ),
    st.sampled_from(
        [
            "<", ">", "/", "\"", "'", "=", " ", "\n", "`", "<!--", "-->", "--!>", "<![CDATA[",
            "]]>", "<svg>", "</svg>", "<math>", "<mtext>", "<style>", "</style>", "<noscript>",
            "</noscript>", "<template>", "<textarea>", "<title>", "</title>", "<p title=\"",
            "<a href=\"", "javascript:", "&#106;", "&colon;", "&lt;", "&", " onerror=alert(1)",
            "<img src=x", "<table>", "<td>", "<select>", "<option>", "<pre>", "</pre>", "```",
            "](", "[r]: ", "\u202e", "<xmp>", "<plaintext>", "<iframe srcdoc=\"",
        ]
    ),
)  # fmt: skip


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
@example("<svg><style><img src=x onerror=alert(1)></style></svg>")
# Found by the property test: nh3 decodes character references, so a control or a bidi
# override written as one (``&#1``, ``&#x202e;``) came out as the character itself.
@example('a href=" &#1')
@example("invoice&#x202e;gpj.exe")
# Found by it too: a block inside <pre> ended the mail's code fence early, so the text after it
# (an <img> written out as &lt;img ...&gt;) became raw HTML in the Markdown.
@example("<pre><p>a</p><p>&lt;img src=x onerror=alert(4)&gt;</p>")
# ... and misnested anchors came out as an <a> inside an <a>, which a browser splits.
@example("<a href=https://ok.test><table><a href=https://ok.test>x</a></table>")
# ... and a link whose URL held a ``>`` ended its Markdown destination there, the rest of the
# URL becoming markup.
@example('<a href="https://x.test/a><img>b">x</a>')
# ... and a drawing kept markup as its style sheet's text, which an XML parser (the drawing
# saved as a file) reads as elements.
@example("<table><td><style></td><img src=x onerror=alert(2)>")
@example("<svg><style>rect{fill:url(")
@example("<svg><style>a{width:e\\xpression(1);b:\\65 xpression(2)}</style>"
         '<rect style="width:\\65 xpression(1)"/></svg>')  # fmt: skip
# ... and in a hover a tag whose title spanned a quote's last line was cut in two by
# Markdown's blocks, its quote then closing inside the next tag's src, whose spaces made
# onmouseover an attribute of the link.
@example(
    '><p><a href="https://ok.test/" title="x>\n<img alt="">'
    '<img src="https://x.test/a onmouseover=alert(1) b">'
)
# ... and a <pre> inside a <pre> ended the code early the same way.
@example("<pre><p>a</p><p>&lt;img src=x onerror=alert(4)&gt;</p><pre>")
# ... and a newline after <pre> is dropped by HTML parsing, which is no mutation.
@example('<pre><link rel=stylesheet href="https://evil.test/x.css">\n')
@example("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>")
def test_generated_hostile_html_is_safe_everywhere(hostile: str) -> None:
    check_webview(hostile)
    check_mail(hostile)
    check_hover(hostile)
    check_drawing(hostile)
