"""Folders, empty ones too, mirrored both ways: made, deleted, and never deleted while one
side still holds something in them (nothing is lost to a folder's delete)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from connectors.sdk.drive import MARKDOWN
from connectors.sdk.errors import RateLimited
from tests.docsync.conftest import World
from tests.docsync.fakedrive import FakeDrive, failing
from tests.docsync.test_durability import _finish, _kill_when_hung, _run
from tests.docsync.test_engine import settled


def folders_here(w: World) -> set[str]:
    return {p.relative_to(w.docs).as_posix() for p in w.docs.rglob("*") if p.is_dir()}


async def test_a_new_empty_folder_is_made_at_the_drive_with_its_parents(world: World) -> None:
    (world.docs / "solo").mkdir()
    (world.docs / "a/b/empty").mkdir(parents=True)
    world.write("full/kept.md", "k")
    r = await world.sync.sync()
    assert sorted(r.made_there) == ["a/b/empty", "solo"]
    assert r.pushed == ["full/kept.md"]
    assert {"solo", "a", "a/b", "a/b/empty", "full"} <= world.drive.folders()
    # one call per empty folder: a folder with files comes with their uploads
    assert world.drive.calls["create_folder"] == 2
    await settled(world)
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert not r.changed and dict(world.drive.calls) == {"changes": 1}
    assert folders_here(world) == world.drive.folders()


async def test_a_folder_holding_only_what_is_never_synced_is_mirrored_empty(
    world: World,
) -> None:
    world.write("mac/.DS_Store", "finder")
    await settled(world)
    assert "mac" in world.drive.folders() and world.remote() == {}


async def test_a_new_empty_folder_there_is_made_here(world: World) -> None:
    await settled(world)
    world.drive.mkdir("there/deeper")
    r = await world.sync.sync()
    assert sorted(r.made_here) == ["there", "there/deeper"]
    assert folders_here(world) == {"there", "there/deeper"}
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert not r.changed and world.drive.calls["create_folder"] == 0


async def test_the_same_folder_made_on_both_sides_is_one_folder(world: World) -> None:
    await settled(world)
    (world.docs / "both").mkdir()
    world.drive.mkdir("both")
    await settled(world)
    assert world.drive.calls["create_folder"] == 0
    assert folders_here(world) == world.drive.folders() == {"both"}


async def test_an_empty_folder_deleted_here_is_deleted_there(world: World) -> None:
    (world.docs / "old/inner").mkdir(parents=True)
    await settled(world)
    shutil.rmtree(world.docs / "old")
    r = await world.sync.sync()
    assert sorted(r.deleted_there) == ["old", "old/inner"]
    assert world.drive.folders() == set()
    await settled(world)
    assert folders_here(world) == set()


async def test_an_empty_folder_deleted_there_is_deleted_here(world: World) -> None:
    (world.docs / "old/inner").mkdir(parents=True)
    await settled(world)
    world.drive.remove("old")
    r = await world.sync.sync()
    assert sorted(r.deleted_here) == ["old", "old/inner"]
    await settled(world)
    assert folders_here(world) == world.drive.folders() == set()


async def test_a_folder_emptied_here_stays_on_both_sides(world: World) -> None:
    world.write("dir/a.md", "a")
    await settled(world)
    (world.docs / "dir/a.md").unlink()
    r = await world.sync.sync()
    assert r.deleted_there == ["dir/a.md"]
    await settled(world)
    assert folders_here(world) == world.drive.folders() == {"dir"}
    assert world.remote() == {}


async def test_a_folder_made_there_and_removed_here_before_the_drive_lists_it_stays_gone(
    world: World,
) -> None:
    """The next listing shows the folder the round made; that is no news, and must not put
    back what the person removed since."""
    (world.docs / "brief").mkdir()
    await world.sync.sync()
    (world.docs / "brief").rmdir()
    r = await world.sync.sync()
    assert r.made_here == [] and r.deleted_there == ["brief"]
    await settled(world)
    assert folders_here(world) == world.drive.folders() == set()


async def test_a_folder_removed_here_is_not_put_back_by_a_full_listing(world: World) -> None:
    (world.docs / "kept").mkdir()
    (world.docs / "gone").mkdir()
    await settled(world)
    (world.docs / "gone").rmdir()
    await world.sync.state.set_cursor("forgotten")  # the drive lists everything, reset
    r = await world.sync.sync()
    assert r.deleted_there == ["gone"] and r.made_here == []
    assert folders_here(world) == world.drive.folders() == {"kept"}


# -- nothing is lost to a folder's delete ----------------------------------------------------
async def test_a_folder_deleted_here_keeps_an_edit_made_there_inside_it(world: World) -> None:
    world.write("dir/a.md", "a")
    world.write("dir/b.md", "b")
    await settled(world)
    shutil.rmtree(world.docs / "dir")
    world.drive.put("dir/b.md", "b edited there")
    r = await world.sync.sync()
    assert r.deleted_there == ["dir/a.md"]
    assert [(c.path, c.kind) for c in r.conflicts] == [("dir/b.md", "deleted_here")]
    assert world.local() == world.remote() == {"dir/b.md": "b edited there"}
    await settled(world)
    assert "dir" in world.drive.folders() and world.local() == {"dir/b.md": "b edited there"}


async def test_a_folder_deleted_here_keeps_a_file_added_there_inside_it(world: World) -> None:
    (world.docs / "dir").mkdir()
    await settled(world)
    (world.docs / "dir").rmdir()
    world.drive.put("dir/new.md", "new there")
    r = await world.sync.sync()
    assert r.pulled == ["dir/new.md"] and r.deleted_there == []
    await settled(world)
    assert world.local() == world.remote() == {"dir/new.md": "new there"}


async def test_a_folder_deleted_here_keeps_an_empty_folder_made_there_inside_it(
    world: World,
) -> None:
    (world.docs / "dir").mkdir()
    await settled(world)
    (world.docs / "dir").rmdir()
    world.drive.mkdir("dir/sub")
    await settled(world)
    assert folders_here(world) == world.drive.folders() == {"dir", "dir/sub"}


async def test_a_folder_deleted_here_whose_edit_there_came_meanwhile_is_kept(
    world: World,
) -> None:
    """The file's delete is refused (edited between the look and the write): the folder is
    not deleted either, and the round's second look brings the edit back."""
    world.write("dir/a.md", "a")
    await settled(world)
    shutil.rmtree(world.docs / "dir")

    def edit_first(name: str) -> None:
        if name == "delete":
            world.drive.fail = None
            world.drive.put("dir/a.md", "edited meanwhile")

    world.drive.fail = edit_first
    r = await world.sync.sync()
    assert r.stopped is None
    await settled(world)
    assert world.local() == world.remote() == {"dir/a.md": "edited meanwhile"}


async def test_a_folder_deleted_here_holding_a_document_stays_there_and_comes_back_empty(
    world: World,
) -> None:
    """A removed export leaves its document at the service; the folder holding it is not
    deleted there (that would trash the document), and is back here, empty."""
    world.drive.put("plans/Plan", "# Plan", export=(MARKDOWN,))
    await settled(world)
    os.chmod(world.docs / "plans/Plan.md", 0o644)
    shutil.rmtree(world.docs / "plans")
    await settled(world)
    assert world.drive.files() == {"plans/Plan": b"# Plan"}
    assert "plans" in world.drive.folders()
    assert folders_here(world) == {"plans"} and world.local() == {}
    await settled(world)  # and stays so
    assert world.drive.files() == {"plans/Plan": b"# Plan"}


async def test_a_folder_deleted_there_keeps_what_was_put_in_it_here(world: World) -> None:
    (world.docs / "dir").mkdir()
    await settled(world)
    world.drive.remove("dir")
    world.write("dir/new.md", "new here")
    await settled(world)
    assert world.local() == world.remote() == {"dir/new.md": "new here"}


async def test_a_folder_deleted_there_keeps_an_empty_folder_made_in_it_here(
    world: World,
) -> None:
    (world.docs / "dir").mkdir()
    await settled(world)
    world.drive.remove("dir")
    (world.docs / "dir/sub").mkdir()
    await settled(world)
    assert folders_here(world) == world.drive.folders() == {"dir", "dir/sub"}


async def test_a_folder_deleted_there_holding_only_ignored_files_stays_here_only(
    world: World,
) -> None:
    """A ``.DS_Store`` is not the person's: the folder stays here with it, and is not made
    anew at the drive, round after round."""
    (world.docs / "dir").mkdir()
    await settled(world)
    world.write("dir/.DS_Store", "finder")
    world.drive.remove("dir")
    await settled(world)
    await settled(world)
    assert world.drive.folders() == set()
    assert world.read("dir/.DS_Store") == "finder"


async def test_an_empty_folder_here_and_a_file_there_of_one_name_both_stay(
    world: World,
) -> None:
    await settled(world)
    (world.docs / "x").mkdir()
    world.drive.put("x", "a file")
    for _ in range(3):
        r = await world.sync.sync()
        assert r.stopped is None
    assert (world.docs / "x").is_dir() and world.remote() == {"x": "a file"}


async def test_an_empty_folder_there_and_a_file_here_of_one_name_both_stay(
    world: World,
) -> None:
    await settled(world)
    world.write("x", "a file")
    world.drive.mkdir("x")
    for _ in range(3):
        r = await world.sync.sync()
        assert r.stopped is None
    assert world.local() == {"x": "a file"} and world.drive.folders() == {"x"}


# -- cut short ---------------------------------------------------------------------------------
async def test_a_rate_limited_folder_create_stops_the_round_and_the_next_one_makes_it(
    world: World,
) -> None:
    (world.docs / "one").mkdir()
    (world.docs / "two").mkdir()
    error = RateLimited("slow down", retry_at=time.time() + 30, status=429)
    world.drive.fail = failing(1, error, methods=("create_folder",))
    r = await world.sync.sync()
    assert r.stopped and r.made_there == ["one"]
    world.drive.fail = None
    r = await world.sync.sync()
    assert r.stopped is None and r.made_there == ["two"]
    assert world.drive.folders() == {"one", "two"}


@pytest.mark.parametrize("hang", ["folder-before", "folder-after"])
def test_kill_9_while_a_folder_is_made_then_restart(tmp_path: Path, hang: str) -> None:
    """Killed before the drive made the folder, or after but before the answer was recorded:
    the next process ends with one folder there, as here."""
    ws, db, drive_file = tmp_path / "ws", tmp_path / "t.db", tmp_path / "drive.json"
    (ws / "docs/empty").mkdir(parents=True)
    FakeDrive(path=drive_file).save()
    p = _run(db, ws, drive_file, hang)
    _kill_when_hung(p, drive_file.with_suffix(".hung"))
    _finish(_run(db, ws, drive_file))
    _finish(_run(db, ws, drive_file))
    after = FakeDrive.load(drive_file)
    assert [e.path for e in after.live()] == ["empty"]
    assert (ws / "docs/empty").is_dir()
    _finish(_run(db, ws, drive_file))  # settled: a round now writes nothing there
    assert FakeDrive.load(drive_file).log == after.log
