"""Import of a page tree into a folder and export back, against the fake page service
(shapes are the sdk's own, :mod:`connectors.sdk.pages`; no real service is involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.errors import InvalidRequest, SyncConflict
from connectors.sdk.pages import (
    Code,
    Heading,
    Image,
    ListBlock,
    ListItem,
    PageParent,
    Paragraph,
    Span,
)
from server.hub.pages.markdown import page_meta, split_front_matter
from server.hub.pages.sync import (
    RECORD,
    Service,
    export_markdown,
    import_page,
    note_exported,
    summary,
    target_of,
)
from tests.pages.connector import PagesFake, Site

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 24
SERVICE = Service("pagesfake", "Fake Pages")


def _p(text: str, **style: object) -> Paragraph:
    return Paragraph(spans=(Span(text=text, **style),))  # type: ignore[arg-type]


def _tree(site: Site) -> tuple[str, str, str]:
    img = site.file(PNG)
    top = site.page("Handbook", [_p("Welcome"), Image(url=img, alt="logo")])
    child = site.page(
        "On/boarding",
        [
            Heading(level=2, spans=(Span(text="Day one"),)),
            ListBlock(
                items=(
                    ListItem(blocks=(_p("laptop"),), checked=True),
                    ListItem(blocks=(Image(url=img, alt="again"),)),
                )
            ),
            Image(url="https://cdn.example.org/pic.png", alt="public"),
            Image(url="attachment:secret.png", alt="private"),
            Code(text="print(1)", language="python"),
        ],
        parent=top.id,
    )
    grand = site.page("Deep", [_p("deep")], parent=child.id)
    return top.id, child.id, grand.id


async def test_import_tree_with_images(tmp_path: Path, site: Site, pages: PagesFake) -> None:
    top, _, _ = _tree(site)
    progress: list[tuple[int, int, str]] = []
    result = await import_page(
        pages, SERVICE, top, tmp_path, progress=lambda *a: progress.append(a)
    )
    assert result.top == "Handbook.md" and result.pages == 3 and result.images == 1
    text = (tmp_path / "Handbook.md").read_text()
    meta, body = split_front_matter(text)
    assert page_meta(meta) == {
        "service": "pagesfake",
        "page_id": top,
        "version": "1",
        "url": f"https://pagesfake.example.test/wiki/{top}",
        "space": "ENG",
    }
    (res,) = (tmp_path / "_resources").iterdir()
    assert res.read_bytes() == PNG and res.suffix == ".png"
    assert body.startswith("# Handbook\n\nWelcome\n\n")
    assert f"![logo](_resources/{res.name})" in body
    sub = (tmp_path / "Handbook" / "On boarding.md").read_text()
    assert f"![again](../_resources/{res.name})" in sub
    assert "- [x] laptop" in sub and "```python\nprint(1)\n```" in sub
    assert "![public](https://cdn.example.org/pic.png)" in sub
    assert "attachment:" not in sub and "private" in sub
    assert (tmp_path / "Handbook" / "On boarding" / "Deep.md").is_file()
    assert progress[-1] == (3, 3, "") and progress[0][2] == "Handbook"
    assert summary(result, SERVICE.name) == "3 page(s) written, 1 image(s)"


async def test_depth_limits_the_tree(tmp_path: Path, site: Site, pages: PagesFake) -> None:
    top, _, _ = _tree(site)
    result = await import_page(pages, SERVICE, top, tmp_path, depth=1)
    assert result.pages == 2 and not (tmp_path / "Handbook" / "On boarding").exists()


async def test_reimport_updates_in_place_and_keeps_edits(
    tmp_path: Path, site: Site, pages: PagesFake
) -> None:
    top, child, _ = _tree(site)
    await import_page(pages, SERVICE, top, tmp_path)
    # A file moved by the user is still the page's: found by its front matter.
    (tmp_path / "Handbook.md").rename(tmp_path / "Home.md")
    edited = tmp_path / "Handbook" / "On boarding.md"
    edited.write_text(edited.read_text() + "\nmy notes\n")
    site.bump(top, [_p("Welcome back")])
    site.bump(child, [_p("changed there")])
    again = await import_page(pages, SERVICE, top, tmp_path)
    home = (tmp_path / "Home.md").read_text()
    assert "Welcome back" in home and page_meta(split_front_matter(home)[0])["version"] == "2"
    assert not (tmp_path / "Handbook.md").exists()
    assert "my notes" in edited.read_text()
    beside = tmp_path / "Handbook" / "On boarding (from Fake Pages).md"
    assert "changed there" in beside.read_text()
    assert again.conflicts == ["Handbook/On boarding (from Fake Pages).md"]
    third = await import_page(pages, SERVICE, top, tmp_path)
    assert third.written == [] and third.conflicts == []


async def test_hostile_page_imports_script_free(
    tmp_path: Path, site: Site, pages: PagesFake
) -> None:
    page = site.page(
        "<script>alert(1)</script>Evil",
        [
            Paragraph(
                spans=(
                    Span(text="<script>alert(2)</script>"),
                    Span(text="click", href="javascript:alert(3)"),
                    Span(text='<img src=x onerror="alert(4)">'),
                )
            ),
            Image(url="javascript:alert(5)", alt="x"),
            Image(url="data:text/html,<script>alert(6)</script>", alt=""),
        ],
    )
    result = await import_page(pages, SERVICE, page.id, tmp_path)
    text = (tmp_path / result.top).read_text()
    assert "<script" not in text and "javascript:" not in text and "<img" not in text
    assert "data:" not in text
    assert "click" in text


async def test_export_creates_then_updates_then_conflicts(
    tmp_path: Path, site: Site, pages: PagesFake
) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "chart.png").write_bytes(PNG)
    doc = tmp_path / "plan.md"
    text = "# Plan\n\nSome **words**.\n\n![chart](img/chart.png)\n"
    with pytest.raises(InvalidRequest):
        await export_markdown(pages, SERVICE, text, path=doc, root=tmp_path)
    made = await export_markdown(
        pages, SERVICE, text, path=doc, root=tmp_path, parent=PageParent(space="ENG")
    )
    assert made.created and made.page.title == "Plan"
    assert site.uploads[made.page.id] == {"img/chart.png": PNG}
    stored = site.blocks[made.page.id]
    assert stored[0] == Paragraph(
        spans=(Span(text="Some "), Span(text="words", bold=True), Span(text="."))
    )
    assert isinstance(stored[1], Image) and stored[1].url in site.files
    assert target_of(made.text, SERVICE) == made.page.id
    assert split_front_matter(made.text)[1] == text

    edited = made.text.replace("Some", "More")
    updated = await export_markdown(pages, SERVICE, edited, path=doc, root=tmp_path)
    assert not updated.created and updated.page.id == made.page.id
    assert updated.page.version == "2"
    assert site.blocks[made.page.id][0].spans[0].text == "More "  # type: ignore[union-attr]

    site.bump(made.page.id)  # someone edits it on the service
    with pytest.raises(SyncConflict, match="import it again"):
        await export_markdown(pages, SERVICE, updated.text, path=doc, root=tmp_path)


async def test_export_refuses_images_outside_the_workspace(
    tmp_path: Path, pages: PagesFake
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    with pytest.raises(InvalidRequest, match="outside the workspace"):
        await export_markdown(
            pages,
            SERVICE,
            "![x](../secret.png)\n",
            path=root / "a.md",
            root=root,
            parent=PageParent(space="ENG"),
        )


async def test_exported_file_counts_as_imported(
    tmp_path: Path, site: Site, pages: PagesFake
) -> None:
    top, _, _ = _tree(site)
    await import_page(pages, SERVICE, top, tmp_path, depth=0)
    path = tmp_path / "Handbook.md"
    made = await export_markdown(
        pages, SERVICE, path.read_text() + "\nmore\n", path=path, root=tmp_path
    )
    path.write_text(made.text)
    note_exported(path, made.text)
    assert (tmp_path / RECORD).is_file()
    again = await import_page(pages, SERVICE, top, tmp_path, depth=0)
    assert again.conflicts == [] and "more" in path.read_text()
