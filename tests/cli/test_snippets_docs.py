"""``tieline snippets search|add|show`` and ``tieline docs QUERY``: the JSON a script reads,
the exit codes it tests (not found, usage, a secret refused, a broken docs set), and the
configuration read as the server reads it -- the snippet library in the data directory, the
documentation sets of the workspace's ``.tieline.toml``. The docs sets are DevDocs indexes in
the shape DevDocs serves (``{"entries": [{"name", "path", "type"}]}``), written here."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from server.exit_codes import EXIT_CONFIG, EXIT_NOT_FOUND, EXIT_PROBLEM, EXIT_SECRET, EXIT_USAGE
from tests.cli.conftest import base_env, spawn
from tests.cli.test_terminal import COLUMNS, on_pty, visible

#: The keys ``--json`` prints (README, "Command line"): a change here is a change of the
#: documented interface.
SNIPPET_KEYS = {
    "id", "title", "description", "language", "prefix", "tags", "body", "source", "created_at",
    "updated_at",
}  # fmt: skip
HIT_KEYS = {"id", "title", "description", "language", "prefix", "tags", "body", "score"}
LONG = "Retry an HTTP request with exponential backoff and a jitter that grows with each try"
CODE = """import time


def retry(call, tries=5):
    for n in range(tries):
        try:
            return call()
        except OSError:
            time.sleep(2 ** n)
    return call()
"""


@pytest.fixture
def env(tieline_home: Path) -> dict[str, str]:
    return base_env(tieline_home)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    (root / "retry.py").write_text(CODE)
    return root


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_add_from_a_file_range_then_search_and_show(
    run: Any, work: Path, env: dict[str, str]
) -> None:
    added = run(work, env, "snippets", "add", "--title", "retry", "--file", "retry.py:4-10",
                "--tag", "net", "--tag", "py", "--json")  # fmt: skip
    assert added.code == 0, added.err
    s = added.json["snippet"]
    assert set(s) == SNIPPET_KEYS
    assert s["title"] == "retry" and s["tags"] == ["net", "py"]
    assert s["language"] == "python"  # from the extension
    assert s["body"].startswith("def retry(call, tries=5):\n") and "import time" not in s["body"]
    assert s["body"].endswith("    return call()")
    assert s["source"] == {"uri": (work / "retry.py").as_uri(), "start_line": 3, "end_line": 10}

    found = run(work, env, "snippets", "search", "retr", "--json")
    assert found.code == 0 and set(found.json["snippets"][0]) == HIT_KEYS
    assert [(h["id"], h["title"], h["tags"]) for h in found.json["snippets"]] == [
        (s["id"], "retry", ["net", "py"])
    ]
    assert run(work, env, "snippets", "search", "--language", "go", "--json").json == {
        "snippets": []
    }  # a Python snippet is not offered for Go

    shown = run(work, env, "snippets", "show", s["id"], "--json")
    assert shown.code == 0 and shown.json["snippet"] == s
    card = run(work, env, "snippets", "show", s["id"])
    assert card.code == 0 and "retry" in card.out.splitlines()[0] and "#net" in card.out
    assert "        except OSError:" in card.out  # the body keeps its indentation
    body = run(work, env, "snippets", "show", s["id"], "--body")
    assert body.out == s["body"] + "\n"


def test_add_reads_stdin_escapes_code_and_keeps_templates(
    run: Any, work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, '    echo "$HOME"\n')
    plain = run(work, env, "snippets", "add", "--title", "home", "--language", "shellscript",
                "--json")  # fmt: skip
    assert plain.code == 0, plain.err
    got = plain.json["snippet"]
    assert got["body"] == 'echo "\\$HOME"'  # dedented; inserts exactly what was written
    assert got["language"] == "shellscript" and got["source"] is None

    stdin(monkeypatch, "for ${1:x} in ${2:xs}:\n    $0\n")
    tpl = run(work, env, "snippets", "add", "--title", "for loop", "--template")
    assert tpl.code == 0, tpl.err
    snippet_id = tpl.out.strip()  # without --json: the id alone, for id=$(...)
    assert tpl.out == snippet_id + "\n" and "saved" in tpl.err
    shown = run(work, env, "snippets", "show", snippet_id, "--json").json["snippet"]
    assert shown["body"] == "for ${1:x} in ${2:xs}:\n    $0" and shown["language"] == ""


def test_the_card_prints_no_terminal_escape_of_a_body(
    run: Any, work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, "print('hi')\x1b]52;c;aGk=\x07\n\tpass\x1b[2J\n")
    snippet_id = run(work, env, "snippets", "add", "--title", "t\x1b[31mred").out.strip()
    card = run(work, env, "snippets", "show", snippet_id)
    assert card.code == 0 and "\x1b" not in card.out and "\x07" not in card.out
    assert "print('hi')" in card.out and "\tpass" in card.out  # tabs are indentation: kept


def test_a_secret_is_refused_unless_allowed(
    run: Any, work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "ghp_" + "a1B2" * 9
    text = f'import requests\nAUTH = "{token}"\n'
    stdin(monkeypatch, text)
    refused = run(work, env, "snippets", "add", "--title", "call api", "--json")
    assert refused.code == EXIT_SECRET
    err = refused.json["error"]
    assert err["code"] == EXIT_SECRET and "line 2" in err["message"]
    assert err["findings"] == ["a GitHub token (line 2)"]  # the installed services' shapes
    assert "--allow-secret" in err["message"] and err["findings"]
    assert token not in refused.out + refused.err  # what and where, never the value
    assert run(work, env, "snippets", "search", "--json").json == {"snippets": []}  # not saved

    (work / "db.py").write_text('DB = connect(password="hunter22")\n')
    plain = run(work, env, "snippets", "add", "--title", "db", "--file", "db.py")
    assert plain.code == EXIT_SECRET and "a password (line 1)" in plain.err
    assert "hunter22" not in plain.out + plain.err and plain.out == ""

    stdin(monkeypatch, text)
    allowed = run(work, env, "snippets", "add", "--title", "call api", "--allow-secret", "--json")
    assert allowed.code == 0 and token in allowed.json["snippet"]["body"]


def test_snippet_exit_codes(
    run: Any, work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = run(work, env, "snippets", "show", "0123456789ab", "--json")
    assert missing.code == EXIT_NOT_FOUND
    assert missing.json["error"]["code"] == EXIT_NOT_FOUND
    none = run(work, env, "snippets", "search", "nothing", "--json")
    assert none.code == EXIT_NOT_FOUND and none.json == {"snippets": []}
    gone = run(work, env, "snippets", "add", "--title", "t", "--file", "nope.py", "--json")
    assert gone.code == EXIT_NOT_FOUND and "nope.py" in gone.json["error"]["message"]

    past = run(work, env, "snippets", "add", "--title", "t", "--file", "retry.py:8-40", "--json")
    assert past.code == EXIT_USAGE and "lines 1-10" in past.json["error"]["message"]
    stdin(monkeypatch, " \n\t\n")
    blank = run(work, env, "snippets", "add", "--title", "t", "--json")
    assert blank.code == EXIT_USAGE and "white space" in blank.json["error"]["message"]
    assert run(work, env, "snippets", "search", "--limit", "0").code == EXIT_USAGE

    no_title = spawn(work, env, "snippets", "add", "--file", "retry.py")  # argparse's own
    assert no_title.code == EXIT_USAGE and "--title" in no_title.err
    no_action = spawn(work, env, "snippets")
    assert no_action.code == EXIT_USAGE


def test_snippet_table_fits_the_terminal(
    run: Any, work: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, "backoff()\n")
    assert run(work, env, "snippets", "add", "--title", LONG, "--tag", "net").code == 0
    code, out = on_pty(work, env, "snippets", "search", "backoff")
    assert code == 0, out
    lines = out.splitlines()
    assert "\x1b[1m" in out and all(len(visible(line)) <= COLUMNS for line in lines), lines
    row = visible(next(line for line in lines if "#net" in line))
    assert "…" in row and LONG not in out  # the title is cut, the tags are not
    piped = spawn(work, env, "snippets", "search", "backoff")
    assert piped.code == 0 and "\x1b[" not in piped.out and LONG in piped.out


# -- docs --------------------------------------------------------------------------------------


def devdocs(root: Path, slug: str, entries: list[tuple[str, str, str]]) -> None:
    """A DevDocs set as its offline mode stores it: ``index.json`` and ``meta.json``."""
    folder = root / "docs" / slug
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"name": slug.title(), "slug": slug}))
    rows = [{"name": n, "path": p, "type": t} for n, p, t in entries]
    (folder / "index.json").write_text(json.dumps({"entries": rows, "types": []}))


NODE = [
    ("fs.readFile()", "fs#fsreadfile", "File system"),
    ("path.join()", "path#pathjoin", "Path"),
    ("path.resolve()", "path#pathresolve", "Path"),
]
TOML = """[docs]
stdlib = "off"
fetch = false

[[docs.sets]]
id = "node"
kind = "devdocs"
index = "docs/node"
languages = ["javascript"]
"""


@pytest.fixture
def docs_ws(work: Path) -> Path:
    devdocs(work, "node", NODE)
    (work / ".tieline.toml").write_text(TOML)
    return work


def test_docs_json_reads_the_workspace_sets(run: Any, docs_ws: Path, env: dict[str, str]) -> None:
    got = run(docs_ws, env, "docs", "path.join", "--json")
    assert got.code == 0, got.err
    first = got.json["results"][0]
    assert first == {
        "name": "path.join()",
        "kind": "Path",
        "url": "https://devdocs.io/node/path#pathjoin",
        "set_id": "node",
        "set_title": "Node",
        "summary": "",
        "local": None,
    }
    assert got.json["set_errors"] == []
    names = [r["name"] for r in run(docs_ws, env, "docs", "path", "--json").json["results"]]
    assert set(names) == {"path.join()", "path.resolve()"}
    one = run(docs_ws, env, "docs", "path", "--limit", "1", "--json").json["results"]
    assert len(one) == 1
    sub = docs_ws / "src"
    sub.mkdir()  # a subdirectory of the workspace reads the same .tieline.toml
    assert run(sub, env, "docs", "readFile", "--json").json["results"][0]["name"] == "fs.readFile()"


def test_docs_sets_and_languages_narrow_the_search(
    run: Any, docs_ws: Path, env: dict[str, str]
) -> None:
    devdocs(docs_ws, "deno", [("path.join()", "path/join", "Path")])
    (docs_ws / ".tieline.toml").write_text(
        TOML + '\n[[docs.sets]]\nid = "deno"\nkind = "devdocs"\nindex = "docs/deno"\n'
        'languages = ["typescript"]\n'
    )
    both = run(docs_ws, env, "docs", "path.join", "--json").json["results"]
    assert {r["set_id"] for r in both} == {"node", "deno"}
    only = run(docs_ws, env, "docs", "path.join", "--set", "deno", "--json").json["results"]
    assert [r["url"] for r in only] == ["https://devdocs.io/deno/path/join"]
    ts = run(docs_ws, env, "docs", "path.join", "--language", "typescript", "--json")
    assert [r["set_id"] for r in ts.json["results"]] == ["deno"]


def test_docs_exit_codes(run: Any, docs_ws: Path, env: dict[str, str], tmp_path: Path) -> None:
    none = run(docs_ws, env, "docs", "zzzz", "--json")
    assert none.code == EXIT_NOT_FOUND and none.json == {"results": [], "set_errors": []}
    unknown = run(docs_ws, env, "docs", "path", "--set", "django", "--json")
    assert unknown.code == EXIT_USAGE
    assert (
        "django" in unknown.json["error"]["message"] and "node" in unknown.json["error"]["message"]
    )

    (docs_ws / ".tieline.toml").write_text(
        TOML + '\n[[docs.sets]]\nid = "gone"\nkind = "inventory"\nindex = "missing.inv"\n'
    )
    broken = run(docs_ws, env, "docs", "path.join", "--json")
    assert broken.code == EXIT_PROBLEM  # found, but a set could not be read: said beside it
    assert broken.json["results"][0]["set_id"] == "node"
    assert [e["set"] for e in broken.json["set_errors"]] == ["gone"]
    assert "missing.inv" in broken.json["set_errors"][0]["message"] and "gone" in broken.err

    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / ".tieline.toml").write_text('[docs]\nstdlib = "off"\n')
    nothing = run(bare, env, "docs", "x", "--json")
    assert nothing.code == EXIT_CONFIG and "docs.sets" in nothing.json["error"]["message"]
    assert spawn(docs_ws, env, "docs").code == EXIT_USAGE  # no QUERY


def test_docs_table_fits_the_terminal(docs_ws: Path, env: dict[str, str]) -> None:
    long = "Buffer.prototype.readBigUInt64LE()"
    devdocs(docs_ws, "nodelong", [(long, "buffer#" + "x" * 80, "Buffer")])
    (docs_ws / ".tieline.toml").write_text(
        TOML + '\n[[docs.sets]]\nid = "nodelong"\nkind = "devdocs"\nindex = "docs/nodelong"\n'
    )
    code, out = on_pty(docs_ws, env, "docs", "readBigUInt64LE")
    assert code == 0, out
    lines = out.splitlines()
    assert "\x1b[1m" in out and all(len(visible(line)) <= COLUMNS for line in lines), lines
    row = visible(next(line for line in lines if long in line))
    assert row.endswith("…")  # the URL is cut to fit, the name is whole
    piped = spawn(docs_ws, env, "docs", "readBigUInt64LE")
    assert piped.code == 0 and "\x1b[" not in piped.out and "x" * 80 in piped.out
