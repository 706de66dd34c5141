"""``docsync.import_docs`` end to end: the real server over stdio with the test drive
installed by entry point (it declares DocImport). With the setting on, *Sync Now* pushes an
edit of a document's Markdown export back into the document, and the next *Sync Now* does
nothing; the setting is what decides, not the capability alone (see test_lsp.py for the
link, the conflicts and the progress). The drive's shapes are the sdk's own."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from tests.docsync.fakedrive import FakeDrive
from tests.docsync.test_lsp import World, start, world
from tests.lsp.conftest import run_command, until

__all__ = ["world"]  # the fixture, shared with test_lsp.py


async def test_sync_now_imports_an_edited_export_when_the_setting_is_on(world: World) -> None:
    d = world.drive()
    d.put("Plan", "# Plan", export=FakeDrive.DOC_EXPORTS)
    world.env["TIELINE_DOCSYNC__IMPORT_DOCS"] = "true"
    docs = world.root / "docs"
    c = await start(world)
    try:

        async def linked() -> Any:
            with contextlib.suppress(Exception):
                return await run_command(c, "tieline.docsync.link", "docs", "", "/Documents/docs")
            return None

        await until(linked)
        plan = docs / "Plan.md"
        assert plan.read_text().endswith("# Plan")
        os.chmod(plan, 0o644)
        plan.write_text("# Plan\n\nedited in the editor")
        got = await run_command(c, "tieline.docsync.syncNow")
        (link,) = got["links"]
        assert link["pushed"] == ["Plan.md"] and link["stopped"] is None
        entry = world.drive().at("Plan")
        assert entry is not None and entry.data == b"# Plan\n\nedited in the editor"
        assert entry.export_formats  # still the document, not a file beside it
        got = await run_command(c, "tieline.docsync.syncNow")
        (link,) = got["links"]
        assert link["pushed"] == [] and link["pulled"] == [] and link["conflicts"] == []
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()


async def test_a_held_back_edit_is_said_once_with_the_setting_that_imports_it(
    world: World,
) -> None:
    """With the setting off the edit of an export stays local -- and the editor says so, once,
    naming ``docsync.import_docs`` (a silent hold would look like a lost edit)."""
    d = world.drive()
    d.put("Plan", "# Plan", export=FakeDrive.DOC_EXPORTS)
    docs = world.root / "docs"
    c = await start(world)
    try:

        async def linked() -> Any:
            with contextlib.suppress(Exception):
                return await run_command(c, "tieline.docsync.link", "docs", "", "/Documents/docs")
            return None

        await until(linked)
        plan = docs / "Plan.md"
        os.chmod(plan, 0o644)
        plan.write_text("# Plan\n\nedited in the editor")
        for _ in range(2):
            (link,) = (await run_command(c, "tieline.docsync.syncNow"))["links"]
            assert link["heldBack"] == ["Plan.md"] and link["pushed"] == []

        async def said() -> list[str]:
            return [m.message for m in c.messages if "docsync.import_docs" in m.message]

        told = await until(said)
        assert len(told) == 1 and "Plan.md" in told[0]
        assert world.drive().at("Plan").data == b"# Plan"  # type: ignore[union-attr]
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()
