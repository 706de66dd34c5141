"""The Drive capability on the Graph stand-in: folders found by path in OneDrive and in
SharePoint libraries, delta rounds (pages, an unchanged re-poll costing one request, an
expired token answered by a full listing), downloads through Graph's redirect without the
token reaching the other host, Office files exported as PDF, small and chunked uploads
(resumed where the session says), and every conditional write refused with SyncConflict
when the item changed meanwhile.

Request shapes are validated against Graph's description (tests/contracts/microsoft); the
upload session's URL and the redirect's target are not Graph API paths, and follow
the documented behaviour (see tests/standin/microsoft_drive.py and the PROVENANCE).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from urllib.parse import unquote

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.microsoft.drive_client import SIMPLE_LIMIT
from connectors.sdk import InvalidRequest, NotFound, ServiceUnavailable
from connectors.sdk.drive import PDF, DriveFolder, DriveItem
from connectors.sdk.errors import SyncConflict
from tests.standin.microsoft_drive import DriveState

from .helpers import CANARY, World, connect


@dataclass
class Tree:
    world: World
    drive: str
    folder: str  # the Graph id of Documents/docs

    @property
    def st(self) -> DriveState:
        return self.world.standin.drive


def _seed(world: World, kind: str) -> Tree:
    st = world.standin.drive
    did = st.add_drive(world.ada, kind)
    docs = st.add(did, "Documents/docs", None)
    st.add(did, "Documents/docs/readme.md", b"# Hello\n")
    st.add(did, "Documents/docs/guides/setup.md", b"Run it.\n")
    st.add(did, "Documents/docs/report.docx", b"PK\x03\x04 word")
    st.add(did, "Documents/other.txt", b"not linked")
    return Tree(world, did, docs["id"])


@pytest.fixture
def tree(world: World) -> Tree:
    return _seed(world, "personal")


@pytest.fixture
async def folder(tree: Tree, conn: MicrosoftConnector) -> DriveFolder:
    return await conn.find_folder("Documents/docs")


async def _all(conn: MicrosoftConnector, folder: DriveFolder) -> dict[str, DriveItem]:
    listing = await conn.changes(folder)
    assert listing.reset
    return {i.path: i for i in listing.items}


# -- finding --------------------------------------------------------------------------------
async def test_a_folder_of_the_own_onedrive_is_found_by_path(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    assert folder.id == tree.folder and folder.drive == tree.drive
    assert folder.path == "/Documents/docs" and folder.name == "docs" and folder.url
    assert tree.world.standin.log[-1].path == "/v1.0/me/drive/root:/Documents/docs:"
    with pytest.raises(InvalidRequest, match="is a file"):
        await conn.find_folder("Documents/other.txt")
    with pytest.raises(NotFound, match="itemNotFound"):
        await conn.find_folder("Documents/nowhere")


async def test_a_sharepoint_library_is_named_by_path_or_by_the_drive_setting(
    world: World, conn: MicrosoftConnector
) -> None:
    st = world.standin.drive
    lib = st.add_drive(world.ada, "documentLibrary", "Engineering")
    specs = st.add(lib, "Shared/specs", None)
    found = await conn.find_folder(f"sites/contoso.sharepoint.com,1,2/drives/{lib}:/Shared/specs")
    assert (found.id, found.drive, found.path) == (specs["id"], lib, "/Shared/specs")
    other, http = connect(world.standin.url, settings={"drive": lib})
    try:
        assert (await other.find_folder("Shared/specs")).id == specs["id"]
        assert unquote(world.standin.log[-1].path) == f"/v1.0/drives/{lib}/root:/Shared/specs:"
    finally:
        await http.aclose()


# -- changes --------------------------------------------------------------------------------
async def test_the_first_round_lists_the_folder_over_pages_then_an_unchanged_poll_is_one_request(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    tree.world.standin.page_size = 2
    tree.world.standin.reset_log()
    first = await conn.changes(folder)
    assert first.reset and first.cursor
    got = {i.path: i for i in first.items}
    assert set(got) == {"readme.md", "guides", "guides/setup.md", "report.docx"}
    deltas = [r for r in tree.world.standin.log if r.path.endswith("/delta")]
    assert len(deltas) >= 3  # five items (the folder too), two a page
    assert all(f"/items/{tree.folder}/delta" in unquote(r.path) for r in deltas)  # a folder's delta
    readme = got["readme.md"]
    assert readme.hash == hashlib.sha256(b"# Hello\n").hexdigest() and readme.hash_kind == "sha256"
    assert readme.size == 8 and readme.etag and readme.modified is not None
    assert readme.mime_type == "text/markdown" and readme.export_formats == ()
    assert got["guides"].folder and not readme.folder
    assert got["report.docx"].export_formats == (PDF,)
    tree.world.standin.reset_log()
    again = await conn.changes(folder, first.cursor)
    assert again.items == () and not again.reset and again.cursor
    assert len(tree.world.standin.log) == 1


async def test_edits_additions_deletions_and_moves_out_are_listed_since_the_cursor(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    first = await conn.changes(folder)
    st = tree.st
    docs = st.items[tree.folder]
    readme = st.child(docs["id"], "readme.md")
    guides = st.child(docs["id"], "guides")
    st.touch(readme, b"# Hello again\n")
    st.add(tree.drive, "new/deep.md", b"deep", parent=guides["id"])
    st.remove(st.child(docs["id"], "report.docx"))
    st.move(st.child(guides["id"], "setup.md"), st.items[docs["_parent"]]["id"])
    later = await conn.changes(folder, first.cursor)
    got = {i.path: i for i in later.items}
    assert not later.reset
    assert got["readme.md"].hash == hashlib.sha256(b"# Hello again\n").hexdigest()
    assert got["readme.md"].etag != {i.path: i for i in first.items}["readme.md"].etag
    assert "guides/new/deep.md" in got and got["guides/new"].folder
    assert got["report.docx"].deleted
    assert got["guides/setup.md"].deleted  # moved out of the linked folder


async def test_a_business_drive_reads_the_root_delta_kept_to_the_folder(world: World) -> None:
    tree = _seed(world, "business")
    conn, http = connect(world.standin.url)
    try:
        folder = await conn.find_folder("Documents/docs")
        first = await conn.changes(folder)
        got = {i.path: i for i in first.items}
        assert set(got) == {"readme.md", "guides", "guides/setup.md", "report.docx"}
        assert got["readme.md"].hash_kind == "quickXor" and got["readme.md"].hash
        assert any(
            unquote(r.path) == f"/v1.0/drives/{tree.drive}/root/delta" for r in world.standin.log
        )
        st = tree.st
        guides = st.child(tree.folder, "guides")
        st.touch(st.child(guides["id"], "setup.md"), b"Run it twice.\n")
        st.add(tree.drive, "Documents/elsewhere.md", b"outside")
        st.remove(st.child(tree.folder, "readme.md"))
    finally:
        await http.aclose()
    # A new instance (the hub restarted) with the cursor: parents are read to place items.
    fresh, http = connect(world.standin.url)
    try:
        later = await fresh.changes(folder, first.cursor)
        paths = {i.path for i in later.items}
        assert "guides/setup.md" in paths and "elsewhere.md" not in paths
        assert all(not i.path.startswith("..") for i in later.items)
    finally:
        await http.aclose()


async def test_a_deletion_in_a_business_drive_is_known_by_id(world: World) -> None:
    tree = _seed(world, "business")
    conn, http = connect(world.standin.url)
    try:
        folder = await conn.find_folder("Documents/docs")
        first = await conn.changes(folder)
        tree.st.remove(tree.st.child(tree.folder, "readme.md"))
        later = await conn.changes(folder, first.cursor)
        assert [(i.path, i.deleted) for i in later.items] == [("readme.md", True)]
    finally:
        await http.aclose()


async def test_an_expired_cursor_is_answered_by_a_full_listing_with_reset(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    first = await conn.changes(folder)
    tree.st.delta_floor = tree.st.seq + 1
    tree.world.standin.reset_log()
    again = await conn.changes(folder, first.cursor)
    assert again.reset
    assert {i.path for i in again.items} == {
        "readme.md",
        "guides",
        "guides/setup.md",
        "report.docx",
    }
    assert tree.world.standin.log[0].status == 410


async def test_a_throttled_delta_waits_for_retry_after(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    tree.world.standin.inject("retry_after", seconds=1, path="/delta")
    tree.world.standin.reset_log()
    started = time.monotonic()
    assert (await conn.changes(folder)).items
    assert time.monotonic() - started >= 0.9
    assert [r.status for r in tree.world.standin.log][:2] == [429, 200]


# -- downloads ------------------------------------------------------------------------------
async def test_a_download_follows_the_redirect_without_the_token(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    items = await _all(conn, folder)
    assert await conn.download(items["guides/setup.md"]) == b"Run it.\n"
    graph = tree.world.standin
    assert graph.log[-1].status == 302
    hop = graph.blobs.log[-1]
    # The content host refuses (401, and a recorded violation) any request with a token.
    assert hop.status == 200 and hop.account == tree.world.ada["id"]
    assert not graph.blobs.violations
    assert all(CANARY not in v for r in graph.blobs.log for v in r.headers.values())


async def test_an_office_document_is_exported_as_pdf(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    items = await _all(conn, folder)
    pdf = await conn.download(items["report.docx"], export=PDF)
    assert pdf.startswith(b"%PDF")
    assert ("format", "pdf") in tree.world.standin.log[-1].query
    sent = len(tree.world.standin.log)
    with pytest.raises(InvalidRequest, match="only Office documents"):
        await conn.download(items["readme.md"], export=PDF)
    assert len(tree.world.standin.log) == sent


# -- uploads --------------------------------------------------------------------------------
async def test_a_small_upload_makes_missing_folders_and_replaces_only_the_version_named(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    made = await conn.upload(folder, "notes/2026/today.md", b"first")
    assert made.path == "notes/2026/today.md" and made.size == 5 and made.etag
    notes = tree.st.by_path(tree.folder, "notes/2026/today.md")
    assert notes is not None and notes["_data"] == b"first"
    again = await conn.upload(folder, "notes/2026/today.md", b"second", if_match=made.etag)
    assert again.id == made.id and again.etag != made.etag and notes["_data"] == b"second"
    with pytest.raises(SyncConflict, match="preconditionFailed"):
        await conn.upload(folder, "notes/2026/today.md", b"third", if_match=made.etag)
    with pytest.raises(SyncConflict, match="already there"):
        await conn.upload(folder, "notes/2026/today.md", b"new?")  # someone made it meanwhile
    assert notes["_data"] == b"second"


async def test_an_existing_parent_made_meanwhile_is_reused(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    """``guides`` exists, ``guides/more`` does not: its create answers 409 for ``guides``,
    which is then read and used."""
    tree.world.standin.reset_log()
    await conn.upload(folder, "guides/more/tips.md", b"tip")
    statuses = [(r.method, r.status) for r in tree.world.standin.log]
    assert ("POST", 409) in statuses and ("POST", 201) in statuses
    guides = tree.st.child(tree.folder, "guides")
    assert tree.st.by_path(guides["id"], "more/tips.md")["_data"] == b"tip"


async def test_an_empty_folder_is_made_with_its_parents_and_one_made_meanwhile_is_taken(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    tree.world.standin.reset_log()
    made = await conn.create_folder(folder, "drafts/empty")
    assert made.folder and made.path == "drafts/empty" and made.etag
    drafts = tree.st.child(tree.folder, "drafts")
    assert drafts is not None and drafts["_folder"]
    empty = tree.st.child(drafts["id"], "empty")
    assert empty is not None and empty["_folder"] and made.id.endswith(empty["id"])
    posts = [r for r in tree.world.standin.log if r.method == "POST"]
    # drafts, then empty in it (each body validated against the description's driveItem)
    assert [(unquote(r.path).rsplit("/", 2)[-2], r.status) for r in posts] == [
        (tree.folder, 201),
        (drafts["id"], 201),
    ]
    again = await conn.create_folder(folder, "drafts/empty")  # 409, then read: the same one
    assert again.id == made.id and again.folder
    with pytest.raises(SyncConflict, match="is a file"):
        await conn.create_folder(folder, "readme.md")
    listing = await _all(conn, folder)
    assert listing["drafts/empty"].folder and listing["drafts/empty"].id == made.id


async def test_uploads_at_once_into_a_new_folder_make_one_folder(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    """The sync sends a few uploads at a time: the second create of the folder meets 409
    (conflictBehavior fail) and uses the first's."""
    import asyncio

    await asyncio.gather(
        conn.upload(folder, "fresh/a.md", b"a"),
        conn.upload(folder, "fresh/b.md", b"b"),
        conn.create_folder(folder, "fresh/empty"),
    )
    fresh = [i for i in tree.st.items.values() if i["name"] == "fresh"]
    assert len(fresh) == 1
    kids = {i["name"] for i in tree.st.items.values() if i["_parent"] == fresh[0]["id"]}
    assert kids == {"a.md", "b.md", "empty"}


def _ranges(tree: Tree) -> list[str]:
    return [r.headers["content-range"] for r in tree.world.standin.blobs.log if r.method == "PUT"]


async def test_a_large_upload_goes_in_a_session_in_320_kib_multiples(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    data = os.urandom(SIMPLE_LIMIT + 2_000_000)  # more than one fragment
    made = await conn.upload(folder, "big/blob.bin", data)
    total = len(data)
    chunk = conn.drive.chunk
    assert chunk % (320 * 1024) == 0
    assert _ranges(tree) == [f"bytes 0-{chunk - 1}/{total}", f"bytes {chunk}-{total - 1}/{total}"]
    assert tree.st.by_path(tree.folder, "big/blob.bin")["_data"] == data
    assert made.size == total and made.path == "big/blob.bin"
    assert not any(
        r.path.endswith("/content") and r.method == "PUT" for r in tree.world.standin.log
    )


async def test_a_session_goes_on_from_the_next_expected_range(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    data = os.urandom(SIMPLE_LIMIT + 10)
    tree.st.accept_short = 100_000  # the service keeps only part of the first fragment
    await conn.upload(folder, "big.bin", data)
    total = len(data)
    assert _ranges(tree) == [
        f"bytes 0-{total - 1}/{total}",
        f"bytes 100000-{total - 1}/{total}",
    ]
    assert tree.st.by_path(tree.folder, "big.bin")["_data"] == data


async def test_a_large_replacement_names_the_version_it_replaces(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    items = await _all(conn, folder)
    readme = items["readme.md"]
    data = os.urandom(SIMPLE_LIMIT + 5)
    tree.st.touch(tree.st.child(tree.folder, "readme.md"), b"edited meanwhile")
    with pytest.raises(SyncConflict, match="preconditionFailed"):
        await conn.upload(folder, "readme.md", data, if_match=readme.etag)
    assert tree.st.child(tree.folder, "readme.md")["_data"] == b"edited meanwhile"
    fresh = (await _all(conn, folder))["readme.md"]
    done = await conn.upload(folder, "readme.md", data, if_match=fresh.etag)
    assert done.id == readme.id and tree.st.child(tree.folder, "readme.md")["_data"] == data


# -- moves and deletes -----------------------------------------------------------------------
async def test_a_move_names_the_version_and_lands_where_asked(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    items = await _all(conn, folder)
    readme = items["readme.md"]
    moved = await conn.move(folder, readme, "archive/old-readme.md", if_match=readme.etag)
    assert moved.id == readme.id and moved.path == "archive/old-readme.md"
    assert tree.st.by_path(tree.folder, "archive/old-readme.md") is not None
    with pytest.raises(SyncConflict, match="preconditionFailed"):
        await conn.move(folder, readme, "readme.md", if_match=readme.etag)  # stale version
    setup = items["guides/setup.md"]
    with pytest.raises(SyncConflict, match="already there"):
        await conn.move(folder, setup, "report.docx", if_match=setup.etag)


async def test_a_delete_names_the_version_and_a_gone_item_stays_gone(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    items = await _all(conn, folder)
    readme = items["readme.md"]
    tree.st.touch(tree.st.child(tree.folder, "readme.md"), b"edited meanwhile")
    with pytest.raises(SyncConflict, match="preconditionFailed"):
        await conn.delete(readme, if_match=readme.etag)
    assert tree.st.child(tree.folder, "readme.md") is not None
    report = items["report.docx"]
    await conn.delete(report, if_match=report.etag)
    assert tree.st.child(tree.folder, "report.docx") is None
    await conn.delete(report, if_match=report.etag)  # already gone: nothing to do
    later = await conn.changes(folder, (await conn.changes(folder)).cursor)
    assert later.items == ()


async def test_a_folder_on_the_own_drive_may_leave_the_drive_unnamed(
    tree: Tree, conn: MicrosoftConnector
) -> None:
    """The sdk's ``drive=""`` is the account's own OneDrive: addressed as ``/me/drive``."""
    folder = DriveFolder(id=tree.folder, path="/Documents/docs", name="docs")
    items = {i.path: i for i in (await conn.changes(folder)).items}
    assert unquote(tree.world.standin.log[-1].path).startswith("/v1.0/me/drive/items/")
    assert await conn.download(items["readme.md"]) == b"# Hello\n"


async def test_a_failed_fragment_is_resent_from_where_the_session_stands(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    """The content host fails one fragment past the stack's retries: the session is asked
    for its next expected range and the upload goes on from there."""
    data = os.urandom(SIMPLE_LIMIT + 2_000_000)
    blobs = tree.world.standin.blobs
    chunk = conn.drive.chunk
    blobs.inject("502", count=4, path="/upload/")  # every attempt of the first fragment
    await conn.upload(folder, "big.bin", data)
    puts = [(r.method, r.status) for r in blobs.log]
    assert puts[:5] == [("PUT", 502)] * 4 + [("GET", 200)]
    total = len(data)
    assert _ranges(tree)[-2:] == [
        f"bytes 0-{chunk - 1}/{total}",
        f"bytes {chunk}-{total - 1}/{total}",
    ]
    assert tree.st.by_path(tree.folder, "big.bin")["_data"] == data


async def test_pre_authenticated_urls_stay_out_of_error_messages(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    """An upload session's URL authorises whoever holds it: a failure names the host's
    answer, never the URL."""
    tree.world.standin.blobs.inject("500", count=40, path="/upload/")
    with pytest.raises(ServiceUnavailable) as failed:
        await conn.upload(folder, "big.bin", os.urandom(SIMPLE_LIMIT + 1))
    key = next(iter(tree.st.sessions))
    assert key not in failed.value.message and key not in str(failed.value)
    assert "pre-authenticated URL" in failed.value.message


async def test_a_parent_path_in_a_delta_item_spares_reading_the_parent(world: World) -> None:
    tree = _seed(world, "business")
    conn, http = connect(world.standin.url)
    try:
        folder = await conn.find_folder("Documents/docs")
        first = await conn.changes(folder)
    finally:
        await http.aclose()
    guides = tree.st.child(tree.folder, "guides")
    tree.st.touch(tree.st.child(guides["id"], "setup.md"), b"Run it twice.\n")
    for with_paths, reads in ((False, 1), (True, 0)):
        tree.st.delta_paths = with_paths
        fresh, http = connect(world.standin.url)
        try:
            world.standin.reset_log()
            later = await fresh.changes(folder, first.cursor)
            assert [i.path for i in later.items] == ["guides/setup.md"]
            got = [r for r in world.standin.log if "/items/" in r.path and r.method == "GET"]
            assert len(got) == reads + 1  # the drive's kind, then any parent read
        finally:
            await http.aclose()


async def test_a_renamed_folder_moves_what_is_known_below_it(
    tree: Tree, conn: MicrosoftConnector, folder: DriveFolder
) -> None:
    """Delta lists a renamed folder alone; a later change below it is placed under the new
    name, from what the rename taught, without reading the parent."""
    first = await conn.changes(folder)
    guides = tree.st.child(tree.folder, "guides")
    tree.st.move(guides, tree.folder, "manuals")
    renamed = await conn.changes(folder, first.cursor)
    assert [(i.path, i.folder) for i in renamed.items] == [("manuals", True)]
    tree.st.touch(tree.st.child(guides["id"], "setup.md"), b"Run it twice.\n")
    tree.world.standin.reset_log()
    later = await conn.changes(folder, renamed.cursor)
    assert [i.path for i in later.items] == ["manuals/setup.md"]
    assert len(tree.world.standin.log) == 1
