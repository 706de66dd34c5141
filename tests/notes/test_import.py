"""A notebook section imported as Markdown: a hostile page (script, event handlers,
``javascript:`` links, a tracking image) leaves nothing active in the Markdown, the page's
own images are read through the connector, saved under ``_resources/`` and linked
relatively, links stay (http(s)/mailto only), and a re-import writes over only what it wrote.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from connectors.sdk.capabilities import Notebooks
from server.hub import notes as hub_notes
from tests.notes import connector as fake
from tests.notes.conftest import FakeSession

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 24


def _hostile(notes: fake.Notes) -> tuple[fake.NoteSection, str]:
    section = notes.section("Work", "Design: Q4/Plans")
    img = notes.resource(PNG)
    notes.page(
        section,
        "Kick-off",
        "<html><head><title>Kick-off</title><script>alert(1)</script></head><body>"
        '<div onclick="steal()"><p onmouseover="x()">Hello <b>team</b> &lt;script&gt;</p>'
        f'<img src="{img}" data-fullres-src="{img}" alt="the [diagram]" onerror="alert(2)" />'
        '<img src="https://tracker.example/pixel.gif" alt="pixel" />'
        '<p><a href="javascript:alert(3)">click</a> <a href="https://example.com/a b">site</a> '
        '<a href="mailto:ada@example.com">mail</a> <a href="command:workbench.action.x">cmd</a>'
        "</p><script>document.cookie</script><iframe src='https://evil.example'></iframe>"
        "<svg><script>alert(4)</script></svg></div></body></html>",
    )
    return section, img


def _md_files(folder: Path, *, deep: bool = False) -> list[Path]:
    return list(folder.rglob("*.md") if deep else folder.glob("*.md"))


def _tags(markdown: str) -> list[str]:
    """The HTML a Markdown renderer would make of it (every tag and attribute)."""
    return re.findall(r"<[a-z][^>]*>", MarkdownIt("commonmark").render(markdown))


async def test_a_hostile_page_imports_with_nothing_active_and_its_image_linked(
    notes: fake.Notes, session: FakeSession, tmp_path: Path
) -> None:
    section, img = _hostile(notes)
    nb: Notebooks = session.connector.capability(Notebooks)
    result = await hub_notes.import_section(nb, section, tmp_path / "notes")
    md = (tmp_path / "notes" / "Kick-off.md").read_text()
    assert md.startswith("# Kick\\-off\n")
    low = md.lower()
    for bad in ("<script", "alert(", "onerror", "onclick", "onmouseover", "javascript:",
                "command:", "iframe", "cookie", "tracker.example"):  # fmt: skip
        assert bad not in low, bad
    for tag in _tags(md):  # rendered, only our own kinds of tag, none with a handler
        assert re.match(r"<(p|strong|a|img|h1|em)\b", tag), tag
        assert " on" not in tag.lower() and "javascript" not in tag.lower(), tag
    assert "**team**" in md and "&lt;script\\>" in md  # the written-out tag is text
    assert "[site](<https://example.com/a%20b>)" in md and "[mail](<mailto:ada@example.com>)" in md
    # The page's image: read through the connector, saved by hash, linked relatively.
    saved = list((tmp_path / "notes" / "_resources").iterdir())
    assert [p.read_bytes() for p in saved] == [PNG] and saved[0].suffix == ".png"
    assert f"![the \\[diagram\\]](_resources/{saved[0].name})" in md
    assert notes.read == [img] and result.images == 1


async def test_titles_become_safe_distinct_file_names(
    notes: fake.Notes, session: FakeSession, tmp_path: Path
) -> None:
    s = notes.section("Work", "Misc")
    for title in ("../../etc/passwd", "a:b*c?", "Same", "same", "", ".hidden"):
        notes.page(s, title, "<p>x</p>")
    nb: Notebooks = session.connector.capability(Notebooks)
    await hub_notes.import_section(nb, s, tmp_path)
    names = sorted(p.name for p in _md_files(tmp_path))
    assert names == sorted(
        ["etc passwd.md", "a b c.md", "Same.md", "same (2).md", "Untitled page.md", "hidden.md"]
    )
    assert all(p.parent == tmp_path for p in _md_files(tmp_path, deep=True))
    assert hub_notes.default_folder(notes.section("Nb", "Q4/Plans")) == "notes/Q4 Plans"


async def test_reimport_overwrites_only_files_it_wrote_unchanged(
    notes: fake.Notes, session: FakeSession, tmp_path: Path
) -> None:
    s = notes.section("Work", "Design")
    a = notes.page(s, "Alpha", "<p>one</p>")
    notes.page(s, "Beta", "<p>two</p>")
    (tmp_path / "Gamma.md").write_text("mine, not imported\n")
    notes.page(s, "Gamma", "<p>three</p>")
    nb: Notebooks = session.connector.capability(Notebooks)
    first = await hub_notes.import_section(nb, s, tmp_path)
    assert first.conflicts == ["Gamma (from OneNote).md"]
    assert (tmp_path / "Gamma.md").read_text() == "mine, not imported\n"
    # Edited here since (Beta); changed in the service (Alpha).
    (tmp_path / "Beta.md").write_text("# Beta\n\nmy edit\n")
    notes.html[a.id] = "<p>one, revised</p>"
    second = await hub_notes.import_section(nb, s, tmp_path)
    assert "revised" in (tmp_path / "Alpha.md").read_text()
    assert (tmp_path / "Beta.md").read_text() == "# Beta\n\nmy edit\n"
    assert "two" in (tmp_path / "Beta (from OneNote).md").read_text()
    assert "Alpha.md" in second.written and "Beta (from OneNote).md" in second.conflicts
    # Nothing changed anywhere: nothing written.
    third = await hub_notes.import_section(nb, s, tmp_path)
    assert [w for w in third.written if w.endswith(".md")] == []
    assert "Alpha.md" in third.unchanged


async def test_progress_is_told_page_by_page(
    notes: fake.Notes, session: FakeSession, tmp_path: Path
) -> None:
    s = notes.section("Work", "Design")
    for i in range(3):
        notes.page(s, f"P{i}", "<p>x</p>")
    seen: list[tuple[int, int, str]] = []
    nb: Notebooks = session.connector.capability(Notebooks)
    await hub_notes.import_section(nb, s, tmp_path, progress=lambda *a: seen.append(a))
    assert seen == [(0, 3, "P0"), (1, 3, "P1"), (2, 3, "P2"), (3, 3, "")]


@pytest.mark.parametrize("mime", ["image/svg+xml", "text/html"])
async def test_a_resource_that_is_not_a_plain_image_is_not_saved(
    notes: fake.Notes, session: FakeSession, tmp_path: Path, mime: str
) -> None:
    s = notes.section("Work", "Design")
    url = notes.resource(b"<svg onload='alert(1)'/>", mime)
    notes.page(s, "Vector", f'<p>see</p><img src="{url}" alt="vector" />')
    nb: Notebooks = session.connector.capability(Notebooks)
    result = await hub_notes.import_section(nb, s, tmp_path)
    assert result.images == 0 and not (tmp_path / "_resources").exists()
    assert "onload" not in (tmp_path / "Vector.md").read_text()
