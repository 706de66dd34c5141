"""Start-up stays flat: the connectors installed today vs 40 more, beside each other.

Run: ``python -m bench.startup [RUNS] [EXTRA]``. Both servers are Tieline (``python -m server
serve``) in the same checkout as :mod:`bench.lsp` (a clone of github.com/octo/app, the GitHub
stand-in with its 250 open issues); the second one also finds EXTRA synthetic connectors
(default 40) registered through the ``tieline.connectors`` entry-point group, the way a
third-party package would be. They come from a throwaway distribution written to a temporary
folder -- one package per connector, each with a ``manifest.toml`` and a ``connector.py``,
plus one ``*.dist-info`` whose ``entry_points.txt`` names them all -- which is put on the
server's ``PYTHONPATH``: ``importlib.metadata.entry_points()`` finds a dist-info anywhere on
``sys.path``, so the shared virtual environment is never touched.

The synthetic connectors look like real ones to the hub: every attachment kind (remote hosts
nobody's clone is on, a site nobody configured, an account nobody signed in to), auth
methods with token patterns, a rate-limit policy, a reference pattern, a URL pattern, web-URL
templates and settings of their own. None of them gets a session, so none of their code may
be imported; each ``connector.py`` leaves a file in the folder ``$TIELINE_BENCH_IMPORTED_DIR``
names when it is, and the bench says which were.

Figures (printed, never asserted), RUNS runs of each, the two kinds of server taking turns:

* cold start -- process spawn to the ``initialize`` result, median (min-max);
* idle RSS   -- after initialize, an open document and the first sync (and 1 s to settle);
* first sync -- from the initialize result to the end of the first sync's ``$/progress``: the
                hub opening (every manifest read, every connector's settings typed), its
                sessions connecting and GitHub's first sync -- when cards become real.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.client import rss_mb, stop
from bench.lsp import (
    ISSUES,
    REPO,
    SMALL_PY,
    TIELINE,
    TOKEN,
    Setup,
    launch,
    make_checkout,
    open_doc,
)
from tests.standin.github import GitHubStandIn, State

RUNS = 7
EXTRA = 40
DIST = "tieline_synthetic_connectors"
MARKER = "TIELINE_BENCH_IMPORTED_DIR"  # where an imported synthetic connector leaves a mark

_KINDS = ("remote", "site", "account")

_MANIFEST = """\
id = "{id}"
name = "Synthetic {n:02d}"
version = "0.1.0"
description = "A synthetic {kind}-attached tracker: Tieline's start-up benchmark installs 40."
docs = "https://syn{n:02d}.example.com/docs"
capabilities = ["IssueTracker"]
api_url = "https://api.syn{n:02d}.example.com/v2"
web_url = "https://syn{n:02d}.example.com"

[attach]
kind = "{kind}"
{hosts}
[auth]
methods = ["pkce", "token"]
token_env = "TIELINE_{ID}_TOKEN"
token_help = "Create a token under Settings > Tokens."
token_patterns = ['\\bsyn{n:02d}_[A-Za-z0-9]{{24,}}']

[auth.headers]
token = "Authorization: Token {{token}}"

[auth.oauth2]
client_id = "synthetic-{n:02d}"
authorize_url = "https://syn{n:02d}.example.com/oauth/authorize"
token_url = "https://syn{n:02d}.example.com/oauth/token"
revocation_url = "https://syn{n:02d}.example.com/oauth/revoke"

[[auth.oauth2.scopes]]
name = "read"
why = "Read the items you can see, for hovers and lenses."

[[auth.oauth2.scopes]]
name = "write"
why = "Create items and comments when you ask."

[rate_limit]
requests_per_second = 4.0
burst = 20
remaining_header = "x-rate-remaining"
limit_header = "x-rate-limit"
reset_header = "x-rate-reset"
reset_format = "seconds"

[[rate_limit.budgets]]
name = "points"
remaining_header = "x-points-remaining"
limit_header = "x-points-limit"
reset_header = "x-points-reset"

[[references]]
kind = "issue"
regex = '(?<![\\w-])(?P<key>(?P<scope>S{n:02d}[A-Z]{{1,3}})-(?P<number>\\d{{1,6}}))\\b'
description = "S{n:02d}AB-12: an item of one of your projects"
scope = "{scope}"
known_scopes = true

[[urls]]
kind = "issue"
path = '^/items/(?P<key>(?P<scope>S{n:02d}[A-Z]{{1,3}})-(?P<number>\\d{{1,6}}))/?$'

[web_urls]
issue = "{{web}}/items/{{key}}"

[[config]]
name = "project_filter"
type = "list"
default = []
description = "Only these projects' items (empty: all)."

[[config]]
name = "page_size"
type = "integer"
default = 50
description = "Items per page when syncing."

[[config]]
name = "status_style"
type = "string"
default = "short"
choices = ["short", "long"]
description = "How lens titles show an item's status."

[setting_help]
api_url = "REST base URL; https://HOST/api/v2 for a self-hosted server."
"""

_CONNECTOR = '''\
"""Synthetic connector {n:02d}: a class that exists so that importing it can be noticed."""

import os
from pathlib import Path

from connectors.sdk import Connector

# Leave a mark where the benchmark looks: this module must not be imported at start-up.
Path(os.environ["{marker}"], "{id}").touch()


class Synthetic{n:02d}Connector(Connector):
    async def list_issues(self, which, *, scope=None, cursor=None):
        raise NotImplementedError

    async def get_issue(self, ref):
        raise NotImplementedError

    async def search_issues(self, query, *, scope=None, cursor=None):
        raise NotImplementedError

    async def create_issue(self, scope, title, body="", *, labels=()):
        raise NotImplementedError

    async def add_comment(self, ref, body):
        raise NotImplementedError
'''


def write_distribution(folder: Path, count: int = EXTRA) -> Path:
    """A throwaway distribution of ``count`` connectors under ``folder``; put the returned
    folder on ``PYTHONPATH`` to install them for one process."""
    site = folder / "site"
    entries: list[str] = []
    records: list[str] = []
    for n in range(count):
        cid = f"synthetic{n:02d}"
        kind = _KINDS[n % len(_KINDS)]
        hosts = (
            f'hosts = ["git.syn{n:02d}.example.com"]\napi_path = "/api/v2"\n'
            if kind == "remote"
            else ""
        )
        scope = {"remote": "repo", "site": "site", "account": "account"}[kind]
        pkg = site / f"{DIST}_{n:02d}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text(f'"""Synthetic connector {n:02d}."""\n')
        (pkg / "manifest.toml").write_text(
            _MANIFEST.format(id=cid, ID=cid.upper(), n=n, kind=kind, hosts=hosts, scope=scope)
        )
        (pkg / "connector.py").write_text(_CONNECTOR.format(n=n, id=cid, marker=MARKER))
        entries.append(f"{cid} = {pkg.name}.connector:Synthetic{n:02d}Connector")
        records += [f"{pkg.name}/{f},," for f in ("__init__.py", "manifest.toml", "connector.py")]
    info = site / f"{DIST}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {DIST}\nVersion: 0.1.0\n"
        "Summary: Synthetic connectors for Tieline's start-up benchmark\n"
    )
    (info / "entry_points.txt").write_text("[tieline.connectors]\n" + "\n".join(entries) + "\n")
    (info / "top_level.txt").write_text("\n".join(f"{DIST}_{n:02d}" for n in range(count)) + "\n")
    (info / "RECORD").write_text("\n".join(records) + "\n")
    return site


async def one(env: dict[str, str], root: Path) -> tuple[float, float, float]:
    """Seconds to the initialize result, seconds from there to the end of the first sync (the
    hub opened, its sessions connected, GitHub synced), and RSS (MB) once it settled."""
    session = await launch(TIELINE, Setup(root=root, home=Path(env["TIELINE_HOME"]), env=env))
    try:
        t0 = time.perf_counter()
        open_doc(session.client, root / "main.py", SMALL_PY)
        await asyncio.wait_for(session.synced.wait(), 60)
        synced = time.perf_counter() - t0
        await asyncio.sleep(1.0)
        rss = rss_mb(session.pid)
    finally:
        await stop(session.client)
    return session.init_s, synced, rss


def _summary(samples: list[float], unit: str, fmt: str) -> str:
    med = statistics.median(samples)
    return f"{med:{fmt}} {unit} ({min(samples):{fmt}}-{max(samples):{fmt}})"


async def run(runs: int, extra: int) -> None:
    state = State()
    state.login = "octocat"
    state.tokens[TOKEN] = "octocat"
    state.seed({"bulk_issues": [{"repo": REPO, "count": ISSUES}]})
    with (
        GitHubStandIn(state, validate=False) as gh,
        tempfile.TemporaryDirectory(prefix="tieline-startup-") as tmp,
    ):
        folder = Path(tmp)
        s = make_checkout(folder, gh.url)
        site = write_distribution(folder / "dist", extra)
        base_env = dict(s.env)
        pythonpath = [p for p in base_env.get("PYTHONPATH", "").split(":") if p]
        marks = folder / "imported"
        marks.mkdir()
        many_env = dict(
            base_env, PYTHONPATH=":".join([*pythonpath, str(site)]), **{MARKER: str(marks)}
        )
        print(
            f"startup: Tieline with the connectors installed today vs with {extra} more "
            f"registered by entry point ({runs} runs each, taking turns)"
        )
        # One throwaway start each: the first measured run must not pay for a cold disk cache.
        for env in (base_env, many_env):
            await one(env, s.root)
        today: list[tuple[float, float, float]] = []
        many: list[tuple[float, float, float]] = []
        for i in range(runs):
            # Alternate which goes first so that drift in the machine's load hits both.
            order = ((base_env, today), (many_env, many))
            for env, out in order if i % 2 == 0 else order[::-1]:
                out.append(await one(env, s.root))
        imported = sorted(p.name for p in marks.iterdir())

    def cols(rows: list[tuple[float, float, float]]) -> list[list[float]]:
        return [[r[0] * 1000 for r in rows], [r[1] * 1000 for r in rows], [r[2] for r in rows]]

    t_init, t_sync, t_rss = cols(today)
    m_init, m_sync, m_rss = cols(many)
    w = 26
    print(f"  {'':<44}{'today':>{w}}{f'+{extra} connectors':>{w}}{'ratio':>8}   goal")
    for label, a, b, unit, fmt, goal in (
        ("cold start to initialize, median (range)", t_init, m_init, "ms", ".0f", "<= 1.1x"),
        ("idle RSS after first sync, median (range)", t_rss, m_rss, "MB", ".1f", "<= 1.1x"),
        ("initialize to first sync's end, median", t_sync, m_sync, "ms", ".0f", ""),
    ):
        ratio = statistics.median(b) / statistics.median(a)
        print(
            f"  {label:<44}{_summary(a, unit, fmt):>{w}}{_summary(b, unit, fmt):>{w}}"
            f"{ratio:>7.2f}x   {goal}"
        )
    print(
        "  synthetic connectors whose code the servers imported: "
        + (", ".join(imported) if imported else "none")
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else RUNS
    extra = int(args[1]) if len(args) > 1 else EXTRA
    asyncio.run(run(runs, extra))


if __name__ == "__main__":
    main()
