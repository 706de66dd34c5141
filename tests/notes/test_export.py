"""A Markdown document exported as a new page: rendered to HTML, raw HTML in it shown as
text, every link that is not http(s)/mailto dropped, titled by its first heading."""

from __future__ import annotations

from html.parser import HTMLParser

from connectors.sdk.capabilities import Notebooks
from server.hub import notes as hub_notes
from tests.notes import connector as fake
from tests.notes.conftest import FakeSession

DOC = """# Release plan

Ship **v2** with [docs](https://example.com/docs) and [x](javascript:alert(1)).

<script>alert(2)</script>
<img src=x onerror="alert(3)">

| a | b |
|---|---|
| 1 | 2 |

```python
print("<b>hi</b>")
```
"""


class _Active(HTMLParser):
    """Every tag, handler and link destination an HTML document holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        self.urls += [v or "" for k, v in attrs if k in ("href", "src", "action")]


def _active(html: str) -> _Active:
    p = _Active()
    p.feed(html)
    p.close()
    return p


async def test_export_creates_a_sanitised_page_titled_by_its_heading(
    notes: fake.Notes, session: FakeSession
) -> None:
    s = notes.section("Work", "Design")
    nb: Notebooks = session.connector.capability(Notebooks)
    page = await hub_notes.export_markdown(nb, s, DOC, "plan.md")
    assert page.title == "Release plan" and page.section == s.id
    html = notes.html[page.id]
    assert "<strong>v2</strong>" in html and 'href="https://example.com/docs"' in html
    assert "<table>" in html and "<code" in html
    found = _active(html)
    assert not found.tags & {"script", "img", "iframe", "style"} and found.handlers == []
    assert found.urls == ["https://example.com/docs"]  # the javascript: link is text
    assert "&lt;script&gt;" in html  # raw HTML in the Markdown shows as text
    assert "&lt;b&gt;hi&lt;/b&gt;" in html


async def test_a_document_without_a_heading_is_titled_by_its_file_name(
    notes: fake.Notes, session: FakeSession
) -> None:
    s = notes.section("Work", "Design")
    nb: Notebooks = session.connector.capability(Notebooks)
    page = await hub_notes.export_markdown(nb, s, "just text\n", "notes")
    assert page.title == "notes"
