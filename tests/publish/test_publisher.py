"""Publishing a Markdown document through real connectors on their stand-ins: Ghost (HTML,
images uploaded and rewritten, updates naming the recorded version) and dev.to (Markdown,
no image upload)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.devto.connector import DevtoConnector
from connectors.ghost.connector import GhostConnector
from connectors.sdk.errors import SyncConflict
from server.hub.publish.frontmatter import meta, split
from server.hub.publish.publisher import (
    PublishError,
    lens_title,
    local_images,
    publish,
    title_and_body,
)
from tests.standin.devto import DevtoStandIn
from tests.standin.ghost import GhostStandIn

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

DOC = """---
tags: [python, editors]
description: Why a language server
cover_image: img/cover.png
---
# From the editor

Text with a ![diagram](img/diagram.png "The flow") and a
![remote](https://cdn.example/r.png) image.

<script>alert(1)</script>
"""


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / "posts" / "img").mkdir(parents=True)
    (tmp_path / "posts" / "img" / "diagram.png").write_bytes(PNG)
    (tmp_path / "posts" / "img" / "cover.png").write_bytes(PNG + b"cover")
    doc = tmp_path / "posts" / "hello.md"
    doc.write_text(DOC)
    return doc


def _applied(text: str, fm: str, end_line: int) -> str:
    lines = text.splitlines(keepends=True)
    return fm + "".join(lines[end_line:])


def test_the_title_comes_from_the_first_heading_which_leaves_the_body() -> None:
    assert title_and_body("# Hi\n\nText", None, "file") == ("Hi", "Text")
    assert title_and_body("Intro\n# Hi\n", None, "file") == ("file", "Intro\n# Hi\n")
    assert title_and_body("# Hi\n", "Given", "file") == ("Given", "# Hi\n")


def test_local_images_are_the_relative_ones() -> None:
    md = "![a](x.png) ![b](<y z.png>) ![c](https://h/c.png) ![d](x.png) ![e](file:///t/e.png)"
    assert local_images(md, "cover.jpg") == ["x.png", "y z.png", "file:///t/e.png", "cover.jpg"]


async def test_ghost_gets_html_with_uploaded_images(
    tmp_path: Path, ghost: GhostStandIn, ghost_conn: GhostConnector
) -> None:
    doc = _workspace(tmp_path)
    said: list[str] = []
    done = await publish(
        ghost_conn,
        "Ghost",
        DOC,
        connector_id="ghost",
        path=doc,
        root=tmp_path,
        progress=said.append,
    )
    assert done.created and done.post.status == "draft"
    assert done.post.title == "From the editor"
    stored = ghost.posts[done.post.id]
    assert sorted(ghost.images) == ["1-diagram.png", "2-cover.png"]
    assert done.images["img/diagram.png"] in stored["html"]
    assert 'title="The flow"' in stored["html"]
    assert "https://cdn.example/r.png" in stored["html"]
    assert "<script>" not in stored["html"] and "&lt;script&gt;" in stored["html"]
    assert "<h1>" not in stored["html"]
    assert stored["feature_image"] == done.images["img/cover.png"]
    assert [t["name"] for t in stored["tags"]] == ["python", "editors"]
    assert stored["custom_excerpt"] == "Why a language server"
    assert any("uploading diagram.png" in s for s in said)

    rec = meta(split(done.front_matter).data).records["ghost"]
    assert rec.id == done.post.id and rec.updated_at == done.post.version


async def test_publishing_again_updates_the_same_post(
    tmp_path: Path, ghost: GhostStandIn, ghost_conn: GhostConnector
) -> None:
    doc = _workspace(tmp_path)
    first = await publish(ghost_conn, "Ghost", DOC, connector_id="ghost", path=doc, root=tmp_path)
    text = _applied(DOC, first.front_matter, first.end_line)
    assert lens_title(text, "Ghost", "ghost") == "Update on Ghost · draft"
    second = await publish(
        ghost_conn,
        "Ghost",
        text,
        connector_id="ghost",
        path=doc,
        root=tmp_path,
        status="published",
    )
    assert not second.created and second.post.id == first.post.id
    assert second.post.status == "published" and len(ghost.posts) == 1
    assert "(updated)" in second.summary
    assert second.uploaded == [] and len(ghost.images) == 2  # unchanged: not uploaded again
    assert second.images == first.images
    text = _applied(text, second.front_matter, second.end_line)
    assert lens_title(text, "Ghost", "ghost") == "Update on Ghost · published"

    (tmp_path / "posts" / "img" / "cover.png").write_bytes(PNG + b"a new cover")
    third = await publish(ghost_conn, "Ghost", text, connector_id="ghost", path=doc, root=tmp_path)
    assert third.uploaded == ["img/cover.png"] and len(ghost.images) == 3
    assert third.post.status == "published"  # kept: neither asked for nor in the front matter
    assert ghost.posts[first.post.id]["feature_image"] == third.images["img/cover.png"]
    assert third.images["img/diagram.png"] == first.images["img/diagram.png"]


async def test_an_edit_on_the_site_since_is_a_conflict(
    tmp_path: Path, ghost: GhostStandIn, ghost_conn: GhostConnector
) -> None:
    doc = _workspace(tmp_path)
    first = await publish(ghost_conn, "Ghost", DOC, connector_id="ghost", path=doc, root=tmp_path)
    ghost.posts[first.post.id]["updated_at"] = "2026-12-02T09:00:00.000Z"
    text = _applied(DOC, first.front_matter, first.end_line)
    with pytest.raises(SyncConflict):
        await publish(ghost_conn, "Ghost", text, connector_id="ghost", path=doc, root=tmp_path)


async def test_an_image_outside_the_workspace_is_refused(
    tmp_path: Path, ghost: GhostStandIn, ghost_conn: GhostConnector
) -> None:
    doc = _workspace(tmp_path)
    (tmp_path.parent / "secret.png").write_bytes(PNG)
    text = "# T\n\n![x](../../secret.png)\n"
    with pytest.raises(PublishError, match="outside the workspace"):
        await publish(ghost_conn, "Ghost", text, connector_id="ghost", path=doc, root=tmp_path)
    with pytest.raises(PublishError, match=r"no such image: img/gone\.png"):
        await publish(
            ghost_conn,
            "Ghost",
            "![x](img/gone.png)",
            connector_id="ghost",
            path=doc,
            root=tmp_path,
        )
    assert not ghost.log


async def test_devto_gets_markdown_and_names_local_images(
    tmp_path: Path, devto: DevtoStandIn, devto_conn: DevtoConnector
) -> None:
    doc = _workspace(tmp_path)
    with pytest.raises(PublishError, match=r"img/diagram\.png, img/cover\.png"):
        await publish(devto_conn, "dev.to", DOC, connector_id="devto", path=doc, root=tmp_path)
    assert not devto.log

    text = DOC.replace("img/diagram.png", "https://cdn.example/d.png").replace(
        "cover_image: img/cover.png", "cover_image: https://cdn.example/c.png"
    )
    done = await publish(
        devto_conn, "dev.to", text, connector_id="devto", path=doc, status="published"
    )
    stored = devto.articles[int(done.post.id)]
    assert stored["body_markdown"].startswith("Text with a ![diagram](https://cdn.example/d.png")
    assert "<script>" in stored["body_markdown"]  # Markdown as written: dev.to renders it
    assert stored["title"] == "From the editor" and stored["published"] is True
    assert stored["cover_image"] == "https://cdn.example/c.png"
    assert done.summary == "Published “From the editor”"
    assert lens_title(_applied(text, done.front_matter, done.end_line), "dev.to", "devto") == (
        "Update on dev.to · published"
    )
