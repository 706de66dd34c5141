"""Google Drive on the stand-in: a linked folder found by path, id or URL; its listing and its
changes (pages, subtree only, deletions, moves, an unchanged poll costing one request);
downloads and Markdown exports; uploads (multipart, media, resumable in pieces) and moves and
deletes that check the version first. Every request is validated against drive.v3.json and
the upload rules of the resumable-upload guide (see tests/contracts/google/PROVENANCE)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from connectors.google.connector import GoogleConnector
from connectors.google.drive import PARENTS
from connectors.google.drive_client import CHUNK, SIMPLE_LIMIT
from connectors.sdk import ConsentRequired, InvalidRequest, NotFound, RateLimited
from connectors.sdk.drive import MARKDOWN, PDF, DriveFolder, DriveItem
from connectors.sdk.errors import SyncConflict
from server.hub.http import HubClient
from tests.standin.google import SCOPES
from tests.standin.google_drive import GOOGLE, ROOT, DriveState

from .helpers import ADA, World, connect

Conn = tuple[GoogleConnector, HubClient]
DOC = GOOGLE + "document"


@dataclass
class Drive:
    st: DriveState
    docs: str  # /Documents/Ada's docs
    notes: str  # .../notes
    other: str  # /Other, outside the linked folder
    guide: str
    plan: str


def _drive(world: World) -> Drive:
    st = world.standin.drive
    documents = st.add("Documents")["id"]
    docs = st.add("Ada's docs", documents)["id"]
    notes = st.add("notes", docs)["id"]
    other = st.add("Other")["id"]
    guide = st.add("guide.md", docs, mime="text/markdown", data=b"# Guide\n")["id"]
    st.add("ideas.txt", notes, mime="text/plain", data=b"ideas")
    plan = st.add_doc("Plan", docs, {MARKDOWN: b"# Plan\n\nShip it.\n", PDF: b"%PDF-1.7"})["id"]
    st.add("Survey", docs, mime=GOOGLE + "form")
    st.add("outside.txt", other, mime="text/plain", data=b"not ours")
    return Drive(st, docs, notes, other, guide, plan)


def _paths(items: tuple[DriveItem, ...] | list[DriveItem]) -> list[str]:
    return sorted(i.path + (" (deleted)" if i.deleted else "") for i in items)


async def _linked(world: World, conn: Conn) -> tuple[Drive, DriveFolder]:
    d = _drive(world)
    folder = await conn[0].find_folder("/Documents/Ada's docs")
    return d, folder


# -- the linked folder ------------------------------------------------------------------------
async def test_a_folder_is_found_by_path_id_or_url(world: World, conn: Conn) -> None:
    d = _drive(world)
    connector, _ = conn
    folder = await connector.find_folder("/Documents/Ada's docs")
    assert folder.id == d.docs and folder.name == "Ada's docs"
    assert folder.path == "/Documents/Ada's docs" and folder.url and d.docs in folder.url
    queries = [dict(r.query).get("q", "") for r in world.standin.log if r.path.endswith("/files")]
    assert "name = 'Ada\\'s docs'" in queries[-1]  # the quote escaped as Drive's syntax wants
    by_id = await connector.find_folder(d.docs)
    assert (by_id.id, by_id.path) == (d.docs, "/Documents/Ada's docs")
    by_url = await connector.find_folder(f"https://drive.google.com/drive/folders/{d.notes}")
    assert by_url.path == "/Documents/Ada's docs/notes"
    with pytest.raises(NotFound, match="no folder /Documents/nope"):
        await connector.find_folder("Documents/nope/deeper")
    with pytest.raises(NotFound, match="not a folder"):
        await connector.find_folder(d.guide)


# -- changes ----------------------------------------------------------------------------------
async def test_no_cursor_lists_the_whole_folder_after_taking_a_start_token(
    world: World, conn: Conn
) -> None:
    d, folder = await _linked(world, conn)
    world.standin.reset_log()
    got = await conn[0].changes(folder)
    assert got.reset and got.cursor == d.st.token
    assert world.standin.log[0].path == "/drive/v3/changes/startPageToken"
    # The form (no bytes, no export) and everything outside the folder are left out.
    assert _paths(got.items) == ["Plan", "guide.md", "notes", "notes/ideas.txt"]
    by = {i.path: i for i in got.items}
    guide = by["guide.md"]
    assert guide.etag == "1" and guide.size == 8 and guide.hash_kind == "sha256"
    assert guide.hash == hashlib.sha256(b"# Guide\n").hexdigest()
    assert guide.mime_type == "text/markdown" and guide.modified is not None
    assert by["notes"].folder and not by["notes"].export_formats
    assert by["Plan"].export_formats == (MARKDOWN, PDF) and by["Plan"].hash is None


async def test_a_wide_tree_is_listed_a_level_at_a_time(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    wide = [d.st.add(f"w{n:02d}", d.docs)["id"] for n in range(PARENTS + 5)]
    for n, fid in enumerate(wide):
        d.st.add(f"f{n:02d}.txt", fid, mime="text/plain", data=b"x")
    world.standin.reset_log()
    got = await conn[0].changes(folder)
    assert len(got.items) == 4 + 2 * len(wide)
    assert {i.path for i in got.items} >= {"w00/f00.txt", f"w{PARENTS + 4}/f{PARENTS + 4}.txt"}
    lists = [dict(r.query)["q"] for r in world.standin.log if r.path == "/drive/v3/files"]
    # The folder; then its notes and PARENTS+5 folders, in two queries; then theirs, none.
    assert len(lists) == 3 and lists[0] == f"'{d.docs}' in parents and trashed = false"
    assert lists[1].startswith("(") and lists[1].count(" in parents") == PARENTS


async def test_a_listing_and_changes_are_read_page_by_page(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    d.st.page_max = 2
    got = await conn[0].changes(folder)
    assert len(got.items) == 4
    lists = [r for r in world.standin.log if r.path == "/drive/v3/files"]
    assert any(dict(r.query).get("pageToken") for r in lists)
    for n in range(5):
        d.st.add(f"new{n}.txt", d.docs, mime="text/plain", data=b"n")
    world.standin.reset_log()
    later = await conn[0].changes(folder, got.cursor)
    assert _paths(later.items) == [f"new{n}.txt" for n in range(5)]
    pages = [r for r in world.standin.log if r.path == "/drive/v3/changes"]
    assert len(pages) == 3 and later.cursor == d.st.token and not later.reset


async def test_changes_keep_the_subtree_and_an_unchanged_poll_costs_one_request(
    world: World, conn: Conn
) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    first = await connector.changes(folder)
    d.st.edit(d.guide, data=b"# Guide v2\n")
    d.st.add("deep.txt", d.notes, mime="text/plain", data=b"deep")
    d.st.add("elsewhere.txt", d.other, mime="text/plain", data=b"x")
    d.st.edit(d.st.find("Other/outside.txt")["id"], data=b"still not ours")  # type: ignore[index]
    got = await connector.changes(folder, first.cursor)
    assert _paths(got.items) == ["guide.md", "notes/deep.txt"] and not got.reset
    assert next(i for i in got.items if i.path == "guide.md").etag == "2"
    sent = [r for r in world.standin.log if r.path == "/drive/v3/changes"][-1]
    q = dict(sent.query)
    assert q["includeRemoved"] == "true" and "newStartPageToken" in q["fields"]
    assert "version" in q["fields"] and "parents" in q["fields"]
    world.standin.reset_log()
    again = await connector.changes(folder, got.cursor)
    assert again.items == () and again.cursor == got.cursor
    assert len(world.standin.log) == 1


async def test_trashed_removed_and_moved_out_are_deleted(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    first = await connector.changes(folder)
    d.st.edit(d.guide, trashed=True)
    d.st.remove(d.notes)  # for good, with what it holds
    d.st.edit(d.plan, addParents=[d.other], removeParents=[d.docs])
    got = await connector.changes(folder, first.cursor)
    assert _paths(got.items) == [
        "Plan (deleted)",
        "guide.md (deleted)",
        "notes (deleted)",
        "notes/ideas.txt (deleted)",
    ]


async def test_moves_inside_and_into_the_folder(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    d.st.add("keep.txt", d.other, mime="text/plain", data=b"keep")
    first = await connector.changes(folder)
    d.st.edit(d.notes, name="journal")  # its file is reported at its new path
    # Other moves in with what it holds; one of its files changed first, so its change comes
    # before the folder's and places the folder -- keep.txt must still be found.
    d.st.edit(d.st.find("Other/outside.txt")["id"], data=b"edited")  # type: ignore[index]
    d.st.edit(d.other, addParents=[d.docs], removeParents=[ROOT])
    got = await connector.changes(folder, first.cursor)
    assert _paths(got.items) == [
        "Other",
        "Other/keep.txt",
        "Other/outside.txt",
        "journal",
        "journal/ideas.txt",
    ]


async def test_a_new_instance_given_a_cursor_places_changes_by_their_parents(
    world: World, conn: Conn
) -> None:
    d, folder = await _linked(world, conn)
    first = await conn[0].changes(folder)
    d.st.add("late.txt", d.notes, mime="text/plain", data=b"late")
    d.st.add("far.txt", d.other, mime="text/plain", data=b"far")
    fresh, http = connect(world.standin.url)
    try:
        got = await fresh.changes(folder, first.cursor)
    finally:
        await http.aclose()
    assert _paths(got.items) == ["notes/late.txt"]


async def test_a_refused_cursor_reads_the_folder_anew(world: World, conn: Conn) -> None:
    _, folder = await _linked(world, conn)
    got = await conn[0].changes(folder, "999999")
    assert got.reset and len(got.items) == 4


# -- contents ---------------------------------------------------------------------------------
async def test_downloads_and_a_doc_exported_as_markdown(world: World, conn: Conn) -> None:
    _, folder = await _linked(world, conn)
    connector, _ = conn
    by = {i.path: i for i in (await connector.changes(folder)).items}
    assert await connector.download(by["guide.md"]) == b"# Guide\n"
    media = world.standin.log[-1]
    assert dict(media.query) == {"alt": "media", "supportsAllDrives": "true"}
    assert media.headers["cache-control"] == "no-store"  # bytes stay out of the HTTP cache
    assert await connector.download(by["Plan"], export=MARKDOWN) == b"# Plan\n\nShip it.\n"
    sent = [r for r in world.standin.log if r.path.endswith("/export")][-1]
    assert dict(sent.query) == {"mimeType": MARKDOWN}
    with pytest.raises(InvalidRequest, match="export it"):
        await connector.download(by["Plan"])
    with pytest.raises(InvalidRequest, match="cannot export"):
        await connector.download(by["Plan"], export="text/csv")
    with pytest.raises(InvalidRequest, match="cannot export"):
        await connector.download(by["guide.md"], export=MARKDOWN)


async def test_an_upload_creates_missing_folders_then_replaces_at_the_version(
    world: World, conn: Conn
) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    made = await connector.upload(folder, "new/deeper/todo.md", b"- [ ] ship\n")
    assert made.path == "new/deeper/todo.md" and made.etag == "1" and made.size == 11
    stored = d.st.find("Documents/Ada's docs/new/deeper/todo.md")
    assert stored is not None and stored["mimeType"] == "text/markdown"
    assert d.st.data[made.id] == b"- [ ] ship\n"
    assert any(dict(r.query).get("uploadType") == "multipart" for r in world.standin.log)
    again = await connector.upload(folder, "new/deeper/todo.md", b"- [x] ship\n", if_match="1")
    assert again.id == made.id and again.etag == "2" and d.st.data[made.id] == b"- [x] ship\n"
    assert world.standin.log[-1].method == "PATCH"
    assert dict(world.standin.log[-1].query)["uploadType"] == "media"
    # One folder each, not a second "new" beside the first.
    assert [f["name"] for f in d.st.files.values()].count("new") == 1


async def test_an_empty_folder_is_made_once_with_its_parents(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    made = await connector.create_folder(folder, "drafts/empty")
    assert made.folder and made.path == "drafts/empty"
    stored = d.st.find("Documents/Ada's docs/drafts/empty")
    assert stored is not None and stored["mimeType"] == GOOGLE + "folder"
    assert stored["id"] == made.id
    creates = [r for r in world.standin.log if r.method == "POST" and r.path.endswith("/files")]
    assert len(creates) == 2  # drafts, then empty in it (validated against files.create)
    drafts = d.st.find("Documents/Ada's docs/drafts")
    assert drafts is not None and stored["parents"] == [drafts["id"]]
    again = await connector.create_folder(folder, "drafts/empty")  # there already: that one
    assert again.id == made.id
    assert [f["name"] for f in d.st.files.values()].count("empty") == 1
    with pytest.raises(SyncConflict, match="is a file"):
        await connector.create_folder(folder, "guide.md")
    listing = {i.path: i for i in (await connector.changes(folder)).items}
    assert listing["drafts/empty"].folder and listing["drafts/empty"].id == made.id


async def test_a_stale_version_is_a_conflict_and_nothing_is_written(
    world: World, conn: Conn
) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    guide = next(i for i in (await connector.changes(folder)).items if i.path == "guide.md")
    d.st.edit(d.guide, data=b"# Guide, edited on the web\n")  # version 2 meanwhile
    with pytest.raises(SyncConflict, match="changed in Google Drive meanwhile"):
        await connector.upload(folder, "guide.md", b"# Mine\n", if_match=guide.etag)
    with pytest.raises(SyncConflict, match="created in Google Drive meanwhile"):
        await connector.upload(folder, "guide.md", b"# Mine\n")
    with pytest.raises(SyncConflict, match="no longer in Google Drive"):
        await connector.upload(folder, "gone.md", b"x", if_match="3")
    twin = d.st.add("twin.md", d.docs, mime="text/markdown", data=b"a")
    d.st.add("twin.md", d.docs, mime="text/markdown", data=b"b")
    with pytest.raises(SyncConflict, match=r"2 items named 'twin\.md'"):
        await connector.upload(folder, "twin.md", b"mine", if_match=twin["version"])
    with pytest.raises(SyncConflict):
        await connector.move(folder, guide, "renamed.md", if_match=guide.etag)
    with pytest.raises(SyncConflict):
        await connector.delete(guide, if_match=guide.etag)
    assert d.st.data[d.guide] == b"# Guide, edited on the web\n"
    assert d.st.files[d.guide]["name"] == "guide.md" and not d.st.files[d.guide]["trashed"]
    assert not [r for r in world.standin.log if r.method in ("PATCH", "PUT", "DELETE")]
    # Each version was read past the HTTP cache, right before the write it guarded.
    reads = [r for r in world.standin.log if r.path.endswith(d.guide)]
    assert reads and all(r.headers.get("cache-control") == "no-cache" for r in reads)


async def test_a_large_file_goes_up_in_resumable_pieces(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    data = bytes(range(256)) * ((SIMPLE_LIMIT + CHUNK) // 256 + 7)
    d.st.short_pieces = 1  # Drive keeps less of a piece than it was sent: resume from Range
    made = await connector.upload(folder, "big/video.bin", data)
    assert d.st.data[made.id] == data and made.size == len(data)
    assert made.hash == hashlib.sha256(data).hexdigest()
    opened = [r for r in world.standin.log if dict(r.query).get("uploadType") == "resumable"]
    assert opened[0].method == "POST" and opened[0].headers["x-upload-content-length"] == str(
        len(data)
    )
    pieces = [r for r in opened if r.method == "PUT"]
    assert [r.status for r in pieces] == [308, 308, 200]  # 4 MiB (kept 3.75), 4 MiB, the rest
    ranges = [r.headers["content-range"] for r in pieces]
    assert ranges[0] == f"bytes 0-{CHUNK - 1}/{len(data)}"
    assert ranges[1] == f"bytes {CHUNK - 256 * 1024}-{2 * CHUNK - 256 * 1024 - 1}/{len(data)}"
    assert ranges[-1].endswith(f"-{len(data) - 1}/{len(data)}")
    # A new version of it goes the same way, through files.update.
    world.standin.reset_log()
    again = await connector.upload(folder, "big/video.bin", data[::-1], if_match=made.etag)
    assert again.id == made.id and d.st.data[made.id] == data[::-1]
    assert next(r.method for r in world.standin.log if r.path.startswith("/upload/")) == "PATCH"


async def test_a_piece_that_keeps_failing_asks_the_session_and_goes_on(
    world: World, conn: Conn
) -> None:
    d, folder = await _linked(world, conn)
    data = b"z" * (SIMPLE_LIMIT + 1)
    d.st.fail_pieces = 4  # more than the hub's own retries of a PUT
    made = await conn[0].upload(folder, "big.bin", data)
    assert d.st.data[made.id] == data
    puts = [r for r in world.standin.log if r.method == "PUT"]
    ranges = [r.headers["content-range"] for r in puts]
    assert ranges[:4] == [f"bytes 0-{CHUNK - 1}/{len(data)}"] * 4
    assert ranges[4] == f"bytes */{len(data)}" and puts[4].status == 308
    assert ranges[5] == ranges[0] and puts[-1].status == 200


async def test_a_move_renames_and_changes_parents(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    by = {i.path: i for i in (await connector.changes(folder)).items}
    moved = await connector.move(folder, by["guide.md"], "archive/old-guide.md", if_match="1")
    assert moved.path == "archive/old-guide.md" and moved.id == d.guide and moved.etag == "2"
    assert d.st.path_of(d.guide) == "Documents/Ada's docs/archive/old-guide.md"
    update = [r for r in world.standin.log if r.method == "PATCH"][-1]
    assert dict(update.query)["removeParents"] == d.docs
    with pytest.raises(SyncConflict, match="already taken"):
        await connector.move(folder, by["Plan"], "notes/ideas.txt")


async def test_delete_trashes_by_default_and_deletes_when_set(world: World, conn: Conn) -> None:
    d, folder = await _linked(world, conn)
    connector, _ = conn
    by = {i.path: i for i in (await connector.changes(folder)).items}
    await connector.delete(by["guide.md"], if_match="1")
    assert d.st.files[d.guide]["trashed"] is True  # restorable from the trash
    assert not [r for r in world.standin.log if r.method == "DELETE"]
    for_good, http = connect(world.standin.url, settings={"drive_delete": "delete"})
    try:
        await for_good.delete(by["notes/ideas.txt"], if_match="1")
        await for_good.delete(by["notes/ideas.txt"], if_match="1")  # gone already: done
    finally:
        await http.aclose()
    assert by["notes/ideas.txt"].id not in d.st.files


async def test_without_the_drive_scope_consent_is_asked_naming_it(world: World) -> None:
    narrow = "ya29.a0NoDrive" + "q1" * 30
    world.standin.grant(narrow, ADA, ("openid", "email", SCOPES + "calendar.readonly"))
    connector, http = connect(world.standin.url, token=narrow)
    try:
        with pytest.raises(ConsentRequired, match=r"allow https://www\.googleapis\.com/auth/drive"):
            await connector.find_folder("/Documents")
    finally:
        await http.aclose()


async def test_drives_rate_limit_is_rate_limited_with_its_retry_after(
    world: World, conn: Conn
) -> None:
    """Drive's 403 userRateLimitExceeded (guides/limits), longer than the hub waits inline."""
    _, folder = await _linked(world, conn)
    limit = world.standin.error(
        403, "User Rate Limit Exceeded", reason="userRateLimitExceeded", domain="usageLimits"
    )
    world.standin.plan(limit.with_headers({"retry-after": "120"}), path="/changes")
    with pytest.raises(RateLimited) as raised:
        await conn[0].changes(folder, "1")
    assert 110 <= raised.value.retry_after <= 120


async def test_a_folder_on_a_shared_drive(world: World, conn: Conn) -> None:
    """Drive hides shared-drive files from callers that do not say supportsAllDrives, and
    lists them only per drive: the stand-in holds both rules."""
    d = _drive(world)
    team = d.st.add_shared_drive("Team")["id"]
    specs = d.st.add("specs", team)["id"]
    d.st.add("api.md", specs, mime="text/markdown", data=b"# API\n")
    connector, _ = conn
    folder = await connector.find_folder(f"https://drive.google.com/drive/folders/{specs}")
    assert folder.drive == team and folder.name == "specs"
    first = await connector.changes(folder)
    assert first.reset and _paths(first.items) == ["api.md"]
    d.st.add("rfc.md", specs, mime="text/markdown", data=b"# RFC\n")
    d.st.edit(d.guide, data=b"my drive, not this folder")
    got = await connector.changes(folder, first.cursor)
    assert _paths(got.items) == ["rfc.md"]
    assert dict(world.standin.log[-1].query)["driveId"] == team
    made = await connector.upload(folder, "drafts/new.md", b"# New\n")
    assert d.st.files[made.id]["driveId"] == team
    assert d.st.path_of(made.id) == "specs/drafts/new.md"


async def test_uploads_at_once_into_a_new_folder_make_one_folder(world: World, conn: Conn) -> None:
    """The engine sends a few uploads at a time: two into one new folder must not each make
    a folder of that name (Drive would keep both, side by side)."""
    import asyncio

    d, folder = await _linked(world, conn)
    connector, _ = conn
    await asyncio.gather(
        connector.upload(folder, "fresh/a.md", b"a"),
        connector.upload(folder, "fresh/b.md", b"b"),
        connector.create_folder(folder, "fresh/empty"),
    )
    assert [f["name"] for f in d.st.files.values()].count("fresh") == 1
    fresh = d.st.find("Documents/Ada's docs/fresh")
    assert fresh is not None
    assert {f["name"] for f in d.st.files.values() if f.get("parents") == [fresh["id"]]} == {
        "a.md",
        "b.md",
        "empty",
    }
