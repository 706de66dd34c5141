"""A docset page for an editor's preview: a hostile page keeps its text and structure but no
script, handler, style, frame or foreign reference; the docset's own raster images come by
value (``data:``) and nothing else is read -- not a file outside the docset, not an SVG, not
a host."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from server.hub.docs.preview import MAX_PAGE, PreviewError, read_page

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOSTILE = """<html><head><title>Pan.heat &amp; friends</title>
<script>alert(1)</script><link rel="stylesheet" href="x.css"><style>body{}</style>
<base href="https://evil.test/"></head>
<body onload="alert(2)"><h1 id="heat">Pan.heat</h1>
<p>Heats <a href="javascript:alert(3)">the pan</a>, see <a href="https://docs.test/pan">docs</a>
and <a href="data:text/html,<script>alert(4)</script>">this</a>.</p>
<img src="img/dot.png" alt="a dot"><img src="../../../../../secret.png" alt="outside">
<img src="img/logo.svg" alt="svg"><img src="https://tracker.test/p.gif" alt="pixel">
<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt="inline svg">
<iframe src="https://evil.test"></iframe><svg><script>alert(5)</script></svg>
<pre><code>pan.heat(level=3)</code></pre></body></html>"""


def _docset(tmp_path: Path) -> tuple[Path, str]:
    docs = tmp_path / "spam.docset" / "Contents" / "Resources" / "Documents"
    (docs / "img").mkdir(parents=True)
    (docs / "img" / "dot.png").write_bytes(PNG)
    (docs / "img" / "logo.svg").write_text("<svg onload='alert(6)'/>")
    (tmp_path / "secret.png").write_bytes(PNG)
    page = docs / "api.html"
    page.write_text(HOSTILE)
    return docs, page.as_uri() + "#heat"


def test_a_hostile_page_keeps_its_text_and_loses_everything_active(tmp_path: Path) -> None:
    _, url = _docset(tmp_path)
    page = read_page(url)
    assert page.title == "Pan.heat & friends"
    out = page.html.lower()
    assert "pan.heat" in out and "pan.heat(level=3)" in out and "<h1" in out
    for bad in ("<script", "onload", "javascript:", "<iframe", "<style", "<link", "<base",
                "evil.test", "tracker.test", "data:text", "svg+xml", "alert("):  # fmt: skip
        assert bad not in out, bad
    assert 'href="https://docs.test/pan"' in out


def test_only_the_docsets_own_rasters_are_inlined(tmp_path: Path) -> None:
    _, url = _docset(tmp_path)
    html = read_page(url).html
    inlined = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert html.count(inlined) == 1  # the dot; not the file outside the docset
    assert 'alt="outside"' in html and 'alt="svg"' in html and 'alt="pixel"' in html


def test_what_is_no_local_docset_page_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="only a local docset page"):
        read_page("https://docs.test/pan.html")
    loose = tmp_path / "loose.html"
    loose.write_text("<p>hi</p>")
    with pytest.raises(PreviewError, match="not inside a docset"):
        read_page(loose.as_uri())
    docs, _ = _docset(tmp_path)
    with pytest.raises(PreviewError, match="not there"):
        read_page((docs / "gone.html").as_uri())
    big = docs / "big.html"
    big.write_bytes(b"<p>" + b"x" * (MAX_PAGE + 1) + b"</p>")
    with pytest.raises(PreviewError, match="too large"):
        read_page(big.as_uri())
