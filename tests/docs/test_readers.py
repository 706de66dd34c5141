"""The three index formats, read from real files: an ``objects.inv`` Sphinx wrote, a docset
doc2dash made from that build, and a DevDocs ``index.json``.

DevDocs publishes no schema for ``index.json``; the shape used here (``entries`` of
``name``/``path``/``type``, ``types`` of ``name``/``count``/``slug``) is the one its offline
download serves, as its own source (``lib/docs/core/doc.rb``, ``index_json``) writes it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from server.hub.docs.dash import DocsetError, read_docset
from server.hub.docs.devdocs import DevDocsError, read_index, read_meta
from server.hub.docs.inventory import InventoryError, read_inventory

from .sets import Built


def test_inventory_from_sphinx(built: Built) -> None:
    entries, project, version = read_inventory(
        built.inventory.read_bytes(), set_id="spam", base_url="https://spam.example/en/2.1"
    )
    assert (project, version) == ("Spam", "2.1")
    by = {e.name: e for e in entries}
    assert by["spam.eggs"].kind == "function"
    assert by["spam.eggs"].url == "https://spam.example/en/2.1/index.html#spam.eggs"
    assert by["spam.Pan.heat"].kind == "method"
    assert by["spam"].url.endswith("#module-spam")  # the "$" abbreviation expanded
    assert by["spam.tins.open_tin"].kind == "function"
    assert by["spamming"].kind == "term"
    assert by["genindex"].priority == 9  # Sphinx's -1: after everything else
    assert all(e.set_id == "spam" for e in entries)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an inventory", b"# Sphinx inventory version 2\n# Project: x\nbroken"],
)
def test_inventory_rejects_other_bytes(data: bytes) -> None:
    with pytest.raises(InventoryError):
        read_inventory(data, set_id="x", base_url="https://x.example/")


def test_docset_from_doc2dash(built: Built) -> None:
    info, entries = read_docset(built.docset, set_id="spam")
    assert info.title == "spam"
    assert "python" in info.languages  # doc2dash marks Sphinx builds of Python docs
    by = {e.name: e for e in entries}
    eggs = by["spam.eggs"]
    assert eggs.kind == "function"
    assert eggs.local is not None and eggs.local == eggs.url  # no fallback URL: local pages
    page = Path(eggs.local.removeprefix("file://").split("#")[0])
    assert page.is_file() and 'id="spam.eggs"' in page.read_text()
    assert by["spam.Pan"].kind == "class"


def test_docset_fallback_url_and_core_data_layout(tmp_path: Path) -> None:
    """An Apple-style docset (ZTOKEN tables) naming a fallback site."""
    docset = tmp_path / "Old.docset"
    res = docset / "Contents" / "Resources"
    (res / "Documents").mkdir(parents=True)
    (docset / "Contents" / "Info.plist").write_bytes(
        b'<?xml version="1.0"?><plist version="1.0"><dict>'
        b"<key>CFBundleName</key><string>Old Kit</string>"
        b"<key>DocSetPlatformFamily</key><string>swift</string>"
        b"<key>DashDocSetFallbackURL</key><string>https://old.example/docs</string>"
        b"</dict></plist>"
    )
    con = sqlite3.connect(res / "docSet.dsidx")
    con.executescript(
        """
        CREATE TABLE ZTOKENTYPE (Z_PK INTEGER PRIMARY KEY, ZTYPENAME VARCHAR);
        CREATE TABLE ZFILEPATH (Z_PK INTEGER PRIMARY KEY, ZPATH VARCHAR);
        CREATE TABLE ZTOKENMETAINFORMATION (Z_PK INTEGER PRIMARY KEY, ZFILE INTEGER,
            ZANCHOR VARCHAR);
        CREATE TABLE ZTOKEN (Z_PK INTEGER PRIMARY KEY, ZTOKENNAME VARCHAR, ZTOKENTYPE INTEGER,
            ZMETAINFORMATION INTEGER);
        INSERT INTO ZTOKENTYPE VALUES (1, 'func');
        INSERT INTO ZFILEPATH VALUES (1, 'kit/start.html');
        INSERT INTO ZTOKENMETAINFORMATION VALUES (1, 1, 'start');
        INSERT INTO ZTOKEN VALUES (1, 'start()', 1, 1);
        """
    )
    con.commit()
    con.close()
    info, entries = read_docset(docset, set_id="old")
    assert info.title == "Old Kit" and info.languages == ("swift",)
    [e] = entries
    assert (e.name, e.kind) == ("start()", "func")
    assert e.url == "https://old.example/docs/kit/start.html#start"
    assert e.local is not None and e.local.endswith("/Documents/kit/start.html#start")


def test_docset_errors_name_the_docset(tmp_path: Path) -> None:
    with pytest.raises(DocsetError, match=r"Nope\.docset: no readable Contents/Info\.plist"):
        read_docset(tmp_path / "Nope.docset", set_id="nope")


def test_devdocs_index(tmp_path: Path) -> None:
    folder = tmp_path / "python~3.12"
    folder.mkdir()
    (folder / "meta.json").write_text(
        json.dumps({"name": "Python", "slug": "python~3.12", "release": "3.12.1"})
    )
    index = {
        "entries": [
            {"name": "json.loads()", "path": "library/json#json.loads", "type": "json"},
            {"name": "os.path.join()", "path": "library/os.path#os.path.join", "type": "os.path"},
            {"name": "", "path": "x"},
        ],
        "types": [{"name": "json", "count": 1, "slug": "json"}],
    }
    meta = read_meta(folder, "fallback")
    assert (meta.slug, meta.title, meta.release, meta.languages) == (
        "python~3.12",
        "Python",
        "3.12.1",
        ("python",),
    )
    entries = read_index(
        json.dumps(index).encode(), set_id="py", base_url="https://devdocs.io/python~3.12"
    )
    assert [(e.name, e.url) for e in entries] == [
        ("json.loads()", "https://devdocs.io/python~3.12/library/json#json.loads"),
        ("os.path.join()", "https://devdocs.io/python~3.12/library/os.path#os.path.join"),
    ]
    with pytest.raises(DevDocsError):
        read_index(b'{"types": []}', set_id="py", base_url="https://devdocs.io/x/")
