"""The configured sets of a workspace: loading, look-up by language, search, and an
inventory fetched once from its docs URL through the hub's HTTP stack and cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from server.hub.config import DocSetSettings, DocsSettings
from server.hub.docs import DocsLibrary, stdlib
from server.hub.docs.fetch import docs_client
from tests.standin.docs_site import DocsSite

from .sets import Built
from .sets import with_stdlib as install


def library(tmp_path: Path, settings: DocsSettings, root: Path | None = None) -> DocsLibrary:
    return DocsLibrary(
        settings,
        data_dir=tmp_path / "data",
        client=lambda: docs_client(tmp_path / "http-cache"),
        root=root,
    )


def with_stdlib(tmp_path: Path, index: Path) -> None:
    install(tmp_path / "data", index)


def devdocs_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "node"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"name": "Node.js", "slug": "node"}))
    (folder / "index.json").write_text(
        json.dumps(
            {
                "entries": [
                    {"name": "fs.readFile()", "path": "fs#fsreadfile", "type": "File system"},
                    {"name": "path.join()", "path": "path#pathjoin", "type": "Path"},
                ],
                "types": [],
            }
        )
    )
    return folder


async def test_sets_by_language_and_search_across_them(tmp_path: Path, built: Built) -> None:
    docsets = tmp_path / "docsets"
    docsets.mkdir()
    shutil.copytree(built.docset, docsets / "spam.docset")
    node = devdocs_folder(tmp_path)
    settings = DocsSettings(
        stdlib="off",
        sets=[
            DocSetSettings(
                id="spam",
                kind="inventory",
                index=str(built.inventory),
                url="https://spam.example/2.1/",
                languages=["python"],
            ),
            DocSetSettings(
                id="node", kind="devdocs", index="node", languages=["javascript", "typescript"]
            ),
            DocSetSettings(id="gone", kind="inventory", index=str(tmp_path / "missing.inv")),
        ],
        docset_dirs=[str(docsets)],
    )
    lib = library(tmp_path, settings, root=tmp_path)  # "node" is relative to the workspace
    await lib.load()
    info = {s.id: s for s in lib.sets()}
    assert set(info) == {"spam", "node", "gone", "spam-docset"}
    assert info["spam"].title == "Spam" and info["spam"].version == "2.1"
    assert info["spam"].entries > 5 and info["spam"].error is None
    assert info["node"].title == "Node.js" and info["node"].source == str(node / "index.json")
    assert info["spam-docset"].kind == "dash" and info["spam-docset"].languages == ("python",)
    assert info["gone"].entries == 0
    assert info["gone"].error is not None and "missing.inv" in info["gone"].error

    assert lib.sets_for("python") == ["spam", "spam-docset"]
    hit = lib.lookup(["spam.eggs"], "python")
    assert hit is not None and hit.url == "https://spam.example/2.1/index.html#spam.eggs"
    assert hit.set_title == "Spam"
    assert lib.lookup(["spam.eggs"], "javascript") is None  # not a JavaScript set
    node_hit = lib.lookup(["nope", "path.join()"], "typescript")
    assert node_hit is not None and node_hit.url == "https://devdocs.io/node/path#pathjoin"

    # Ranked: the whole name, then the last part, then prefixes, then anywhere.
    names = [(r.name, r.set_id) for r in lib.search("heat")]
    assert names[:2] == [("spam.Pan.heat", "spam"), ("spam.Pan.heat", "spam-docset")]
    assert [r.name for r in lib.search("spam.p", sets=["spam"])] == ["spam.Pan", "spam.Pan.heat"]
    assert [r.name for r in lib.search("readf")] == ["fs.readFile()"]
    assert [r.name for r in lib.search("tin", sets=["spam"])] == [
        "spam.tins",
        "spam.tins.open_tin",
    ]
    assert lib.search("  ") == []
    assert lib.search("eggs", limit=1)[0].name == "spam.eggs"


async def test_languages_setting_picks_the_sets_for_a_language(
    tmp_path: Path, built: Built
) -> None:
    settings = DocsSettings(
        stdlib="off",
        sets=[
            DocSetSettings(id="a", kind="inventory", index=str(built.inventory), url="https://a/"),
            DocSetSettings(
                id="b",
                kind="inventory",
                index=str(built.inventory),
                url="https://b/",
                languages=["python"],
            ),
        ],
        languages={"python": ["a", "b"], "rst": ["b"]},
    )
    lib = library(tmp_path, settings)
    await lib.load()
    assert lib.sets_for("python") == ["a", "b"]
    hit = lib.lookup(["spam.eggs"], "python")
    assert hit is not None and hit.set_id == "a"  # the configured order
    hit = lib.lookup(["spam.eggs"], "rst")
    assert hit is not None and hit.set_id == "b"


async def test_inventory_is_fetched_once_then_works_offline(
    tmp_path: Path, built: Built, site: DocsSite
) -> None:
    site.publish("spam/2.1/objects.inv", built.inventory)
    url = f"{site.url}/spam/2.1/"
    settings = DocsSettings(
        stdlib="off",
        sets=[DocSetSettings(id="spam", kind="inventory", url=url, languages=["python"])],
    )
    first = library(tmp_path, settings)
    await first.load()
    hit = first.lookup(["spam.Pan"], "python")
    assert hit is not None and hit.url == f"{url}index.html#spam.Pan"
    assert site.fetches("spam/2.1/objects.inv") == [200]
    kept = tmp_path / "data" / "docs" / "spam" / "objects.inv"
    assert kept.read_bytes() == built.inventory.read_bytes()
    await first.aclose()

    # A new server process: the kept copy, no request at all.
    site.inject("reset", count=10)
    second = library(tmp_path, settings)
    await second.load()
    assert second.lookup(["spam.Pan"], "python") is not None
    assert site.fetches("spam/2.1/objects.inv") == [200]

    # Update Docs with the site unreachable: the kept copy stays in use.
    info = await second.update("spam")
    assert info[0].error is None and info[0].entries > 5
    assert second.lookup(["spam.Pan"], "python") is not None
    site.faults.clear()

    # Reachable again: revalidated with the stored ETag, an unchanged inventory is a 304.
    await second.update()
    assert site.fetches("spam/2.1/objects.inv")[-1] == 304
    assert site.fetches("spam/2.1/objects.inv")[0] == 200
    assert [s for s in site.fetches("spam/2.1/objects.inv") if s == 200] == [200]
    await second.aclose()


async def test_fetch_off_uses_only_what_is_installed(tmp_path: Path, site: DocsSite) -> None:
    settings = DocsSettings(
        stdlib="off",
        fetch=False,
        sets=[DocSetSettings(id="spam", kind="inventory", url=f"{site.url}/spam/")],
    )
    lib = library(tmp_path, settings)
    await lib.load()
    [info] = lib.sets()
    assert info.error is not None and "docs.fetch is off" in info.error
    assert site.log == []


async def test_a_site_answering_something_else_is_reported(tmp_path: Path, site: DocsSite) -> None:
    site.publish("spam/objects.inv", b"<html>Moved</html>")
    settings = DocsSettings(
        stdlib="off", sets=[DocSetSettings(id="spam", kind="inventory", url=f"{site.url}/spam")]
    )
    lib = library(tmp_path, settings)
    await lib.load()
    [info] = lib.sets()
    assert info.error is not None and "not a Sphinx inventory" in info.error


async def test_stdlib_auto_uses_the_inventory_once_it_is_fetched(
    tmp_path: Path, built: Built, site: DocsSite, stdlib_index: Path
) -> None:
    """The default set is configured by nobody, so nothing is fetched for it unasked: this
    interpreter's names serve until *Update Docs* brings docs.python.org's inventory, and
    from then on the inventory does."""
    with_stdlib(tmp_path, stdlib_index)
    settings = DocsSettings(stdlib="auto", stdlib_url=f"{site.url}/py/3/")
    site.publish("py/3/objects.inv", built.inventory)  # a real Sphinx inventory
    offline = library(tmp_path, settings)
    await offline.load()
    [info] = offline.sets()
    assert (info.id, info.kind, info.error) == ("python", "stdlib", None)
    assert "Update Docs" in info.source
    assert site.fetches("py/3/objects.inv") == []  # no request left the machine
    hit = offline.lookup(["json.loads"], "python")
    assert hit is not None
    assert hit.url.startswith("https://docs.python.org/3.") and hit.url.endswith(
        "/library/json.html#json.loads"
    )
    assert "Deserialize" in hit.summary and hit.summary.startswith("`loads(")

    [info] = await offline.update()  # the person asks
    assert (info.kind, info.source) == ("inventory", f"{site.url}/py/3/objects.inv")
    assert site.fetches("py/3/objects.inv") == [200]
    again = library(tmp_path, settings)  # a later start: the kept copy, still no request
    await again.load()
    hit = again.lookup(["spam.eggs"], "python")
    assert hit is not None and hit.url == f"{site.url}/py/3/index.html#spam.eggs"
    assert site.fetches("py/3/objects.inv") == [200]


async def test_stdlib_interpreter_index(tmp_path: Path, stdlib_index: Path) -> None:
    with_stdlib(tmp_path, stdlib_index)
    lib = library(tmp_path, DocsSettings(stdlib="interpreter"))
    await lib.load()
    root = stdlib.docs_root()

    def url(name: str) -> str:
        hit = lib.lookup([name], "python")
        assert hit is not None, name
        return hit.url

    assert url("os.path.join") == f"{root}library/os.path.html#os.path.join"
    assert url("len") == f"{root}library/functions.html#len"
    assert url("ValueError") == f"{root}library/exceptions.html#ValueError"
    assert url("str.join") == f"{root}library/stdtypes.html#str.join"
    assert url("collections.OrderedDict") == (
        f"{root}library/collections.html#collections.OrderedDict"
    )
    assert url("xml.etree.ElementTree.parse") == (
        f"{root}library/xml.etree.elementtree.html#xml.etree.ElementTree.parse"
    )
    # Defined in an undocumented submodule: docs.python.org's search, not a made-up page.
    assert url("asyncio.gather") == f"{root}search.html?q=asyncio.gather"
    # Implementation submodules whose names the package re-exports add nothing.
    assert lib.lookup(["asyncio.queues.Queue"], "python") is None
    assert lib.lookup(["ntpath.join"], "python") is None
    [info] = lib.sets()
    assert info.entries > 5000 and info.source == "this interpreter"


async def test_unknown_set_for_update(tmp_path: Path) -> None:
    from connectors.sdk.errors import TielineError

    lib = library(tmp_path, DocsSettings(stdlib="off"))
    with pytest.raises(TielineError, match="no documentation set 'nope'"):
        await lib.update("nope")


async def test_an_index_is_kept_until_its_source_changes(
    tmp_path: Path, built: Built, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from server.hub.docs import library as library_mod

    inv = tmp_path / "objects.inv"
    shutil.copy(built.inventory, inv)
    settings = DocsSettings(
        stdlib="off",
        sets=[
            DocSetSettings(
                id="spam", kind="inventory", index=str(inv), url="https://s/", languages=["py"]
            )
        ],
    )
    first = library(tmp_path, settings)
    await first.load()
    folder = tmp_path / "data" / "docs" / "index"
    [kept] = folder.glob("spam-*.sqlite")

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("the source was read again")

    # The next start opens the kept index: the inventory is not read again.
    monkeypatch.setattr(library_mod, "read_inventory", unread)
    second = library(tmp_path, settings)
    await second.load()
    hit = second.lookup(["spam.eggs"], "py")
    assert hit is not None and hit.url == "https://s/index.html#spam.eggs"
    assert second.sets()[0].entries == first.sets()[0].entries
    monkeypatch.undo()

    # A changed source (here only its time) is indexed again, and the old index goes.
    st = inv.stat()
    os.utime(inv, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    third = library(tmp_path, settings)
    await third.load()
    [rebuilt] = folder.glob("spam-*.sqlite")
    assert rebuilt != kept and third.lookup(["spam.eggs"], "py") is not None

    # A damaged index file is rebuilt rather than trusted.
    rebuilt.write_bytes(b"not a database")
    fourth = library(tmp_path, settings)
    await fourth.load()
    assert fourth.lookup(["spam.eggs"], "py") is not None


async def test_the_api_reads_the_workspace_configuration(
    tmp_path: Path, built: Built, tieline_home: Path
) -> None:
    """What the command line calls: the same layers as the server, the workspace's file too."""
    from server.hub.docs import search, update

    root = tmp_path / "ws"
    root.mkdir()
    (root / ".tieline.toml").write_text(
        '[docs]\nstdlib = "off"\n\n[[docs.sets]]\nid = "spam"\nkind = "inventory"\n'
        f'index = "{built.inventory}"\nurl = "https://spam.example/"\nlanguages = ["python"]\n'
    )
    results = await search("eggs", workspace=root, limit=3)
    assert [(r.name, r.set_id, r.url) for r in results] == [
        ("spam.eggs", "spam", "https://spam.example/index.html#spam.eggs")
    ]
    assert await search("eggs", workspace=root, language="javascript") == []
    [info] = await update(workspace=root)
    assert (info.id, info.title, info.error) == ("spam", "Spam", None)
    assert (tieline_home / "data" / "docs" / "index").is_dir()  # under TIELINE_HOME
