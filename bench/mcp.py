"""What an agent pays for Tieline's answers through ``tieline mcp``, beside a script.

Run: ``python -m bench.mcp [RUNS]``. The three-services scenario of ``tests/scenarios.py``
(GitHub, Jira, Linear stand-ins, contract-checked, in this process) serves a clone of
github.com/octo/app. Figures, median (min-max) of RUNS each, printed and never asserted:

* ``start``                    -- ``tieline mcp`` spawned over stdio by the official SDK
                                  client, to ``initialize`` answered and ``tools/list`` read;
* ``list_issues`` (mirror)     -- one tool call on the held session, what was synced a
                                  moment ago read back (the hub stays open between calls);
* ``list_issues`` (fresh)      -- every tracker asked again (free 304s where unchanged);
* ``issues --json``            -- the same answer from a new ``tieline`` process each time,
                                  as a script gets it, for comparison.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

import git
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from bench.cli import _env
from tests.scenarios import started

RUNS = 9


def _fmt(xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    return f"{statistics.median(ms):7.1f} ms ({min(ms):.1f}-{max(ms):.1f})"


def _clone(root: Path) -> Path:
    repo = git.Repo.init(root, initial_branch="main")
    (root / "README.md").write_text("# app\n")
    repo.index.add(["README.md"])
    repo.index.commit("init")
    repo.create_remote("origin", "https://github.com/octo/app.git")
    return root


async def _agent(cwd: Path, env: dict[str, str], runs: int, err: TextIO) -> dict[str, list[float]]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "server", "mcp"], env=env, cwd=str(cwd)
    )
    out: dict[str, list[float]] = {"start": [], "mirror": [], "fresh": []}
    for last in [False] * (runs - 1) + [True]:
        t0 = time.perf_counter()
        async with (
            stdio_client(params, errlog=err) as (read, write),
            ClientSession(read, write) as s,
        ):
            await s.initialize()
            await s.list_tools()
            out["start"].append(time.perf_counter() - t0)
            if not last:
                continue
            await s.call_tool("list_issues", {})  # connecting and the first sync: unmeasured
            for key, args in (("mirror", {}), ("fresh", {"fresh": True})):
                for _ in range(runs):
                    t1 = time.perf_counter()
                    r = await s.call_tool("list_issues", args)
                    out[key].append(time.perf_counter() - t1)
                    assert not r.is_error, r.content
    return out


def _script(cwd: Path, env: dict[str, str], runs: int) -> list[float]:
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "server", "issues", "--json"], cwd=cwd, env=env,
                       capture_output=True, timeout=120, check=True)  # fmt: skip
        took.append(time.perf_counter() - t0)
    return took


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else RUNS
    with tempfile.TemporaryDirectory() as tmp, started() as services:
        home = Path(tmp) / "home"
        home.mkdir()
        env = _env(services, home)
        app = _clone(Path(tmp) / "app")
        with (Path(tmp) / "mcp-stderr.log").open("w") as err:
            agent = asyncio.run(_agent(app, env, runs, err))
        script = _script(app, env, runs)
    print(f"{'start (spawn, initialize, tools/list)':<40} {_fmt(agent['start'])}")
    print(f"{'list_issues, mirror (held session)':<40} {_fmt(agent['mirror'])}")
    print(f"{'list_issues, fresh (held session)':<40} {_fmt(agent['fresh'])}")
    print(f"{'tieline issues --json (new process)':<40} {_fmt(script)}")


if __name__ == "__main__":
    main()
