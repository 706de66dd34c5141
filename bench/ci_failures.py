"""Failures out of a 10 MB CI log: how fast does :func:`find_failures` read one?

Builds a GitHub Actions-shaped job log (every line timestamped, some coloured) of about
10 MB: the chatter a real job prints (dependency downloads, compiler progress, passing
tests, timings that look like locations) with the real tool outputs of
``tests/ci/logs/`` spread through it, and a second log made of nothing but those tool
outputs (every line a candidate, the worst case). Reads each against the demo checkout
the samples name and prints seconds, MB/s and failures found; no assertions.

    python -m bench.ci_failures
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from server.hub.ci.failures import find_failures

LOGS = Path(__file__).resolve().parent.parent / "tests" / "ci" / "logs"
TARGET = 10 * 1024 * 1024

_CHATTER = [
    "Collecting httpx>=0.27 (from -r requirements.txt (line 3))",
    "  Downloading httpx-0.28.1-py3-none-any.whl.metadata (7.1 kB)",
    "\x1b[1m\x1b[92m   Compiling\x1b[0m serde v1.0.219",
    "tests/test_calc.py::test_ok PASSED                                       [ 25%]",
    "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
    "added 87 packages, and audited 88 packages in 19s",
    "[INFO] Downloaded from central: https://repo.example/maven2/org/x/y/1.0/y-1.0.pom (2.1 kB)",
    "ok  \texample.com/gosvc/internal/util\t0.004s",
    "Run actions/checkout@v4",
    "  with:",
    "    repository: demo/demo",
    "Elapsed: 00:01:02.345 (cpu 12:00:01)",
    "##[group]Run python -m pytest -q",
    "##[endgroup]",
    "   Compiling rsvc v0.1.0 (/home/runner/work/demo/demo/rsvc)",
]


def _timestamped(lines: list[str]) -> str:
    return "".join(
        f"2024-01-01T00:00:{n % 60:02d}.{n:07d}Z {line}\n" for n, line in enumerate(lines)
    )


def _samples() -> list[str]:
    return [
        line
        for p in sorted(LOGS.glob("*.log"))
        for line in p.read_text(encoding="utf-8").splitlines()[1:]
    ]


def build_logs() -> tuple[str, str]:
    samples = _samples()
    chatter: list[str] = []
    size = 0
    n = 0
    while size < TARGET:
        # every tool's output once every 1,000 blocks of chatter: a tenth of the log
        block = _CHATTER if n % 1000 else samples
        chatter.extend(block)
        size += sum(len(line) + 40 for line in block)
        n += 1
    worst: list[str] = []
    size = 0
    while size < TARGET:
        worst.extend(samples)
        size += sum(len(line) + 40 for line in samples)
    return _timestamped(chatter), _timestamped(worst)


def checkout(root: Path) -> None:
    """The demo checkout the samples were captured in (``tests/ci/logs/README.md``)."""
    for rel in (
        "app/calc.py", "tests/test_calc.py", "gosvc/internal/calc/calc_test.go",
        "gosvc/internal/calc/calc.go", "gosvc/cmd/broken/main.go", "rsvc/src/main.rs",
        "rsvc/src/lib.rs", "jsvc/src/main/java/com/example/App.java",
        "ksvc/src/main/kotlin/demo/Main.kt", "csrc/util.c", "web/src/index.ts",
        "web/src/app.js",
    ):  # fmt: skip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("def test_add():\n    pass\n")


def main() -> None:
    chatter, worst = build_logs()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        checkout(root)
        for name, log, limit in (
            ("job log, chatter and tool output", chatter, 500),
            ("tool output only (limit 500)", worst, 500),
            ("tool output only (no limit)", worst, 10**9),
        ):
            mb = len(log.encode()) / 1e6
            wall = cpu = float("inf")
            found = 0
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                found = len(find_failures(log, root, limit=limit))
                wall = min(wall, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
            print(
                f"{name}: {mb:.1f} MB in {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU) = "
                f"{mb / wall:.1f} MB/s ({mb / cpu:.1f} MB/s of CPU), {found} failures"
            )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
