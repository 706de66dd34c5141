"""What a script pays for ``tieline prs --json``: a new process each time, beside
``tieline --version`` (the interpreter's floor: Python starting and the parser built).

Run: ``python -m bench.cli [RUNS]``. The three-services scenario of ``tests/scenarios.py``
(GitHub, Jira, Linear stand-ins, contract-checked, in this process) serves a clone of
github.com/octo/app; every run is ``python -m server ...`` in that clone with environment
tokens and a home of its own, the commands taking turns. Three figures, median (min-max) of
RUNS runs each, printed and never asserted:

* ``--version``             -- the floor;
* ``prs --json`` (mirror)   -- what the server (or the previous command) synced a moment ago
                               is read back from the database: the hub's import and opening;
* ``prs --json --fresh``    -- every code host asked again (free 304s where the answer is
                               unchanged): what a script pays when no server runs;

and the modules each imports (``-X importtime``'s count), to show a verb loads no pygls.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

from tests.scenarios import started

RUNS = 9


def _env(services: object, home: Path) -> dict[str, str]:
    """The scenario's tokens and settings; bytecode cached (in a folder of the run's, not
    beside the sources), as an installed Tieline has it -- a shell that sets
    ``PYTHONDONTWRITEBYTECODE`` would otherwise measure Python compiling every module."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIELINE_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(services.server_env())  # type: ignore[attr-defined]
    env.update(
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
        TIELINE_HOME=str(home),
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="bench",
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    return env


def _once(cwd: Path, env: dict[str, str], args: list[str]) -> float:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "server", *args], cwd=cwd, env=env,
                       capture_output=True, timeout=120)  # fmt: skip
    took = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"tieline {' '.join(args)} failed ({p.returncode}): {p.stderr.decode()}")
    return took * 1000


def _modules(cwd: Path, env: dict[str, str], args: list[str]) -> tuple[int, bool]:
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "server", *args], cwd=cwd,
                       env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    names = [line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if "|" in line]
    lsp = any(
        n.split(".")[0] in ("pygls", "lsprotocol") or n.startswith("server.lsp") for n in names
    )
    return len(names) - 1, lsp  # less the header line


def _fmt(xs: list[float]) -> str:
    return f"{statistics.median(xs):,.0f} ms ({min(xs):,.0f}-{max(xs):,.0f})"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else RUNS
    with started() as services, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "app"
        repo = git.Repo.init(root, initial_branch="main")
        repo.create_remote("origin", "https://github.com/octo/app.git")
        env = _env(services, Path(tmp) / "home")
        _once(root, env, ["prs", "--json"])  # the first run: the mirror written, tokens' owners
        cases = {
            "--version": ["--version"],
            "prs --json (mirror)": ["prs", "--json"],
            "prs --json --fresh": ["prs", "--json", "--fresh"],
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(runs):
            for name, a in cases.items():
                times[name].append(_once(root, env, a))
        floor = statistics.median(times["--version"])
        print(f"tieline as a new process, {runs} runs each, median (min-max):")
        for name, a in cases.items():
            med = statistics.median(times[name])
            count, lsp = _modules(root, env, a)
            ratio = "" if name == "--version" else f", {med / floor:.1f}x the floor"
            print(f"  {name:<22} {_fmt(times[name])}{ratio}; {count} modules imported"
                  f"{', LSP layer imported!' if lsp else ''}")  # fmt: skip
        if services.violations():
            print("contract violations:", *services.violations(), sep="\n  ")


if __name__ == "__main__":
    main()
