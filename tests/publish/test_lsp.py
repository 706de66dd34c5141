"""Publishing end to end: the real server over stdio with the Ghost and dev.to connectors
(registered from this checkout's pyproject, as installing the package does), signed in
through their environment keys against the stand-ins, which check every request (Forem's
OpenAPI description, Ghost's JSON schemas).

A Markdown document with front matter gets a code lens per service; ``tieline.publish``
asks draft or public, uploads the document's local images to Ghost, creates the post,
reports progress and records the post in the front matter with ``workspace/applyEdit``;
publishing again updates the same post, and the lens says so. dev.to, which has no image
upload, refuses the document with the list of its local images."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from server.hub.publish.frontmatter import meta, split
from tests.ghost.conftest import ADMIN_KEY
from tests.lsp.conftest import Env, open_doc, run_command, server_env, start_prompted
from tests.lsp.test_trello_asana import ROOT, checkout_entry_points
from tests.standin.devto import DevtoStandIn
from tests.standin.ghost import GhostStandIn
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 24
DOC = """---
tags: [python, editors]
description: Why a language server
---
# From the editor

A picture: ![flow](img/flow.png)
"""


@dataclass
class World:
    env: dict[str, str]
    root: Path
    doc: Path
    ghost: GhostStandIn
    devto: DevtoStandIn


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    for cls in (GhostStandIn, DevtoStandIn):
        require_contract(cls)
    root = tmp_path / "blog"
    (root / "img").mkdir(parents=True)
    (root / "img" / "flow.png").write_bytes(PNG)
    doc = root / "hello.md"
    doc.write_text(DOC)
    with serving(GhostStandIn()) as ghost, serving(DevtoStandIn()) as devto:
        env = server_env(
            Env(root=root, github=None, home=tieline_home),
            PYTHONPATH=f"{checkout_entry_points(tmp_path / 'site')}:{ROOT}",
            TIELINE_GHOST_ADMIN_KEY=ADMIN_KEY,
            TIELINE_CONNECTORS__GHOST__SITE=ghost.url,
            TIELINE_DEVTO_TOKEN="devkey-ada",
            TIELINE_CONNECTORS__DEVTO__API_URL=f"{devto.url}/api",
        )
        del env["TIELINE_GITHUB_TOKEN"]
        yield World(env, root, doc, ghost, devto)


def _answer(c: LanguageClient, params: types.ShowMessageRequestParams) -> Any:
    """The first offered action starting with the next queued answer."""
    wanted: list[str] = c.answers  # type: ignore[attr-defined]
    if not wanted:
        return None
    prefix = wanted.pop(0)
    return next((a for a in params.actions or [] if a.title.startswith(prefix)), None)


async def _start(w: World) -> LanguageClient:
    c = await start_prompted(w.env, w.root, answering=_answer, answers=[], folder="blog")
    c.applied: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[attr-defined]

    @c.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        c.applied.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    return c


async def _lenses(c: LanguageClient, uri: str) -> list[str]:
    got = await c.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return sorted(lens.command.title for lens in got or [] if lens.command)


async def _until_lenses(c: LanguageClient, uri: str, n: int) -> list[str]:
    async with asyncio.timeout(40):
        while len(got := await _lenses(c, uri)) < n:
            await asyncio.sleep(0.2)
        return got


def _apply(text: str, params: types.ApplyWorkspaceEditParams, uri: str) -> str:
    assert params.edit.changes is not None
    (edit,) = params.edit.changes[uri]
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start, edit.range.end
    assert (start.line, start.character) == (0, 0)
    rest = "".join(lines[end.line :])[end.character :]
    return edit.new_text + rest


def _change(c: LanguageClient, uri: str, text: str, version: int) -> None:
    c.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_publish_to_ghost_then_update_and_devto_refuses_local_images(
    world: World,
) -> None:
    c = await _start(world)
    try:
        uri = open_doc(c, world.doc, "markdown")
        assert await _until_lenses(c, uri, 2) == ["Publish to Ghost", "Publish to dev.to"]

        c.answers[:] = ["Save as draft"]  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.publish", uri, "ghost")
        assert got["created"] is True and got["status"] == "draft" and got["images"] == 1
        assert got["applied"] is True and got["written"] is False
        asked = [p.message for p in c.prompts]  # type: ignore[attr-defined]
        assert asked == ["Publish hello.md to Ghost:"]
        post = world.ghost.posts[got["id"]]
        assert post["title"] == "From the editor" and post["status"] == "draft"
        (image,) = world.ghost.images.values()
        assert image == PNG and "/content/images/" in post["html"]
        (mine,) = [
            r
            for r in c.progress_reports.values()
            if r and getattr(r[0], "title", "") == "Publishing hello.md to Ghost"
        ]
        assert isinstance(mine[-1], types.WorkDoneProgressEnd)
        assert any(
            isinstance(r, types.WorkDoneProgressReport) and "flow.png" in (r.message or "")
            for r in mine
        )

        (edit,) = c.applied  # type: ignore[attr-defined]
        text = _apply(DOC, edit, uri)
        record = meta(split(text).data).records["ghost"]
        assert record.id == got["id"] and record.updated_at == post["updated_at"]
        assert text.endswith("# From the editor\n\nA picture: ![flow](img/flow.png)\n")
        _change(c, uri, text, 2)
        assert await _until_lenses(c, uri, 2) == ["Publish to dev.to", "Update on Ghost · draft"]

        again = await run_command(c, "tieline.publish", uri, "ghost", "published")
        assert again["id"] == got["id"] and again["created"] is False
        assert world.ghost.posts[got["id"]]["status"] == "published"
        assert len(world.ghost.posts) == 1
        (_, second) = c.applied  # type: ignore[attr-defined]
        _change(c, uri, _apply(text, second, uri), 3)
        assert await _until_lenses(c, uri, 2) == [
            "Publish to dev.to",
            "Update on Ghost · published",
        ]

        # Edited in Ghost's admin since: the person is asked before it is overwritten.
        world.ghost.posts[got["id"]]["updated_at"] = "2026-12-02T09:00:00.000Z"
        c.prompts.clear()  # type: ignore[attr-defined]
        c.answers[:] = []  # type: ignore[attr-defined]
        kept = await run_command(c, "tieline.publish", uri, "ghost")
        assert kept == {"cancelled": True, "conflict": True}
        (asked_overwrite,) = c.prompts  # type: ignore[attr-defined]
        assert "changed on the site" in asked_overwrite.message
        assert [a.title for a in asked_overwrite.actions] == ["Overwrite"]
        c.answers[:] = ["Overwrite"]  # type: ignore[attr-defined]
        forced = await run_command(c, "tieline.publish", uri, "ghost")
        assert forced["id"] == got["id"] and forced["status"] == "published"

        # From the palette: the one open document, a choice of service; dev.to refuses.
        c.prompts.clear()  # type: ignore[attr-defined]
        c.answers[:] = ["dev.to", "Save as draft"]  # type: ignore[attr-defined]
        with pytest.raises(Exception, match=r"absolute image URLs.*img/flow\.png"):
            await run_command(c, "tieline.publish")
        asked = [p.message for p in c.prompts]  # type: ignore[attr-defined]
        assert asked[0] == "Publish hello.md to which service?"
        assert world.devto.articles == {}
        assert world.ghost.violations == [] and world.devto.violations == []
    finally:
        await c.shutdown_session()


async def test_a_document_not_open_is_published_to_wordpress_and_its_file_written(
    tmp_path: Path, tieline_home: Path
) -> None:
    """WordPress alone (HTTP Basic with an application password from the environment): a
    document named by its URI, not open in the editor, gets its record written to the file;
    the cover image becomes the post's featured media."""
    from tests.standin.wordpress import PASSWORDS, WordPressStandIn

    require_contract(WordPressStandIn)
    root = tmp_path / "site"
    (root / "img").mkdir(parents=True)
    (root / "img" / "flow.png").write_bytes(PNG)
    doc = root / "hello.md"
    doc.write_text(DOC.replace("description:", "cover_image: img/flow.png\ndescription:"))
    with serving(WordPressStandIn()) as wp:
        env = server_env(
            Env(root=root, github=None, home=tieline_home),
            PYTHONPATH=f"{checkout_entry_points(tmp_path / 'path')}:{ROOT}",
            TIELINE_WORDPRESS_USER="ada",
            TIELINE_WORDPRESS_APP_PASSWORD=PASSWORDS["ada"],
            TIELINE_CONNECTORS__WORDPRESS__SITE=wp.url,
        )
        del env["TIELINE_GITHUB_TOKEN"]
        c = await start_prompted(env, root, answering=_answer, answers=[], folder="site")
        try:
            async with asyncio.timeout(40):
                while True:
                    try:
                        got = await run_command(
                            c, "tieline.publish", doc.as_uri(), "wordpress", "published"
                        )
                        break
                    except Exception as exc:  # until the session is open
                        if "sign in" not in str(exc) and "no signed-in" not in str(exc):
                            raise
                        await asyncio.sleep(0.2)
            assert got["written"] is True and got["status"] == "published"
            assert got["uploaded"] == 1  # one file: the image and the cover are the same
            post = wp.posts[int(got["id"])]
            assert post["status"] == "publish" and post["featured_media"] in wp.media
            assert "wp-content/uploads" in post["_raw_content"]
            assert [wp.tags[t]["name"] for t in post["tags"]] == ["python", "editors"]
            on_disk = doc.read_text()
            assert meta(split(on_disk).data).records["wordpress"].id == got["id"]
            assert on_disk.endswith("A picture: ![flow](img/flow.png)\n")
            assert wp.violations == []
        finally:
            await c.shutdown_session()
