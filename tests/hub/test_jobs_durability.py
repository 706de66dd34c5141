"""Crash test: real worker processes are SIGKILLed at the worst moments of a batch; a fresh
worker then finishes it. No job may be lost and each effect must happen once per key."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from server.hub.jobs import JobQueue, JobState
from server.hub.store import Store

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 60.0  # seconds; only stops a broken test from hanging, never asserts speed
N_JOBS = 20


def _kind(n: int) -> str:
    return "write" if n % 2 == 0 else "notify"


async def _prepare(db: Path) -> None:
    async with Store.open(db) as store:
        await store.execute("CREATE TABLE effects (key TEXT NOT NULL, pid INTEGER NOT NULL)")
        queue = JobQueue(store)
        for n in range(N_JOBS):
            await queue.enqueue(_kind(n), {"n": n}, idempotency_key=f"k{n:02d}")


async def _inspect(db: Path) -> tuple[dict[JobState, int], list[str], dict[str, int]]:
    async with Store.open(db) as store:
        counts = await JobQueue(store).counts()
        rows = await store.fetchall("SELECT key FROM effects ORDER BY key")
        att = await store.fetchall("SELECT idempotency_key, attempts FROM jobs")
    return counts, [r[0] for r in rows], {r[0]: r[1] for r in att}


def _spawn(db: Path, effects: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.hub.durable_worker", str(db), str(effects), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _read_until(proc: subprocess.Popen[str], prefix: str) -> list[str]:
    """Read the worker's progress lines until one starts with ``prefix``."""
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        ready, _, _ = select.select([proc.stdout], [], [], HANG_GUARD)
        assert ready, f"worker printed nothing for {HANG_GUARD}s; so far: {lines}"
        line = proc.stdout.readline()
        assert line, f"worker exited (rc={proc.poll()}) before {prefix!r}; so far: {lines}"
        lines.append(line.strip())
        if line.startswith(prefix):
            return lines


def _kill_at(db: Path, effects: Path, key: str) -> list[str]:
    proc = _spawn(db, effects, "--block-on", key)
    try:
        lines = _read_until(proc, f"blocked {key}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return lines


def test_sigkilled_workers_lose_nothing_and_repeat_nothing(tmp_path: Path) -> None:
    db, effects = tmp_path / "queue.db", tmp_path / "effects.txt"
    asyncio.run(_prepare(db))

    # 1. Killed inside the transaction of a `write` job: after its insert, before its ack.
    first = _kill_at(db, effects, "k04")
    assert first[:4] == ["done k00", "done k01", "done k02", "done k03"]
    _, rows, _ = asyncio.run(_inspect(db))
    assert "k04" not in rows  # the uncommitted effect died with the process

    # 2. Killed after a `notify` job's external effect and its record, before its ack.
    _kill_at(db, effects, "k09")
    assert effects.read_text().splitlines().count("k09") == 1

    # 3. A fresh worker finishes the batch, taking over both orphaned leases.
    proc = _spawn(db, effects)
    out, _ = proc.communicate(timeout=HANG_GUARD)
    assert proc.returncode == 0, out

    counts, rows, attempts = asyncio.run(_inspect(db))
    assert counts[JobState.DONE] == N_JOBS, counts
    write_keys = [f"k{n:02d}" for n in range(N_JOBS) if _kind(n) == "write"]
    notify_keys = [f"k{n:02d}" for n in range(N_JOBS) if _kind(n) == "notify"]
    assert Counter(rows) == Counter(write_keys)  # each exactly once
    assert Counter(effects.read_text().splitlines()) == Counter(notify_keys)
    assert attempts["k04"] >= 2 and attempts["k09"] >= 2  # they really were retried
