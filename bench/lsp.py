"""What the editor sees: Tieline over stdio from a real LSP client, beside a bare pygls server.

Run: ``python -m bench.lsp [RUNS] [HOVERS]``. Sets up a temporary git checkout whose remote is
github.com/octo/app, a GitHub stand-in on 127.0.0.1 with the repository's open issues, and
drives ``python -m server serve`` with pygls' own ``LanguageClient`` (bench.client). The floor,
``bench/baseline_server.py``, is a bare pygls server answering constant results; it is started
and measured in the same run, interleaved with Tieline so machine noise hits both alike.

Figures (printed, never asserted):

* cold start -- process spawn to the ``initialize`` result, RUNS runs each, median and p90;
* hover      -- after the first sync, on a reference to a mirrored issue: HOVERS sequential
                hovers after a warm-up, p50 / p99, against the baseline's constant hover;
* idle RSS   -- of the server process after initialize + an open document + the first sync;
* lenses + links -- ``textDocument/codeLens`` then ``textDocument/documentLink`` for an open
                5,000-line Python file with 1,000 references: the first pair after ``didOpen``
                (the scan included), the same version again, and after a one-line edit; the
                floor answers 1,000 constant lenses and links, so its figure is what pygls'
                serialization and the client's parsing cost by themselves.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.client import percentiles, rss_mb, start, stop
from tests.standin.github import GitHubStandIn, State

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "ghp_benchTOKENbench0123456789abcdefXYZ"
REPO = "octo/app"
ISSUES = 250  # open issues in the stand-in: mirrored by the first sync
RUNS = 10
HOVERS = 500
WARMUP = 50
BIG_LINES = 5000
BIG_REFS = 1000

TIELINE = [sys.executable, "-m", "server", "serve"]
BASELINE = [sys.executable, str(ROOT / "bench" / "baseline_server.py")]

SMALL_PY = """import os

# Fixes #1 once the loader is in.
x = 1
print(len(os.environ))  # see #2
"""
HOVER_AT = types.Position(line=2, character=8)  # inside "#1"


def big_python() -> str:
    """BIG_LINES lines; every fifth line a comment with one reference (BIG_REFS in all)."""
    lines: list[str] = []
    for i in range(BIG_LINES // 5):
        n = i % ISSUES + 1
        lines += [
            f"def handler_{i}(request):",
            f"    # see #{n} for why",
            "    value = request.get('key') + 1",
            "    return compute(value)",
            "",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Setup:
    root: Path
    home: Path
    env: dict[str, str]


def make_checkout(folder: Path, api_url: str) -> Setup:
    import git

    root = folder / "app"
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Bench")
        cw.set_value("user", "email", "bench@example.com")
    (root / "main.py").write_text(SMALL_PY)
    (root / "big.py").write_text(big_python())
    repo.index.add(["main.py", "big.py"])
    repo.index.commit("init")
    repo.create_remote("origin", "https://github.com/octo/app.git")
    home = folder / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(home),
        TIELINE_GITHUB_TOKEN=TOKEN,
        TIELINE_CONNECTORS__GITHUB__API_URL=api_url,
        TIELINE_LOG_LEVEL="info",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
    )
    return Setup(root=root, home=home, env=env)


class Session:
    """One started server, with an event set when its first sync's progress ends."""

    def __init__(self, client: LanguageClient, init_s: float, synced: asyncio.Event) -> None:
        self.client = client
        self.init_s = init_s
        self.synced = synced

    @property
    def pid(self) -> int:
        proc = self.client._server
        assert proc is not None
        return proc.pid


async def launch(cmd: list[str], s: Setup) -> Session:
    synced = asyncio.Event()

    def hook(client: LanguageClient) -> None:
        @client.feature(types.PROGRESS)
        def _progress(params: types.ProgressParams) -> None:
            value: Any = params.value
            kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
            if kind == "end":
                synced.set()

        @client.feature("tieline/panel/changed")
        def _panels(params: Any) -> None:
            return None  # a shell would re-fetch its panels; the bench has none

    client, elapsed = await start(cmd, cwd=ROOT, env=s.env, root=s.root, configure=hook)
    return Session(client, elapsed, synced)


def open_doc(client: LanguageClient, path: Path, text: str, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text
            )
        )
    )
    return uri


def p90(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    t = time.perf_counter()
    await fn()
    return time.perf_counter() - t


# -- the measurements -------------------------------------------------------------------------


async def cold_starts(s: Setup, runs: int) -> tuple[list[float], list[float]]:
    tieline: list[float] = []
    baseline: list[float] = []
    for _ in range(runs):
        for cmd, out in ((TIELINE, tieline), (BASELINE, baseline)):
            session = await launch(cmd, s)
            out.append(session.init_s)
            await stop(session.client)
    return tieline, baseline


async def hovers(
    tieline: LanguageClient, t_uri: str, baseline: LanguageClient, b_uri: str, n: int
) -> tuple[list[float], list[float]]:
    """``n`` sequential hovers on each server, alternating, so noise hits both alike."""

    def params(uri: str) -> types.HoverParams:
        return types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=HOVER_AT
        )

    t_params, b_params = params(t_uri), params(b_uri)
    for _ in range(WARMUP):
        await tieline.text_document_hover_async(t_params)
        await baseline.text_document_hover_async(b_params)
    got = await tieline.text_document_hover_async(t_params)
    assert got is not None and "Issue 1" in str(got.contents), "the reference was not resolved"
    t_samples: list[float] = []
    b_samples: list[float] = []
    for _ in range(n):
        t_samples.append(await timed(lambda: tieline.text_document_hover_async(t_params)))
        b_samples.append(await timed(lambda: baseline.text_document_hover_async(b_params)))
    return t_samples, b_samples


class BigDoc:
    """The 5,000-line file open in one server, and timed codeLens + documentLink pairs on it."""

    def __init__(self, client: LanguageClient, path: Path) -> None:
        self.client = client
        self.lines = big_python().splitlines()  # what make_checkout wrote to ``path``
        self.uri = open_doc(client, path, "\n".join(self.lines) + "\n")
        self.version = 1
        doc = types.TextDocumentIdentifier(uri=self.uri)
        self.lens_p = types.CodeLensParams(text_document=doc)
        self.link_p = types.DocumentLinkParams(text_document=doc)
        self.counts = (0, 0)

    async def pair(self) -> float:
        """Milliseconds for a codeLens request then a documentLink request, as an editor sends."""
        t0 = time.perf_counter()
        lenses = await self.client.text_document_code_lens_async(self.lens_p)
        links = await self.client.text_document_document_link_async(self.link_p)
        elapsed = (time.perf_counter() - t0) * 1000
        self.counts = (len(lenses or []), len(links or []))
        return elapsed

    def edit(self, k: int) -> None:
        """Change one comment line in the middle of the file, as typing does."""
        line = 2501 + 5 * k
        new = f"    # see #{k + 1} for why, edited"
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=line, character=0),
                            end=types.Position(line=line, character=len(self.lines[line])),
                        ),
                        text=new,
                    )
                ],
            )
        )
        self.lines[line] = new


async def lenses_and_links(docs: list[BigDoc]) -> list[dict[str, float]]:
    """Per server: the first pair after didOpen, the same version again (median of 20), and
    after a one-line edit (median of 10); the servers take turns at every step."""
    first = [await d.pair() for d in docs]
    same: list[list[float]] = [[] for _ in docs]
    for _ in range(20):
        for i, d in enumerate(docs):
            same[i].append(await d.pair())
    edits: list[list[float]] = [[] for _ in docs]
    for k in range(10):
        for i, d in enumerate(docs):
            d.edit(k)
            edits[i].append(await d.pair())
    return [
        {"first": first[i], "same": statistics.median(same[i]), "edit": statistics.median(edits[i])}
        for i in range(len(docs))
    ]


@dataclass
class Warm:
    hover: tuple[list[float], list[float]]  # tieline, baseline
    rss: tuple[float, float]
    big: list[dict[str, float]]  # tieline, baseline
    counts: tuple[int, int]  # Tieline's lenses and links


async def warm_run(s: Setup, n: int) -> Warm:
    """Both servers up at once, each with the small file open (Tieline after its first sync)."""
    tie = await launch(TIELINE, s)
    base = await launch(BASELINE, s)
    try:
        t_uri = open_doc(tie.client, s.root / "main.py", SMALL_PY)
        b_uri = open_doc(base.client, s.root / "main.py", SMALL_PY)
        await asyncio.wait_for(tie.synced.wait(), 60)
        await asyncio.sleep(1.0)  # let the first sync's follow-ups settle
        rss = rss_mb(tie.pid), rss_mb(base.pid)
        samples = await hovers(tie.client, t_uri, base.client, b_uri, n)
        docs = [BigDoc(tie.client, s.root / "big.py"), BigDoc(base.client, s.root / "big.py")]
        big = await lenses_and_links(docs)
        return Warm(samples, rss, big, docs[0].counts)
    finally:
        await stop(base.client)
        await stop(tie.client)


# -- the table --------------------------------------------------------------------------------


def row(label: str, tieline: str, baseline: str, ratio: str, goal: str) -> str:
    return f"  {label:<40}{tieline:>12}{baseline:>12}{ratio:>8}   {goal}"


async def run(runs: int, n: int) -> None:
    state = State()
    state.login = "octocat"
    state.tokens[TOKEN] = "octocat"
    state.seed({"bulk_issues": [{"repo": REPO, "count": ISSUES}]})
    # validate=False: the contract checks are the tests' job; here we measure the server.
    with (
        GitHubStandIn(state, validate=False) as gh,
        tempfile.TemporaryDirectory(prefix="tieline-bench-") as folder,
    ):
        s = make_checkout(Path(folder), gh.url)
        print(
            f"lsp: Tieline vs a bare pygls server, over stdio from pygls' LanguageClient "
            f"({runs} cold starts each, {n} hovers)"
        )
        # One throwaway start each so the first measured run does not pay for a cold disk cache.
        for cmd in (TIELINE, BASELINE):
            await stop((await launch(cmd, s)).client)
        cold_t, cold_b = await cold_starts(s, runs)
        warm = await warm_run(s, n)

    print(row("", "tieline", "bare pygls", "ratio", "goal"))
    mt, mb = statistics.median(cold_t) * 1000, statistics.median(cold_b) * 1000
    print(
        row(
            "cold start to initialize, median",
            f"{mt:.0f} ms",
            f"{mb:.0f} ms",
            f"{mt / mb:.2f}x",
            "<= 1.5x",
        )
    )
    pt, pb = p90(cold_t) * 1000, p90(cold_b) * 1000
    print(
        row("cold start to initialize, p90", f"{pt:.0f} ms", f"{pb:.0f} ms", f"{pt / pb:.2f}x", "")
    )
    t50, t99 = percentiles(warm.hover[0])
    b50, b99 = percentiles(warm.hover[1])
    print(row("hover, p50", f"{t50:.2f} ms", f"{b50:.2f} ms", f"{t50 / b50:.2f}x", "<= 1.5x"))
    print(row("hover, p99", f"{t99:.2f} ms", f"{b99:.2f} ms", f"{t99 / b99:.2f}x", "<= 1.5x"))
    print(
        row(
            "idle RSS after first sync",
            f"{warm.rss[0]:.1f} MB",
            f"{warm.rss[1]:.1f} MB",
            "",
            "<= 80 MB",
        )
    )
    tb, bb = warm.big
    lenses, links = warm.counts
    print(
        f"  codeLens + documentLink, {BIG_LINES}-line file, {BIG_REFS} references\n"
        f"  ({lenses} lenses + {links} links; the floor answers 1,000 constant ones of each):"
    )
    for label, key in (
        ("first pair after didOpen", "first"),
        ("same version (median of 20)", "same"),
        ("after a one-line edit (median of 10)", "edit"),
    ):
        t, b = tb[key], bb[key]
        print(row("  " + label, f"{t:.1f} ms", f"{b:.1f} ms", f"{t / b:.2f}x", "<= 30 ms"))


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else RUNS
    n = int(args[1]) if len(args) > 1 else HOVERS
    asyncio.run(run(runs, n))


if __name__ == "__main__":
    main()
