"""Snippet search at every keystroke, and snippet completion over stdio beside the floor.

Run: ``python -m bench.snippets [SNIPPETS]``. Builds a library of SNIPPETS (10,000) generated
snippets -- titles, tags and bodies drawn from a programming vocabulary, spread over eight
languages -- in a temporary data directory, then measures:

* search, in process -- :meth:`SnippetLibrary.search` for every prefix of 300 words as they
  are typed ("c", "co", "con" ...), as the completion (language-filtered, 50 results) and as
  the panel (all languages, 200 results) ask it: p50 / p99 / max per keystroke;
* completion, over stdio -- ``textDocument/completion`` after ``snip:`` and each prefix of
  100 words, typed one keystroke at a time (a didChange, then the request) into
  ``python -m server serve`` with that library, from a client declaring ``snippetSupport``;
  the floor is ``bench/baseline_server.py`` answering the same 50-item list Tieline answered
  (so the floor pays the same serialization and parsing), alternating request by request.

Figures are printed, never asserted. Goals: search p99 <= 5 ms; completion <= 1.5x the floor.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.client import percentiles, plain, start, stop

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = 10_000
SEARCH_WORDS = 300
COMPLETION_WORDS = 100
TIELINE = [sys.executable, "-m", "server", "serve"]
BASELINE = [sys.executable, str(ROOT / "bench" / "baseline_server.py")]
LANGUAGES = ["python", "typescript", "javascript", "go", "rust", "java", "shellscript", ""]
_VOCAB_TEXT = (
    "connection pool retry backoff timeout cache invalidate logger format parse json yaml "
    "request response client server socket stream buffer reader writer file path directory "
    "config settings environment variable secret token header cookie session user account "
    "query insert update delete select transaction commit rollback migrate schema index "
    "thread async await future promise callback event emitter listener handler middleware "
    "router route controller view template render component state reducer action store "
    "test fixture mock assert expect benchmark profile trace metric counter gauge histogram "
    "docker container image volume network compose kubernetes deploy service ingress secret "
    "array list map set dict tuple queue stack heap tree graph node edge sort search filter "
    "reduce fold zip chunk batch paginate cursor offset limit hash encode decode encrypt"
)
VOCAB = _VOCAB_TEXT.split()


def make_snippet(rng: random.Random, n: int) -> dict[str, Any]:
    words = rng.sample(VOCAB, 4)
    body_lines = [
        f"def {words[0]}_{words[1]}_{n}(${{1:{words[2]}}}):",
        *(f"    {rng.choice(VOCAB)} = {rng.choice(VOCAB)}({rng.choice(VOCAB)})" for _ in range(8)),
        f"    return ${{2:{words[3]}}}$0",
    ]
    return {
        "title": " ".join(w.capitalize() for w in words[:3]) + f" {n}",
        "body": "\n".join(body_lines),
        "description": " ".join(rng.sample(VOCAB, 8)),
        "language": LANGUAGES[n % len(LANGUAGES)],
        "prefix": f"{words[0][:4]}{words[1][:3]}",
        "tags": rng.sample(VOCAB, 2),
    }


async def build(home: Path, count: int) -> float:
    """The library in ``home``'s database; seconds it took to add ``count`` snippets."""
    os.environ["TIELINE_HOME"] = str(home)
    from server.hub import paths
    from server.hub.snippets import SnippetLibrary
    from server.hub.store import Store

    rng = random.Random(7)
    t0 = time.perf_counter()
    async with Store.open(paths.database_file()) as store:
        lib = SnippetLibrary(store)
        async with store.transaction():
            for n in range(count):
                await lib.add(**make_snippet(rng, n), allow_secrets=True)
    return time.perf_counter() - t0


def keystrokes(words: list[str]) -> list[str]:
    return [w[:k] for w in words for k in range(1, len(w) + 1)]


async def search_in_process(home: Path) -> dict[str, tuple[float, float, float, int, float]]:
    from server.hub import paths
    from server.hub.snippets import SnippetLibrary
    from server.hub.store import Store

    rng = random.Random(11)
    typed = keystrokes([rng.choice(VOCAB) for _ in range(SEARCH_WORDS)])
    out: dict[str, tuple[float, float, float, int, float]] = {}
    async with Store.open(paths.database_file()) as store:
        lib = SnippetLibrary(store)
        for text in typed[:50]:  # warm the page cache
            await lib.search(text, language="python", limit=50)
        for label, kw in (
            ("completion (python, 50)", {"language": "python", "limit": 50}),
            ("panel (all, 200)", {"limit": 200}),
        ):
            samples: list[float] = []
            found = 0
            cpu = time.process_time()
            for text in typed:
                t = time.perf_counter()
                hits = await lib.search(text, **kw)  # type: ignore[arg-type]
                samples.append(time.perf_counter() - t)
                found += len(hits)
            cpu_ms = (time.process_time() - cpu) / len(typed) * 1000
            p50, p99 = percentiles(samples)
            out[label] = (p50, p99, max(samples) * 1000, found // len(typed), cpu_ms)
    return out


def _caps() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(snippet_support=True)
            )
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
    )


class Typist:
    """One document in one server, typed into keystroke by keystroke, completing after each."""

    def __init__(self, client: LanguageClient, path: Path) -> None:
        self.client = client
        self.uri = path.as_uri()
        self.version = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri, language_id="python", version=1, text="x = snip:\n"
                )
            )
        )

    async def type_and_complete(self, typed: str) -> tuple[float, Any]:
        line = f"x = snip:{typed}"
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=line + "\n")],
            )
        )
        params = types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri),
            position=types.Position(line=0, character=len(line)),
        )
        t = time.perf_counter()
        got = await self.client.text_document_completion_async(params)
        return time.perf_counter() - t, plain(got)


async def completion_over_stdio(home: Path, folder: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(home),
        TIELINE_LOG_LEVEL="warning",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
    )
    work = folder / "work"
    work.mkdir()
    rng = random.Random(13)
    typed = keystrokes([rng.choice(VOCAB) for _ in range(COMPLETION_WORDS)])
    tie, _ = await start(TIELINE, cwd=ROOT, env=env, root=work, capabilities=_caps())
    try:
        t_doc = Typist(tie, work / "main.py")
        for text in typed[:30]:  # warm-up
            await t_doc.type_and_complete(text)
        _, answer = await t_doc.type_and_complete("co")
        items = answer.get("items", []) if isinstance(answer, dict) else []
        payload = folder / "payload.json"
        payload.write_text(json.dumps({"completion": answer}))
        base_env = dict(env, BENCH_PAYLOAD=str(payload))
        base, _ = await start(BASELINE, cwd=ROOT, env=base_env, root=work, capabilities=_caps())
        try:
            b_doc = Typist(base, work / "main.py")
            for text in typed[:30]:
                await b_doc.type_and_complete(text)
            t_samples: list[float] = []
            b_samples: list[float] = []
            sizes: list[int] = []
            for text in typed:
                dt, got = await t_doc.type_and_complete(text)
                t_samples.append(dt)
                sizes.append(len(got.get("items", [])) if isinstance(got, dict) else 0)
                b_samples.append((await b_doc.type_and_complete(text))[0])
        finally:
            await stop(base)
    finally:
        await stop(tie)
    return {
        "tieline": percentiles(t_samples),
        "floor": percentiles(b_samples),
        "requests": len(typed),
        "items": len(items),
        "mean_items": sum(sizes) / len(sizes),
        "snippet_format": bool(items) and items[0].get("insertTextFormat") == 2,
    }


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tieline-bench-snippets-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        seconds = await build(home, count)
        print(f"snippets: a library of {count:,} snippets ({seconds:.1f} s to add them)")
        print(f"  search per keystroke, in process ({SEARCH_WORDS} words typed):")
        for label, (p50, p99, worst, found, cpu) in (await search_in_process(home)).items():
            print(
                f"    {label:<26} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   max {worst:6.2f} ms"
                f"   CPU {cpu:5.2f} ms/keystroke   ~{found} hits   goal p99 <= 5 ms"
            )
        print(
            f"    (1-minute load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        c = await completion_over_stdio(home, folder)
        (t50, t99), (b50, b99) = c["tieline"], c["floor"]
        print(
            f"  completion after snip:, over stdio ({c['requests']} keystrokes, "
            f"~{c['mean_items']:.0f} items each, as snippets: {c['snippet_format']}; "
            f"the floor answers the same {c['items']}-item list):"
        )
        print(f"    {'':<26}{'tieline':>10}{'floor':>10}{'ratio':>8}   goal")
        print(f"    {'p50':<26}{t50:>7.2f} ms{b50:>7.2f} ms{t50 / b50:>7.2f}x   <= 1.5x")
        print(f"    {'p99':<26}{t99:>7.2f} ms{b99:>7.2f} ms{t99 / b99:>7.2f}x   <= 1.5x")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    asyncio.run(run(int(args[0]) if args else SNIPPETS))


if __name__ == "__main__":
    main()
