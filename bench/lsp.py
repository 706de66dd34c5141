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
import itertools
import json
import os
import statistics
import subprocess
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

    def __init__(
        self, client: LanguageClient, init_s: float, synced: asyncio.Event, messages: list[str]
    ) -> None:
        self.client = client
        self.init_s = init_s
        self.synced = synced
        self.messages = messages  # window/showMessage texts, for the bench to report

    @property
    def pid(self) -> int:
        proc = self.client._server
        assert proc is not None
        return proc.pid


async def launch(cmd: list[str], s: Setup) -> Session:
    synced = asyncio.Event()
    messages: list[str] = []

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

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def _message(params: types.ShowMessageParams) -> None:
            messages.append(params.message)

        @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
        def _refresh(params: None) -> None:
            return None

    client, elapsed = await start(cmd, cwd=ROOT, env=s.env, root=s.root, configure=hook)
    return Session(client, elapsed, synced, messages)


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

    def __init__(self, client: LanguageClient, path: Path, text: str | None = None) -> None:
        self.client = client
        self.lines = (text or big_python()).splitlines()  # what is on disk at ``path``
        self.uri = open_doc(client, path, "\n".join(self.lines) + "\n")
        self.version = 1
        doc = types.TextDocumentIdentifier(uri=self.uri)
        self.lens_p = types.CodeLensParams(text_document=doc)
        self.link_p = types.DocumentLinkParams(text_document=doc)
        self.counts = (0, 0)
        self.answer: tuple[list[Any], list[Any]] = ([], [])

    async def pair(self) -> float:
        """Milliseconds for a codeLens request then a documentLink request, as an editor sends."""
        t0 = time.perf_counter()
        lenses = await self.client.text_document_code_lens_async(self.lens_p)
        links = await self.client.text_document_document_link_async(self.link_p)
        elapsed = (time.perf_counter() - t0) * 1000
        self.counts = (len(lenses or []), len(links or []))
        self.answer = (lenses or [], links or [])
        return elapsed

    def edit(self, k: int) -> None:
        """Change one comment line in the middle of the file, as typing does."""
        line = 2501 + 5 * k
        new = self.lines[line].replace(" for why", " for why, edited")
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


# -- sequential mode: three services, one server at a time ----------------------------------
#
# The concurrent run above keeps both servers up at once and alternates single hovers, so
# each server's tail is also the other one's (and the stand-in's, which runs in this very
# process). The sequential mode runs whole sessions in turn -- Tieline, bare pygls, Tieline,
# ... -- each in a fresh data directory, with the stand-ins in a process of their own, in a
# workspace attached to three services: GitHub (the clone's remote), a Jira site and a Linear
# workspace (tests/scenarios.py).

SESSIONS = 5
SCENARIO_ISSUES = 250  # more open GitHub issues in octo/app, for the mixed-service file
#: The hover document: one reference per service, hovered in turn.
THREE_PY = """import os

# Jira PROJ-7, Linear ENG-12 and GitHub #1: the three services of this workspace.
print(len(os.environ))
"""
THREE_AT = [
    (types.Position(line=2, character=THREE_PY.splitlines()[2].index(word) + 1), title)
    for word, title in (
        ("PROJ-7", "Checkout times out"),
        ("ENG-12", "Flaky login"),
        ("#1", "Crash on start"),
    )
]
JIRA_KEYS = 7  # PROJ-1..7 and ENG-1..12 exist in the scenario
LINEAR_KEYS = 12


def mixed_python() -> str:
    """BIG_LINES lines, every fifth a comment with one reference, the services in turn:
    GitHub ``#N``, Jira ``PROJ-N``, Linear ``ENG-N`` (BIG_REFS in all)."""
    lines: list[str] = []
    for i in range(BIG_LINES // 5):
        ref = (
            f"#{i // 3 % (SCENARIO_ISSUES + 2) + 1}",
            f"PROJ-{i // 3 % JIRA_KEYS + 1}",
            f"ENG-{i // 3 % LINEAR_KEYS + 1}",
        )[i % 3]
        lines += [
            f"def handler_{i}(request):",
            f"    # see {ref} for why",
            "    value = request.get('key') + 1",
            "    return compute(value)",
            "",
        ]
    return "\n".join(lines) + "\n"


def every_key_md() -> str:
    """Each item the mixed file names, once: opened first so that every card is cached."""
    keys = [f"#{n}" for n in range(1, SCENARIO_ISSUES + 3)]
    keys += [f"PROJ-{n}" for n in range(1, JIRA_KEYS + 1)]
    keys += [f"ENG-{n}" for n in range(1, LINEAR_KEYS + 1)]
    return "\n".join(f"- {k}" for k in keys) + "\n"


class Scenario:
    """The three stand-ins of tests/scenarios.py, serving from a child process (their contract
    checks spend that process's time, not the client's)."""

    def __init__(self, folder: Path) -> None:
        self.out = folder / "scenario.json"
        self.proc: subprocess.Popen[str] | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> Scenario:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.scenarios",
                "--out",
                str(self.out),
                "--github-issues",
                str(SCENARIO_ISSUES),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "scenario ready" not in line:
            raise RuntimeError(f"the scenario did not start: {line!r}")
        self.env = json.loads(self.out.read_text())["env"]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        out, _ = self.proc.communicate("", timeout=30)  # EOF on stdin: the scenario stops
        if self.proc.returncode:
            print("  the stand-ins saw requests their contracts reject:\n" + out)


def three_checkout(folder: Path, scenario_env: dict[str, str]) -> Setup:
    import git

    root = folder / "app"
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Bench")
        cw.set_value("user", "email", "bench@example.com")
    files = {"three.py": THREE_PY, "mixed.py": mixed_python(), "KEYS.md": every_key_md()}
    for name, text in files.items():
        (root / name).write_text(text)
    repo.index.add(list(files))
    repo.index.commit("init")
    repo.create_remote("origin", "https://github.com/octo/app.git")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_LOG_LEVEL="info",
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench-passphrase",
        **scenario_env,
    )
    return Setup(root=root, home=folder / "home", env=env)


_HOMES = itertools.count()


def fresh_home(s: Setup) -> Setup:
    """The same checkout and services with a new, empty data directory."""
    home = s.home.parent / f"home-{next(_HOMES)}"
    home.mkdir()
    return Setup(root=s.root, home=home, env=dict(s.env, TIELINE_HOME=str(home)))


def _hover_params(uri: str, pos: types.Position) -> types.HoverParams:
    return types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)


async def until_cards(client: LanguageClient, uri: str, patience: float = 60.0) -> float:
    """Hover each of the three references until each shows its card; seconds it took."""
    t0 = time.perf_counter()
    for pos, title in THREE_AT:
        while True:
            got = await client.text_document_hover_async(_hover_params(uri, pos))
            if got is not None and title in str(got.contents):
                break
            if time.perf_counter() - t0 > patience:
                raise RuntimeError(f"no card for {title!r}: {got}")
            await asyncio.sleep(0.02)
    return time.perf_counter() - t0


async def hover_session(cmd: list[str], s: Setup, n: int) -> tuple[list[float], float, bool]:
    """One session: ``n`` hovers back to back, the three references in turn, starting right
    after each reference first shows its card. Returns the samples, the seconds until the
    cards appeared, and whether the first sync was still running when the hovers began."""
    session = await launch(cmd, s)
    try:
        uri = open_doc(session.client, s.root / "three.py", THREE_PY)
        if cmd is TIELINE:
            waited = await until_cards(session.client, uri)
        else:
            waited = 0.0
            for pos, _ in THREE_AT:  # the bare server's card is there at once
                await session.client.text_document_hover_async(_hover_params(uri, pos))
        syncing = not session.synced.is_set()
        params = [_hover_params(uri, pos) for pos, _ in THREE_AT]
        samples: list[float] = []
        client = session.client
        for i in range(n):
            p = params[i % 3]
            t = time.perf_counter()
            await client.text_document_hover_async(p)
            samples.append(time.perf_counter() - t)
        if session.messages:
            print(f"  ({'tieline' if cmd is TIELINE else 'bare'} said: {session.messages})")
        return samples, waited, syncing
    finally:
        await stop(session.client)


def _med_range(values: list[float], fmt: str = ".2f") -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


async def sequential_hovers(s: Setup, sessions: int, n: int) -> None:
    t50: list[float] = []
    t99: list[float] = []
    b50: list[float] = []
    b99: list[float] = []
    waits: list[float] = []
    during_sync = 0
    for _ in range(sessions):
        for cmd, p50s, p99s in ((TIELINE, t50, t99), (BASELINE, b50, b99)):
            samples, waited, syncing = await hover_session(cmd, fresh_home(s), n)
            p50, p99 = percentiles(samples)
            p50s.append(p50)
            p99s.append(p99)
            if cmd is TIELINE:
                waits.append(waited)
                during_sync += syncing
    print(
        f"  hover, 3 services (PROJ-7, ENG-12, #1 in turn), {n} back to back right after the"
        f" cards appeared;\n  median (range) of {sessions} sessions each, fresh data directory"
        f" each, sessions taking turns:"
    )
    print(row("", "tieline", "bare pygls", "ratio", "goal"))
    for label, t, b in (("hover, p50", t50, b50), ("hover, p99", t99, b99)):
        ratio = statistics.median(t) / statistics.median(b)
        print(
            f"  {label:<40}{_med_range(t) + ' ms':>22}{_med_range(b) + ' ms':>22}"
            f"{ratio:>7.2f}x   <= 1.5x"
        )
    print(
        f"  (cards appeared {_med_range(waits, '.1f')} s after didOpen; the first sync was"
        f" still running in {during_sync} of {sessions} sessions when the hovers began)"
    )


async def lens_session(cmd: list[str], s: Setup, payload: Path | None) -> dict[str, Any]:
    """One session on the mixed-service file: every card cached first (Tieline), then the
    first codeLens + documentLink pair after didOpen, the same version again (median of 20),
    and after a one-line edit (median of 10)."""
    env = dict(s.env)
    if payload is not None and cmd is BASELINE:
        env["BENCH_PAYLOAD"] = str(payload)
    session = await launch(cmd, Setup(s.root, s.home, env))
    client = session.client
    try:
        if cmd is TIELINE:
            await asyncio.wait_for(session.synced.wait(), 60)
            # Every item the big file names into the index: lenses fetch the missing ones in
            # the background, 20 per request, and ask for a refresh when they arrive.
            keys_uri = open_doc(client, s.root / "KEYS.md", every_key_md(), "markdown")
            want = SCENARIO_ISSUES + 2 + JIRA_KEYS + LINEAR_KEYS
            p = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=keys_uri))
            deadline = time.perf_counter() + 60
            while len(await client.text_document_code_lens_async(p) or []) < want:
                if time.perf_counter() > deadline:
                    raise RuntimeError("the cards of the mixed file did not all load")
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
        doc = BigDoc(client, s.root / "mixed.py", mixed_python())
        first = await doc.pair()
        answer = doc.answer
        same = [await doc.pair() for _ in range(20)]
        edits: list[float] = []
        for k in range(10):
            doc.edit(k)
            edits.append(await doc.pair())
        return {
            "first": first,
            "same": statistics.median(same),
            "edit": statistics.median(edits),
            "counts": doc.counts,
            "answer": answer,
        }
    finally:
        await stop(client)


async def sequential_lenses(s: Setup, sessions: int, folder: Path) -> None:
    payload = folder / "payload.json"
    tie: list[dict[str, Any]] = []
    base: list[dict[str, Any]] = []
    for k in range(sessions):
        t = await lens_session(TIELINE, fresh_home(s), None)
        if k == 0:  # the floor answers exactly what Tieline answered for the first version
            lenses, links = t["answer"]
            payload.write_text(json.dumps({"lenses": lenses, "links": links}))
        tie.append(t)
        base.append(await lens_session(BASELINE, fresh_home(s), payload))
    lenses_n, links_n = tie[0]["counts"]
    print(
        f"  codeLens + documentLink, {BIG_LINES}-line Python file, {BIG_REFS} references of"
        f" GitHub, Jira and Linear\n  ({lenses_n} lenses + {links_n} links; the floor answers"
        f" the same payload; median (range) of {sessions} sessions):"
    )
    for label, key, goal in (
        ("first pair after didOpen", "first", "<= 3x"),
        ("same version (median of 20)", "same", "<= 1.2x"),
        ("after a one-line edit (median of 10)", "edit", "<= 1.2x"),
    ):
        tv = [r[key] for r in tie]
        bv = [r[key] for r in base]
        ratio = statistics.median(tv) / statistics.median(bv)
        print(
            f"  {'  ' + label:<40}{_med_range(tv, '.1f') + ' ms':>22}"
            f"{_med_range(bv, '.1f') + ' ms':>22}{ratio:>7.2f}x   {goal}"
        )


async def run_sequential(runs: int, n: int, sessions: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tieline-bench-") as tmp:
        folder = Path(tmp)
        with Scenario(folder) as scenario:
            s = three_checkout(folder, scenario.env)
            s.home.mkdir()
            print(
                "lsp (sequential): Tieline vs a bare pygls server, over stdio from pygls'"
                " LanguageClient, one server at a time; workspace: GitHub + Jira + Linear"
            )
            for cmd in (TIELINE, BASELINE):  # a throwaway start each: warm the disk cache
                await stop((await launch(cmd, fresh_home(s))).client)
            cold_t, cold_b = await cold_starts(fresh_home(s), runs)
            mt, mb = statistics.median(cold_t) * 1000, statistics.median(cold_b) * 1000
            print(row("", "tieline", "bare pygls", "ratio", "goal"))
            print(
                row(
                    f"cold start to initialize, median of {runs}",
                    f"{mt:.0f} ms",
                    f"{mb:.0f} ms",
                    f"{mt / mb:.2f}x",
                    "<= 1.5x",
                )
            )
            await sequential_hovers(s, sessions, n)
            await sequential_lenses(s, sessions, folder)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    concurrent = "--concurrent" in args
    if concurrent:
        args.remove("--concurrent")
    runs = int(args[0]) if args else RUNS
    n = int(args[1]) if len(args) > 1 else HOVERS
    sessions = int(args[2]) if len(args) > 2 else SESSIONS
    if concurrent:
        asyncio.run(run(runs, n))
    else:
        asyncio.run(run_sequential(runs, n, sessions))


if __name__ == "__main__":
    main()
