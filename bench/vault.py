"""A Markdown vault of 10,000 notes: its index built, then completion, backlinks and rename
plans, in process and over stdio.

Run: ``python -m bench.vault [NOTES]``. Writes NOTES (10,000) generated notes into a
temporary folder with ``.obsidian/`` -- 50 folders, names of two or three words from a
programming vocabulary (some shared by several notes, so shortest-path link text matters),
each note with front matter tags on a third of them, three headings, a ``^block`` now and
then, and five to fifteen links (bare names, ``folder/name``, ``#heading``, embeds, Markdown
links) -- then measures:

* in process: the index built from disk (:func:`server.hub.mdnotes.vaults.read_chunk`, what
  the server runs in a thread chunk by chunk), then p50 / p99 of the completion list inside
  ``[[`` for every prefix of 100 note names as they are typed, of all backlinks of a note
  (500 notes), and of a rename plan (200 notes, each renamed to a name no note has);
* over stdio: ``python -m server serve`` on the vault, from a client declaring VS Code's
  completion and workspace-edit capabilities: time from ``initialized`` to the first
  completion that lists notes (the hub's opening plus the index), then ``textDocument/
  completion`` per keystroke (a didChange, then the request), ``textDocument/references`` on
  a link, and ``textDocument/rename`` (the whole WorkspaceEdit) -- p50 / p99.

Figures are printed, never asserted. Goals: completion and backlinks p99 <= 20 ms over stdio.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import JsonRPCResponseMessage

from bench.client import EditorProtocol, percentiles, plain, rss_mb, start, stop

ROOT = Path(__file__).resolve().parents[1]
NOTES = 10_000
FOLDERS = 50
TIELINE = [sys.executable, "-m", "server", "serve"]
VOCAB = [
    "pool",
    "retry",
    "backoff",
    "timeout",
    "cache",
    "logger",
    "parser",
    "request",
    "client",
    "server",
    "socket",
    "stream",
    "buffer",
    "reader",
    "writer",
    "config",
    "session",
    "account",
    "query",
    "schema",
    "index",
    "thread",
    "future",
    "promise",
    "event",
    "handler",
    "router",
    "view",
    "template",
    "state",
    "store",
    "fixture",
    "metric",
    "trace",
    "deploy",
    "service",
    "network",
    "volume",
    "graph",
    "node",
    "queue",
    "heap",
    "tree",
    "cursor",
    "batch",
    "token",
    "secret",
    "header",
    "cookie",
]


def _names(rng: random.Random, count: int) -> list[str]:
    out: list[str] = []
    for i in range(count):
        words = rng.sample(VOCAB, rng.choice((2, 2, 3)))
        # One in five names repeats in another folder: links must tell them apart.
        out.append(" ".join(words).capitalize() if i % 5 else f"Notes on {words[0]}")
    return out


def generate(root: Path, count: int, seed: int = 7) -> list[str]:
    """Write the vault; return every note's path from the root."""
    rng = random.Random(seed)
    (root / ".obsidian").mkdir(parents=True)
    names = _names(rng, count)
    paths: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(names):
        folder = f"area {i % FOLDERS}"
        path = f"{folder}/{name}.md"
        while path.casefold() in seen:
            path = f"{folder}/{name} {rng.randint(2, 999)}.md"
        seen.add(path.casefold())
        paths.append(path)
    for i, path in enumerate(paths):
        lines: list[str] = []
        if i % 3 == 0:
            lines += ["---", f"tags: [{rng.choice(VOCAB)}, area/{i % 7}]", "---"]
        lines.append(f"# {Path(path).stem}")
        for h in ("Context", "Decision", "Follow-up"):
            lines += ["", f"## {h}", ""]
            for _ in range(rng.randint(1, 3)):
                target = paths[rng.randrange(len(paths))]
                stem = Path(target).stem
                form = rng.random()
                if form < 0.5:
                    link = f"[[{stem}]]"
                elif form < 0.65:
                    link = f"[[{target[:-3]}#Decision|why]]"
                elif form < 0.75:
                    link = f"![[{stem}#Context]]"
                else:
                    rel = os.path.relpath(target, os.path.dirname(path)).replace(" ", "%20")
                    link = f"[see]({rel})"
                word = rng.choice(VOCAB)
                lines.append(f"The {word} work links to {link} and #{word} for now.")
            if rng.random() < 0.2:
                lines.append(f"A key point. ^b{i}")
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("\n".join(lines) + "\n")
    return paths


def in_process(root: Path, paths: list[str]) -> dict[str, Any]:
    from server.hub.mdnotes.rename import plan_rename
    from server.hub.mdnotes.vaults import read_chunk, walk
    from server.lsp.features.wikilinks import Vault, _Context, complete_notes

    vault = Vault(root)
    t0 = time.perf_counter()
    files = walk(root)
    for i in range(0, len(files), 500):
        for rel, note in read_chunk(root, files[i : i + 500]):
            if note is None:
                vault.index.put_file(rel)
            else:
                vault.index.put(rel, note)
    build = time.perf_counter() - t0
    vault.names()  # the completion list's names, built once per change of the index
    rng = random.Random(3)
    source = paths[0]
    comp: list[float] = []
    sizes: list[int] = []
    for path in rng.sample(paths, min(100, len(paths))):
        name = Path(path).stem
        for k in range(1, min(len(name), 12) + 1):
            ctx = _Context(0, False, name[:k], 2, 2 + k, 2 + k, False, "note", name[:k])
            t = time.perf_counter()
            got = complete_notes(vault, source, ctx, True, True)
            comp.append(time.perf_counter() - t)
            sizes.append(len(got.items))
    back: list[float] = []
    found = 0
    for path in rng.sample(paths, min(500, len(paths))):
        t = time.perf_counter()
        found += sum(1 for _ in vault.index.backlinks(path))
        back.append(time.perf_counter() - t)
    plans: list[float] = []
    edits = 0
    for path in rng.sample(paths, min(200, len(paths))):
        t = time.perf_counter()
        plan = plan_rename(vault.index, path, path[:-3] + " renamed.md")
        plans.append(time.perf_counter() - t)
        edits += plan.count
    return {
        "build": build,
        "files": len(files),
        "completion": percentiles(comp),
        "completion_n": len(comp),
        "items": sum(sizes) / len(sizes),
        "backlinks": percentiles(back),
        "mean_backlinks": found / len(back),
        "plan": percentiles(plans),
        "mean_edits": edits / len(plans),
    }


class JsonProtocol(EditorProtocol):
    """Raw results kept as the JSON they are. pygls reads an untyped result into nested
    namedtuples, a new class for every object (~100 µs each): for 50 completion items that
    is ~80 ms of the client's own, which no editor pays and which would hide the server."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        msg_id = data.get("id")
        if (
            msg_id is not None
            and "method" not in data
            and "error" not in data
            and msg_id in self._result_types
            and self._result_types[msg_id] is None
        ):
            del self._result_types[msg_id]
            return JsonRPCResponseMessage(
                id=msg_id, jsonrpc=data.get("jsonrpc", "2.0"), result=data.get("result")
            )
        return super().structure_message(data)


def _caps() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    insert_replace_support=True, label_details_support=True
                )
            )
        ),
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True,
                resource_operations=[types.ResourceOperationKind.Rename],
            )
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
    )


async def over_stdio(home: Path, root: Path, paths: list[str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(home),
        TIELINE_LOG_LEVEL="warning",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
        TIELINE_DOCS__STDLIB="off",
    )
    indexed = asyncio.Event()
    titles: dict[Any, str] = {}

    def configure(c: LanguageClient) -> None:
        @c.feature(types.PROGRESS)
        def progress(params: Any) -> None:
            value = plain(params.value) if hasattr(params, "value") else {}
            kind = value.get("kind") if isinstance(value, dict) else None
            if kind == "begin":
                titles[params.token] = value.get("title", "")
            elif kind == "end" and titles.get(params.token) == "Indexing notes":
                indexed.set()

    client: LanguageClient
    client, _ = await start(
        TIELINE,
        cwd=ROOT,
        env=env,
        root=root,
        capabilities=_caps(),
        configure=configure,
        protocol_cls=JsonProtocol,
    )
    t_init = time.perf_counter()
    try:
        path = root / "Scratch.md"
        path.write_text("")
        uri = path.as_uri()
        version = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="markdown", version=1, text="[[\n"
                )
            )
        )

        async def completion(line: str) -> tuple[float, Any]:
            nonlocal version
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangeWholeDocument(text=line + "\n")
                    ],
                )
            )
            params = types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=0, character=len(line)),
            )
            t = time.perf_counter()
            got = await client.text_document_completion_async(params)
            return time.perf_counter() - t, plain(got)

        async with asyncio.timeout(300):
            while True:
                _, got = await completion("[[")
                if isinstance(got, dict) and got.get("items"):
                    break
                await asyncio.sleep(0.05)
        first = time.perf_counter() - t_init
        await asyncio.wait_for(indexed.wait(), 300)
        ready = time.perf_counter() - t_init
        rng = random.Random(5)
        comp: list[float] = []
        for p in rng.sample(paths, min(40, len(paths))):
            name = Path(p).stem
            for k in range(1, min(len(name), 10) + 1):
                comp.append((await completion("See [[" + name[:k]))[0])
        # References and renames on a note that links to others: its own links.
        refs: list[float] = []
        renames: list[float] = []
        for p in rng.sample(paths, min(100, len(paths))):
            target = Path(p).stem
            text = f"[[{target}]]"
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            ident = types.TextDocumentIdentifier(uri=uri)
            pos = types.Position(line=0, character=3)
            t = time.perf_counter()
            await client.text_document_references_async(
                types.ReferenceParams(
                    text_document=ident,
                    position=pos,
                    context=types.ReferenceContext(include_declaration=False),
                )
            )
            refs.append(time.perf_counter() - t)
            t = time.perf_counter()
            await client.text_document_rename_async(
                types.RenameParams(text_document=ident, position=pos, new_name=target + " v2")
            )
            renames.append(time.perf_counter() - t)
        rss = rss_mb(client._server.pid) if client._server else float("nan")  # type: ignore[attr-defined]
    finally:
        await stop(client)
    return {
        "ready": ready,
        "first": first,
        "completion": percentiles(comp),
        "completion_n": len(comp),
        "references": percentiles(refs),
        "rename": percentiles(renames),
        "rss": rss,
    }


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tieline-bench-vault-") as tmp:
        folder = Path(tmp)
        root = folder / "vault"
        t = time.perf_counter()
        paths = generate(root, count)
        print(
            f"vault: {count:,} notes in {FOLDERS} folders "
            f"({time.perf_counter() - t:.1f} s to write)"
        )
        p = in_process(root, paths)
        print(f"  in process: index built in {p['build']:.2f} s ({p['files']:,} files)", flush=True)
        rows = [
            (
                f"completion in [[ ({p['completion_n']} keystrokes, ~{p['items']:.0f} items)",
                p["completion"],
            ),
            (f"backlinks of a note (~{p['mean_backlinks']:.1f} each)", p["backlinks"]),
            (f"rename plan (~{p['mean_edits']:.1f} edits each)", p["plan"]),
        ]
        for label, (p50, p99) in rows:
            print(f"    {label:<48} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms", flush=True)
        s = await over_stdio(folder / "home", root, paths)
        print(
            f"  over stdio: initialized to the first completion listing notes {s['first']:.2f} s,"
            f" to the index's $/progress end {s['ready']:.2f} s; RSS then {s['rss']:.0f} MB",
            flush=True,
        )
        rows = [
            (f"completion in [[ ({s['completion_n']} keystrokes)", s["completion"]),
            ("references (backlinks), 100 notes", s["references"]),
            ("rename (the WorkspaceEdit), 100 notes", s["rename"]),
        ]
        for label, (p50, p99) in rows:
            print(f"    {label:<48} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms", flush=True)
        print(
            f"    (1-minute load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    asyncio.run(run(int(args[0]) if args else NOTES))


if __name__ == "__main__":
    main()
