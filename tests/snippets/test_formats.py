"""Import and export: VS Code's published snippet files (tests/snippets/data/vscode, see its
PROVENANCE), a commented user snippet file and a scoped .code-snippets file, and the plain
folder layout -- each round trip gives back the same JSON value or the same snippets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import json5
import pytest

from connectors.sdk.errors import FormatError
from connectors.sdk.models import SnippetSource
from server.hub.snippets import SnippetLibrary
from server.hub.snippets.formats import folder, import_drafts, vscode
from server.hub.snippets.variables import plain_text
from server.hub.store import Store

DATA = Path(__file__).parent / "data"
#: Each published file and the language its extension contributes it for.
PUBLISHED = {
    "javascript.code-snippets": "javascript",
    "typescript.code-snippets": "typescript",
    "markdown.code-snippets": "markdown",
    "c.code-snippets": "c",
    "csharp.code-snippets": "csharp",
}


@pytest.fixture
async def lib(tmp_path: Path) -> AsyncIterator[SnippetLibrary]:
    async with Store.open(tmp_path / "t.db") as s:
        yield SnippetLibrary(s)


@pytest.mark.parametrize(("name", "language"), sorted(PUBLISHED.items()))
async def test_published_files_round_trip(lib: SnippetLibrary, name: str, language: str) -> None:
    path = DATA / "vscode" / name
    original = json5.loads(path.read_text())
    report = await import_drafts(lib, vscode.read(path, language=language))
    assert len(report.added) == len(original) and not report.flagged
    stored = await lib.all()
    assert {s.language for s in stored} == {language}
    exported = json.loads(vscode.dumps(stored, language=language))
    assert exported == original
    # the same file again adds nothing
    again = await import_drafts(lib, vscode.read(path, language=language))
    assert again.added == [] and len(again.unchanged) == len(original)


async def test_imported_snippets_are_searchable_and_complete(lib: SnippetLibrary) -> None:
    await import_drafts(
        lib, vscode.read(DATA / "vscode" / "javascript.code-snippets", language="javascript")
    )
    hits = await lib.search("for", language="javascript")
    assert hits[0].snippet.title.startswith("For")
    loop = next(h.snippet for h in hits if h.snippet.title == "For Loop")
    assert loop.prefix == "for"
    assert plain_text(loop.body).startswith("for (let index = 0; index < array.length; index++) {")
    assert await lib.search("for", language="python") == []


@pytest.mark.parametrize("name", ["python.json", "project.code-snippets"])
async def test_commented_files_round_trip(lib: SnippetLibrary, name: str) -> None:
    path = DATA / "jsonc" / name
    original = json5.loads(path.read_text())
    await import_drafts(lib, vscode.read(path))
    stored = await lib.all()
    language = "python" if name == "python.json" else None
    assert json.loads(vscode.dumps(stored, language=language)) == original


async def test_what_a_commented_file_becomes(lib: SnippetLibrary) -> None:
    drafts = {d.title: d for d in vscode.read(DATA / "jsonc" / "python.json")}
    main = drafts["Main guard"]
    assert main.language == "python" and main.prefix == "ifmain"
    assert main.body == 'if __name__ == "__main__":\n\t${1:main}()$0'
    assert drafts["Dataclass"].description == "A dataclass\nwith one field"
    assert drafts["File template"].prefix == ""
    assert (
        drafts["Line with a newline in it"].meta["vscode"]["name"] == "Line with a newline in it "
    )
    scoped = {d.title: d for d in vscode.read(DATA / "jsonc" / "project.code-snippets")}
    assert scoped["Log both"].language == "javascript,typescript"
    assert scoped["Anywhere"].language == ""


async def test_tieline_snippets_export_to_vscode(lib: SnippetLibrary) -> None:
    await lib.add(
        title="Retry", body="for i in range(${1:3}):\n\t$0", language="python", prefix="rt"
    )
    await lib.add(title="Retry", body="again", language="python", description="second")
    out = json.loads(vscode.dumps(await lib.all()))
    assert set(out) == {"Retry", "Retry (2)"}  # names are keys: kept unique
    by_prefix = {v["prefix"]: v for v in out.values()}
    assert by_prefix == {
        "rt": {"prefix": "rt", "body": ["for i in range(${1:3}):", "\t$0"], "scope": "python"},
        "Retry": {"prefix": "Retry", "body": ["again"], "description": "second", "scope": "python"},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{ not json", "not JSON with comments"),
        ("[1, 2]", "an object of named snippets"),
        ('{"a": 1}', "snippet 'a' is not an object"),
        ('{"a": {"prefix": "x"}}', "snippet 'a' has no body"),
        ('{"a": {"body": 3}}', "body must be a string or an array"),
        ('{"a": {"body": "x", "scope": ["py"]}}', "scope must be a string"),
    ],
)
def test_bad_files_say_where(text: str, message: str) -> None:
    with pytest.raises(FormatError, match=message) as err:
        vscode.parse(text, file_name="mine.code-snippets")
    assert "mine.code-snippets" in err.value.message


async def test_folder_round_trip_keeps_everything(lib: SnippetLibrary, tmp_path: Path) -> None:
    await import_drafts(lib, vscode.read(DATA / "jsonc" / "python.json"))
    await lib.add(
        title="Shell: env / path",
        body="echo $HOME\r\nexport PATH=${1:/usr/bin}\n",
        language="shellscript",
        tags=["shell", "env"],
        description="CRLF kept",
        source=SnippetSource(uri="file:///w/x.sh", start_line=1, end_line=3),
        meta={"folder": "ops"},
    )
    await lib.add(title="Notes", body="plain *text*", tags=[])
    before = sorted(await lib.all(), key=lambda s: s.id)
    out = tmp_path / "vault"
    files = folder.write(out, before)
    assert (
        out / "ops" / "Shell-env-path.sh"
    ).read_bytes() == b"echo $HOME\r\nexport PATH=${1:/usr/bin}\n"
    assert (out / "Inbox" / "Notes.txt").exists() and len(files) == len(before)

    async with Store.open(tmp_path / "other.db") as other:
        lib2 = SnippetLibrary(other)
        report = await import_drafts(lib2, folder.read(out))
        assert len(report.added) == len(before)
        after = sorted(await lib2.all(), key=lambda s: s.id)
    assert after == before
    # exporting again into the same folder rewrites the same files, adds none
    assert sorted(folder.write(out, before)) == sorted(files)


async def test_folder_files_added_by_hand(lib: SnippetLibrary, tmp_path: Path) -> None:
    root = tmp_path / "vault"
    (root / "docker").mkdir(parents=True)
    (root / "docker" / "run_clean.sh").write_text("docker run --rm $IMAGE\n")
    (root / "loose.py").write_text("print(1)\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n")
    drafts = {d.title: d for d in folder.read(root)}
    assert set(drafts) == {"run clean", "loose"}
    run = drafts["run clean"]
    assert run.language == "shellscript" and run.tags == ("docker",)
    assert plain_text(run.body) == "docker run --rm $IMAGE\n"  # taken literally
    report = await import_drafts(lib, drafts.values())
    assert len(report.added) == 2
    again = await import_drafts(lib, folder.read(root))
    assert again.added == [] and len(again.unchanged) == 2


async def test_folder_import_holds_back_secrets_and_conflicts(
    lib: SnippetLibrary, tmp_path: Path
) -> None:
    root = tmp_path / "vault"
    (root / "Inbox").mkdir(parents=True)
    (root / "Inbox" / "key.pem").write_text("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n")
    (root / "Inbox" / "ok.txt").write_text("fine\n")
    report = await import_drafts(lib, folder.read(root))
    assert [t for t, _ in report.flagged] == ["key"] and report.flagged[0][1] == (
        "a private key (line 1)",
    )
    assert len(report.added) == 1 and await lib.count() == 1

    s = await lib.add(title="Mine", body="local")
    folder.write(root, [s])
    await lib.update(s.id, body="changed here")
    clash = await import_drafts(lib, folder.read(root))
    assert clash.conflicts == ["Mine"] and (await lib.get(s.id)).body == "changed here"


def test_bad_folders_say_what(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not a folder"):
        folder.read(tmp_path / "missing")
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "snippets.json").write_text("{oops")
    with pytest.raises(FormatError, match=r"snippets\.json is not JSON"):
        folder.read(tmp_path / "v")
    (tmp_path / "v" / "snippets.json").write_text('{"a.txt": {"id": "x"}}')
    (tmp_path / "v" / "a.txt").write_text("x")
    with pytest.raises(FormatError, match=r"the entry for a\.txt is not valid"):
        folder.read(tmp_path / "v")
    (tmp_path / "v" / "snippets.json").write_text("{}")
    (tmp_path / "v" / "b.bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(FormatError, match=r"b\.bin is not UTF-8"):
        folder.read(tmp_path / "v")


async def test_the_cli_import_and_export(tmp_path: Path) -> None:
    from server.hub import snippets

    async with Store.open(tmp_path / "t.db") as store:
        report = await snippets.import_files(
            store, DATA / "vscode" / "javascript.code-snippets", language="javascript"
        )
        assert len(report.added) == len(
            json5.loads((DATA / "vscode" / "javascript.code-snippets").read_text())
        )
        out = tmp_path / "javascript.json"
        n = await snippets.export_files(store, out, language="javascript")
        assert n == len(report.added)
        assert json.loads(out.read_text()) == json5.loads(
            (DATA / "vscode" / "javascript.code-snippets").read_text()
        )
        assert await snippets.export_files(store, tmp_path / "vault", fmt="folder") == n
        assert (tmp_path / "vault" / "snippets.json").exists()
        with pytest.raises(FormatError, match=r"import a \.code-snippets"):
            await snippets.import_files(store, tmp_path / "notes.txt")
