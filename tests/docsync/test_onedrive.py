"""The sync engine against the real Microsoft 365 connector on the Graph stand-in (every
request and answer checked against Graph's description): the engine's fake drive and the
connector's own tests each prove one side; this proves they fit. A first sync both ways, an
unchanged re-sync costing one delta request, an edit each way, and both sides edited: the
drive's version kept beside the local one, neither overwritten."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from server.hub.docsync.engine import DocSync, LinkSpec
from server.hub.docsync.localfs import Ignore
from server.hub.store import Store
from tests.microsoft.helpers import World, connect, seed
from tests.standin.kit import standin_fixture
from tests.standin.microsoft import MicrosoftStandIn

WHEN = datetime(2026, 12, 2, 14, 30)
graph = standin_fixture(MicrosoftStandIn, name="graph")


@pytest.fixture
async def linked(
    graph: MicrosoftStandIn, tmp_path: Path
) -> AsyncIterator[tuple[DocSync, World, Path, str]]:
    world = seed(graph)
    st = graph.drive
    drive = st.add_drive(world.ada, "personal")
    st.add(drive, "Documents/docs", None)
    st.add(drive, "Documents/docs/readme.md", b"# Hello\n")
    st.add(drive, "Documents/docs/guides/setup.md", b"Run it.\n")
    docs = tmp_path / "ws" / "docs"
    docs.mkdir(parents=True)
    (docs / "notes.md").write_text("local notes\n")
    connector, http = connect(graph.url)
    async with Store.open(tmp_path / "t.db") as store:
        spec = LinkSpec(folder="docs", service="microsoft", remote="/Documents/docs")
        sync = DocSync(store, connector, spec, tmp_path / "ws", ignore=Ignore([]), now=lambda: WHEN)
        yield sync, world, docs, drive
    await http.aclose()
    assert not graph.violations, graph.violations


async def test_the_engine_syncs_a_onedrive_folder_both_ways(
    linked: tuple[DocSync, World, Path, str],
) -> None:
    sync, world, docs, drive = linked
    graph = world.standin
    first = await sync.sync()
    assert first.stopped is None, first.stopped
    assert sorted(first.pulled) == ["guides/setup.md", "readme.md"]
    assert first.pushed == ["notes.md"]
    assert (docs / "guides" / "setup.md").read_text() == "Run it.\n"
    st = graph.drive
    root = st._root_id(drive)
    pushed = st.by_path(root, "Documents/docs/notes.md")
    assert pushed is not None

    before = len(graph.log)
    again = await sync.sync()
    assert not again.changed and len(graph.log) - before == 1  # one delta request

    (docs / "notes.md").write_text("local notes, edited\n")
    readme = st.by_path(root, "Documents/docs/readme.md")
    assert readme is not None
    st.touch(readme, b"# Hello, from the drive\n")
    both = await sync.sync()
    assert both.pushed == ["notes.md"] and both.pulled == ["readme.md"]
    assert (docs / "readme.md").read_text() == "# Hello, from the drive\n"

    (docs / "readme.md").write_text("# Mine\n")
    st.touch(readme, b"# Theirs\n")
    clash = await sync.sync()
    assert [c.path for c in clash.conflicts] == ["readme.md"]
    assert (docs / "readme.md").read_text() == "# Mine\n"  # the local edit stays
    copies = [p for p in docs.iterdir() if p.name.startswith("readme (conflict")]
    assert len(copies) == 1 and copies[0].read_text() == "# Theirs\n"
