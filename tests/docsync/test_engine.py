"""The sync round's decisions, path by path, against the in-memory drive."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.sdk.drive import MARKDOWN, PDF
from tests.docsync.conftest import World

CONFLICT = "guide (conflict fakedrive 2026-12-02 1430).md"


async def settled(w: World) -> None:
    """Sync until a round does nothing (the first round after writes sees its own uploads)."""
    for _ in range(3):
        r = await w.sync.sync()
        assert r.stopped is None, r.stopped
        if not r.changed:
            return
    raise AssertionError("the sync does not settle")


async def test_first_sync_both_ways(world: World) -> None:
    world.write("guide.md", "mine")
    world.write("a/b/deep.txt", "deep")
    world.drive.put("remote.md", "theirs")
    world.drive.put("r/nested.md", "nested")
    r = await world.sync.sync()
    assert sorted(r.pushed) == ["a/b/deep.txt", "guide.md"]
    assert sorted(r.pulled) == ["r/nested.md", "remote.md"]
    expected = {
        "guide.md": "mine",
        "a/b/deep.txt": "deep",
        "remote.md": "theirs",
        "r/nested.md": "nested",
    }
    assert world.local() == world.remote() == expected
    assert "a/b" in world.drive.folders()  # new folders made at the drive


async def test_unchanged_resync_is_one_changes_request(world: World) -> None:
    for i in range(20):
        world.write(f"f{i}.md", str(i))
    await settled(world)
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert not r.changed and r.transfers == 0
    assert dict(world.drive.calls) == {"changes": 1}


async def test_a_touch_without_an_edit_is_not_pushed(world: World) -> None:
    world.write("guide.md", "mine")
    await settled(world)
    st = os.stat(world.docs / "guide.md")
    os.utime(world.docs / "guide.md", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert r.pushed == [] and dict(world.drive.calls) == {"changes": 1}


async def test_edits_one_side_at_a_time(world: World) -> None:
    world.write("guide.md", "v1")
    await settled(world)
    world.write("guide.md", "v2 here")
    r = await world.sync.sync()
    assert r.pushed == ["guide.md"] and world.remote()["guide.md"] == "v2 here"
    await settled(world)
    world.drive.put("guide.md", "v3 there")
    r = await world.sync.sync()
    assert r.pulled == ["guide.md"] and world.read("guide.md") == "v3 there"


async def test_both_edited_keeps_both_and_records_the_conflict(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")
    world.drive.put("guide.md", "theirs")
    r = await world.sync.sync()
    assert [c.path for c in r.conflicts] == ["guide.md"]
    assert world.read("guide.md") == "mine"
    assert world.read(CONFLICT) == "theirs"
    assert world.remote() == {"guide.md": "theirs"}  # nothing overwritten there either
    (c,) = await world.sync.conflicts()
    assert (c.path, c.kind, c.copy) == ("guide.md", "edit", CONFLICT)
    # a conflict stays until resolved; later rounds neither push nor pull it
    r = await world.sync.sync()
    assert r.pushed == r.pulled == [] and world.remote() == {"guide.md": "theirs"}


async def test_both_edited_to_the_same_bytes_is_no_conflict(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "same")
    world.drive.put("guide.md", "same")
    r = await world.sync.sync()
    assert r.conflicts == [] and world.local() == {"guide.md": "same"}


@pytest.mark.parametrize(
    ("keep", "here", "there"),
    [
        ("mine", {"guide.md": "mine"}, {"guide.md": "mine"}),
        ("theirs", {"guide.md": "theirs"}, {"guide.md": "theirs"}),
        (
            "both",
            {"guide.md": "mine", "guide (fakedrive version).md": "theirs"},
            {"guide.md": "mine", "guide (fakedrive version).md": "theirs"},
        ),
    ],
)
async def test_resolve(
    world: World, keep: str, here: dict[str, str], there: dict[str, str]
) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")
    world.drive.put("guide.md", "theirs")
    await world.sync.sync()
    await world.sync.resolve("guide.md", keep)  # type: ignore[arg-type]
    await settled(world)
    assert await world.sync.conflicts() == []
    assert world.local() == here
    assert world.remote() == there


async def test_resolve_mine_refuses_when_the_service_changed_again(world: World) -> None:
    from connectors.sdk.errors import SyncConflict

    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")
    world.drive.put("guide.md", "theirs")
    await world.sync.sync()
    world.drive.put("guide.md", "theirs again")
    with pytest.raises(SyncConflict):
        await world.sync.resolve("guide.md", "mine")
    assert world.remote() == {"guide.md": "theirs again"}
    r = await world.sync.sync()  # the newest version of theirs replaces the copy
    assert r.conflicts and world.read(CONFLICT) == "theirs again"


async def test_deletes_each_way(world: World) -> None:
    world.write("here.md", "1")
    world.write("there.md", "2")
    await settled(world)
    (world.docs / "here.md").unlink()
    world.drive.remove("there.md")
    r = await world.sync.sync()
    assert r.deleted_there == ["here.md"] and r.deleted_here == ["there.md"]
    assert world.local() == world.remote() == {}


async def test_deleted_there_edited_here_restores_the_edit(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "edited")
    world.drive.remove("guide.md")
    r = await world.sync.sync()
    assert [(c.path, c.kind) for c in r.conflicts] == [("guide.md", "deleted_there")]
    assert world.local() == world.remote() == {"guide.md": "edited"}
    await world.sync.resolve("guide.md", "theirs")  # the deletion after all
    assert world.local() == world.remote() == {}


async def test_deleted_here_edited_there_restores_the_edit(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    (world.docs / "guide.md").unlink()
    world.drive.put("guide.md", "edited there")
    r = await world.sync.sync()
    assert [(c.path, c.kind) for c in r.conflicts] == [("guide.md", "deleted_here")]
    assert world.local() == world.remote() == {"guide.md": "edited there"}
    await world.sync.resolve("guide.md", "theirs")
    await settled(world)
    assert world.local() == world.remote() == {"guide.md": "edited there"}


async def test_a_local_delete_the_service_edited_meanwhile_is_restored(world: World) -> None:
    """The drive refuses the delete (its etag moved between the look and the write): the
    round looks again and restores the edit instead of failing."""
    world.write("guide.md", "base")
    await settled(world)
    (world.docs / "guide.md").unlink()

    def edit_first(name: str) -> None:
        if name == "delete":
            world.drive.fail = None
            world.drive.put("guide.md", "edited meanwhile")

    world.drive.fail = edit_first
    r = await world.sync.sync()
    assert r.stopped is None
    assert world.local() == world.remote() == {"guide.md": "edited meanwhile"}


async def test_a_push_the_service_changed_meanwhile_is_a_conflict(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")

    def edit_first(name: str) -> None:
        if name == "upload":
            world.drive.fail = None
            world.drive.put("guide.md", "theirs")

    world.drive.fail = edit_first
    r = await world.sync.sync()
    assert r.stopped is None and [c.path for c in r.conflicts] == ["guide.md"]
    assert world.read("guide.md") == "mine" and world.read(CONFLICT) == "theirs"
    assert world.remote() == {"guide.md": "theirs"}


async def test_remote_move_moves_here(world: World) -> None:
    world.write("old.md", "text")
    world.write("dir/child.md", "child")
    await settled(world)
    world.drive.rename("old.md", "moved/new.md")
    world.drive.rename("dir", "renamed")
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert ("old.md", "moved/new.md") in r.moved_here
    assert ("dir", "renamed") in r.moved_here
    assert world.local() == {"moved/new.md": "text", "renamed/child.md": "child"}
    assert world.drive.calls["download"] == 0  # a move is not a transfer
    await settled(world)
    assert world.local() == world.remote()


async def test_local_rename_moves_there(world: World) -> None:
    world.write("old.md", "text")
    await settled(world)
    id_before = world.drive.at("old.md").id  # type: ignore[union-attr]
    os.makedirs(world.docs / "sub")
    os.replace(world.docs / "old.md", world.docs / "sub/new.md")
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert r.moved_there == [("old.md", "sub/new.md")]
    assert world.drive.calls["upload"] == 0
    assert world.remote() == {"sub/new.md": "text"}
    assert world.drive.at("sub/new.md").id == id_before  # type: ignore[union-attr]


async def test_new_folders_both_ways(world: World) -> None:
    await settled(world)
    world.write("new/here/a.md", "a")
    world.drive.mkdir("empty-there")
    world.drive.put("there/b.md", "b")
    await settled(world)
    assert (world.docs / "empty-there").is_dir()
    assert world.local() == world.remote() == {"new/here/a.md": "a", "there/b.md": "b"}
    assert {"new", "new/here", "there", "empty-there"} <= world.drive.folders()


async def test_remote_folder_delete_keeps_local_edits(world: World) -> None:
    world.write("dir/a.md", "a")
    world.write("dir/b.md", "b")
    await settled(world)
    world.write("dir/b.md", "b edited")
    world.drive.remove("dir")
    r = await world.sync.sync()
    assert "dir/a.md" in r.deleted_here
    assert [(c.path, c.kind) for c in r.conflicts] == [("dir/b.md", "deleted_there")]
    assert world.local() == world.remote() == {"dir/b.md": "b edited"}


async def test_exported_documents_are_pulled_read_only_and_never_pushed(world: World) -> None:
    world.drive.put("Plan", "# Plan", export=(PDF, MARKDOWN))
    world.drive.put("Slides.pptx", "slides", export=(PDF,))
    r = await world.sync.sync()
    assert sorted(r.pulled) == ["Plan.md", "Slides.pdf"]
    assert world.read("Plan.md") == f"<!-- {MARKDOWN} -->\n# Plan"
    assert world.read("Slides.pdf") == f"<!-- {PDF} -->\nslides"
    assert not os.access(world.docs / "Plan.md", os.W_OK) or os.getuid() == 0
    await settled(world)
    os.chmod(world.docs / "Plan.md", 0o644)
    world.write("Plan.md", "edited here")
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert r.held_back == ["Plan.md"] and world.drive.calls["upload"] == 0
    world.drive.put("Plan", "# Plan v2", export=(PDF, MARKDOWN))
    r = await world.sync.sync()  # edited here and there: kept both, as any conflict
    assert [c.path for c in r.conflicts] == ["Plan.md"]
    assert world.read("Plan.md") == "edited here"


async def test_ignored_files_stay_local(world: World) -> None:
    world.write(".git/config", "x")
    world.write(".DS_Store", "x")
    world.write("notes.md~", "x")
    world.write("kept.md", "k")
    await settled(world)
    assert world.remote() == {"kept.md": "k"}


async def test_conflict_copies_are_never_uploaded(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")
    world.drive.put("guide.md", "theirs")
    await settled(world)
    assert set(world.remote()) == {"guide.md"}


async def test_an_edit_right_after_a_push_is_pushed(world: World) -> None:
    """The next changes list holds the round's own uploads; they are no news, and must not
    hide a local edit made since."""
    world.write("guide.md", "v1!")
    await world.sync.sync()
    world.write("guide.md", "v2")
    r = await world.sync.sync()
    assert r.pushed == ["guide.md"] and world.remote() == {"guide.md": "v2"}


async def test_a_vanished_folder_empties_nothing_at_the_drive(world: World) -> None:
    import shutil

    world.write("guide.md", "text")
    await settled(world)
    shutil.rmtree(world.docs)
    r = await world.sync.sync()
    assert r.stopped and "not in the workspace" in r.stopped
    assert world.remote() == {"guide.md": "text"}


async def test_two_checkouts_linking_one_drive_folder_each_get_everything(
    world: World, tmp_path: Path
) -> None:
    from server.hub.docsync.engine import DocSync

    world.write("guide.md", "text")
    await settled(world)
    clone = DocSync(world.sync.state.db, world.drive, world.sync.spec, tmp_path / "clone")
    r = await clone.sync()
    assert r.pulled == ["guide.md"]
    assert (tmp_path / "clone" / "docs" / "guide.md").read_text() == "text"


async def test_a_save_during_the_round_is_not_replaced_by_a_pull(world: World) -> None:
    """The person saves between the walk and the pull's write: the pull does not land, the
    round looks again and the two versions are a conflict, both kept."""
    world.write("guide.md", "base")
    await settled(world)
    world.drive.put("guide.md", "theirs")

    def save_first(name: str) -> None:
        if name == "download":
            world.drive.fail = None
            world.write("guide.md", "saved meanwhile!")

    world.drive.fail = save_first
    r = await world.sync.sync()
    assert r.stopped is None
    assert world.read("guide.md") == "saved meanwhile!"
    assert world.read(CONFLICT) == "theirs"


async def test_keep_mine_after_the_service_deleted_the_conflicting_file(world: World) -> None:
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")
    world.drive.put("guide.md", "theirs")
    await world.sync.sync()
    world.drive.remove("guide.md")
    await world.sync.sync()
    await world.sync.resolve("guide.md", "mine")
    await settled(world)
    assert world.local() == world.remote() == {"guide.md": "mine"}


async def test_a_conflict_whose_sides_agree_again_ends_by_itself(world: World) -> None:
    """As when *keep mine* was cut short after its upload reached the drive."""
    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "mine")
    world.drive.put("guide.md", "theirs")
    await world.sync.sync()
    world.drive.put("guide.md", "mine")
    await world.sync.sync()
    assert await world.sync.conflicts() == []
    assert world.local() == world.remote() == {"guide.md": "mine"}


@pytest.mark.parametrize("keep", ["mine", "theirs"])
async def test_resolving_an_export_never_writes_it_back(world: World, keep: str) -> None:
    world.drive.put("Plan", "# Plan", export=(MARKDOWN,))
    await settled(world)
    os.chmod(world.docs / "Plan.md", 0o644)
    world.write("Plan.md", "edited here")
    world.drive.put("Plan", "# Plan v2", export=(MARKDOWN,))
    await world.sync.sync()
    await world.sync.resolve("Plan.md", keep)  # type: ignore[arg-type]
    world.drive.calls.clear()
    await settled(world)
    assert world.drive.calls["upload"] == 0
    assert world.drive.files() == {"Plan": b"# Plan v2"}
    want = "edited here" if keep == "mine" else f"<!-- {MARKDOWN} -->\n# Plan v2"
    assert world.local() == {"Plan.md": want}


async def test_a_cursor_the_drive_forgot_reconciles_the_whole_listing(world: World) -> None:
    """``reset``: the listing is the whole folder; what is missing from it was deleted
    there, and what is unchanged is not transferred again."""
    world.write("kept.md", "k")
    world.write("gone.md", "g")
    await settled(world)
    world.drive.remove("gone.md")
    await world.sync.state.set_cursor("forgotten")
    world.drive.log.clear()  # the drive's history is gone with it
    world.drive.calls.clear()
    r = await world.sync.sync()
    assert r.deleted_here == ["gone.md"] and r.transfers == 0
    assert world.local() == world.remote() == {"kept.md": "k"}


async def test_a_push_of_a_file_deleted_there_meanwhile_restores_the_edit(world: World) -> None:
    """A drive that answers 404 (not 412) to a conditional write of a deleted item: the
    round looks again and the edit wins, as any delete meeting an edit."""
    from connectors.sdk.errors import NotFound

    world.write("guide.md", "base")
    await settled(world)
    world.write("guide.md", "edited")

    def delete_first(name: str) -> None:
        if name == "upload":
            world.drive.fail = None
            world.drive.remove("guide.md")
            raise NotFound("gone", status=404)

    world.drive.fail = delete_first
    r = await world.sync.sync()
    assert r.stopped is None
    assert world.local() == world.remote() == {"guide.md": "edited"}
