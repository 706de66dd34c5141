"""Docs look-up: hover with the Python standard library and two large docsets installed.

Run: ``python -m bench.docs [ENTRIES] [HOVERS] [SESSIONS]``. A temporary folder (no git
remote: no service, only docs) holding a 2,000-line Python file that imports from the
standard library and from two Dash docsets of ENTRIES entries each (default 200,000 --
generated straight into the docset format, ``Contents/Resources/docSet.dsidx`` with its
``searchIndex`` table, as Dash's own generator guide describes; doc2dash would take minutes
for that many). The standard library set is this interpreter's index, built once before the
sessions. ``python -m server serve`` is driven over stdio by pygls' own client; the floor is
the bare pygls server of ``bench/baseline_server.py`` answering a constant hover. Sessions take
turns (Tieline, floor, Tieline, ...), each with the same data directory, and HOVERS
sequential hovers cycle through positions: a stdlib name, a name of each docset read through
an ``import ... as``, and a variable that is no documented name (a miss). Figures (printed,
never asserted):

* first docs hover -- from the first hover sent (right after ``initialize``) to the first
  docs answer (a hover waits up to 10 s for the sets to load, then answers nothing and is
  asked again): in the first session every set is indexed (~400,000 docset rows read and
  written to the sets' SQLite indexes), later sessions open the kept indexes;
* hover p50 / p99 -- after that, against the floor;
* search p50 -- ``tieline.searchDocs`` over every set, for a whole name, a last part, a prefix
  and a substring;
* RSS -- the server's resident memory with every set loaded.
"""

from __future__ import annotations

import asyncio
import os
import plistlib
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.client import percentiles, rss_mb, start, stop

ROOT = Path(__file__).resolve().parents[1]
KITS = ("bigkit", "hugelib")
LOAD_PATIENCE = 120.0  # seconds to wait for the first docs hover
PER_MODULE = 400  # entries of one module: the module, its classes and their methods
MIN_ENTRIES = 20_000  # the hovered names (mod_42's Thing_11...) exist from this size on


def make_docset(folder: Path, name: str, entries: int) -> Path:
    """A Dash docset of ``entries`` Python-shaped names (modules, classes, methods)."""
    docset = folder / f"{name}.docset"
    res = docset / "Contents" / "Resources"
    (res / "Documents").mkdir(parents=True)
    with (docset / "Contents" / "Info.plist").open("wb") as fh:
        plistlib.dump(
            {
                "CFBundleIdentifier": name,
                "CFBundleName": name,
                "DocSetPlatformFamily": name,
                "DashDocSetFamily": "python",
                "isDashDocset": True,
            },
            fh,
        )
    con = sqlite3.connect(res / "docSet.dsidx")
    con.execute("CREATE TABLE searchIndex(id INTEGER PRIMARY KEY, name TEXT, type TEXT, path TEXT)")
    rows = []
    per_module = PER_MODULE
    for i in range(entries):
        m, k = divmod(i, per_module)
        module = f"{name}.mod_{m}"
        if k == 0:
            rows.append((module, "Module", f"mod_{m}.html#module-{module}"))
        elif k % 10 == 1:
            rows.append((f"{module}.Thing_{k}", "Class", f"mod_{m}.html#{module}.Thing_{k}"))
        else:
            owner = k - (k % 10) + 1
            full = f"{module}.Thing_{owner}.method_{k}"
            rows.append((full, "Method", f"mod_{m}.html#{full}"))
    con.executemany("INSERT INTO searchIndex(name, type, path) VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()
    return docset


def python_file(lines: int = 2000) -> tuple[str, list[types.Position]]:
    """The hovered file and the positions hovered, in turn."""
    head = [
        "import json",
        "import os.path",
        f"import {KITS[0]}.mod_7 as a",
        f"from {KITS[1]}.mod_42 import Thing_11 as Thing",
        "",
    ]
    body = []
    for i in range(lines - len(head)):
        body.append(
            f"value_{i} = json.loads(os.path.join('x', str({i}))) or a.Thing_21.method_23()"
            f" or Thing.method_15(value_{i})"
        )
    text = "\n".join(head + body) + "\n"
    positions = []
    for i in range(0, lines - len(head), 7):
        line = body[i]
        n = len(head) + i
        for word in ("loads", "join", "method_23", "method_15", f"value_{i}"):
            positions.append(types.Position(line=n, character=line.index(word) + 1))
    return text, positions


@dataclass
class Setup:
    root: Path
    env: dict[str, str]
    uri: str
    text: str
    positions: list[types.Position]


def setup(folder: Path, entries: int) -> Setup:
    root = folder / "app"
    root.mkdir()
    docsets = folder / "docsets"
    docsets.mkdir()
    for kit in KITS:
        make_docset(docsets, kit, entries)
    (root / ".tieline.toml").write_text(
        f'[docs]\nstdlib = "interpreter"\ndocset_dirs = ["{docsets}"]\n'
    )
    text, positions = python_file()
    path = root / "demo.py"
    path.write_text(text)
    home = folder / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        PYTHONPATH=str(ROOT),
        TIELINE_HOME=str(home),
        TIELINE_LOG_LEVEL="warning",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
    )
    return Setup(root=root, env=env, uri=path.as_uri(), text=text, positions=positions)


def _params(uri: str, pos: types.Position) -> types.HoverParams:
    return types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)


def _hook(client: LanguageClient) -> None:
    @client.feature("tieline/panel/changed")
    def _panels(params: object) -> None:
        return None  # a shell would re-fetch the Docs panel; the bench has none


async def session(cmd: list[str], s: Setup, n: int, *, tieline: bool) -> dict[str, object]:
    client, _ = await start(cmd, cwd=ROOT, env=s.env, root=s.root, configure=_hook)
    out: dict[str, object] = {}
    try:
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=s.uri, language_id="python", version=1, text=s.text
                )
            )
        )
        t0 = time.perf_counter()
        first = await client.text_document_hover_async(_params(s.uri, s.positions[0]))
        while tieline and first is None and time.perf_counter() - t0 < LOAD_PATIENCE:
            # A hover waits 10 s for the first load, then answers nothing; an editor asks again.
            first = await client.text_document_hover_async(_params(s.uri, s.positions[0]))
        out["first"] = time.perf_counter() - t0
        if tieline:
            assert first is not None, "no docs hover on json.loads"
            got = [
                await client.text_document_hover_async(_params(s.uri, p)) for p in s.positions[:5]
            ]
            assert [g is not None for g in got] == [True, True, True, True, False], got
        samples = []
        for i in range(n):
            p = s.positions[i % len(s.positions)]
            t = time.perf_counter()
            await client.text_document_hover_async(_params(s.uri, p))
            samples.append(time.perf_counter() - t)
        out["hovers"] = samples
        if tieline:
            proc = client._server
            assert proc is not None
            out["rss"] = rss_mb(proc.pid)
            searches = []
            for q in (f"{KITS[0]}.mod_7.Thing_21", "method_23", f"{KITS[1]}.mod_4", "thing_2"):
                t = time.perf_counter()
                await client.workspace_execute_command_async(
                    types.ExecuteCommandParams(command="tieline.searchDocs", arguments=[q])
                )
                searches.append(time.perf_counter() - t)
            out["search"] = searches
    finally:
        await stop(client)
    return out


async def run(entries: int, n: int, sessions: int) -> None:
    from server.hub.docs import stdlib

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        s = setup(Path(tmp), entries)
        made = time.perf_counter() - t
        home = Path(s.env["TIELINE_HOME"])
        await stdlib.load_or_build(home / "data" / "docs" / "stdlib")
        tie_cmd = [sys.executable, "-m", "server", "serve"]
        base_cmd = [sys.executable, str(ROOT / "bench" / "baseline_server.py")]
        tie: list[dict[str, object]] = []
        base: list[dict[str, object]] = []
        for _ in range(sessions):
            tie.append(await session(tie_cmd, s, n, tieline=True))
            base.append(await session(base_cmd, s, n, tieline=False))

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    t50 = [percentiles(r["hovers"])[0] for r in tie]  # type: ignore[arg-type]
    t99 = [percentiles(r["hovers"])[1] for r in tie]  # type: ignore[arg-type]
    b50 = [percentiles(r["hovers"])[0] for r in base]  # type: ignore[arg-type]
    b99 = [percentiles(r["hovers"])[1] for r in base]  # type: ignore[arg-type]
    first = [float(r["first"]) * 1000 for r in tie]  # type: ignore[arg-type]
    search = [percentiles(r["search"])[0] for r in tie]  # type: ignore[arg-type]
    rss = [float(r["rss"]) for r in tie]  # type: ignore[arg-type]
    print(
        f"sets: the standard library (this interpreter) + 2 docsets of {entries:,} entries "
        f"(made in {made:.1f} s); {n} hovers a session, {sessions} sessions each, taking turns"
    )
    print(f"{'':28} {'Tieline':>24} {'floor':>24} {'ratio':>6}")
    print(f"{'first docs hover, ms':28} {first[0]:>24.0f}   (session 1: indexes built)")
    if len(first) > 1:
        print(f"{'  later sessions, ms':28} {med(first[1:]):>24}   (indexes kept)")
    r50 = statistics.median(t50) / statistics.median(b50)
    r99 = statistics.median(t99) / statistics.median(b99)
    print(f"{'hover p50, ms':28} {med(t50):>24} {med(b50):>24} {r50:6.2f}")
    print(f"{'hover p99, ms':28} {med(t99):>24} {med(b99):>24} {r99:6.2f}")
    print(f"{'search p50, ms':28} {med(search):>24}")
    print(f"{'RSS, sets loaded, MB':28} {med(rss):>24}")


def main(argv: list[str]) -> None:
    entries = max(int(argv[0]) if argv else 200_000, MIN_ENTRIES)
    hovers = int(argv[1]) if len(argv) > 1 else 500
    sessions = int(argv[2]) if len(argv) > 2 else 3
    asyncio.run(run(entries, hovers, sessions))


if __name__ == "__main__":
    main(sys.argv[1:])
