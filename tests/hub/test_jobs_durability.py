"""Crash tests: real worker processes are SIGKILLed at the worst moments of a batch, on SQLite
and on PostgreSQL. First one worker at a time, a fresh one finishing the batch; then four
workers sharing the queue, one of them killed mid-batch while the others carry on. No job may
be lost and each effect must happen once per key."""

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


async def _prepare(db: Path | str, n_jobs: int = N_JOBS) -> None:
    async with Store.open(db) as store:
        await store.execute("CREATE TABLE effects (key TEXT NOT NULL, pid INTEGER NOT NULL)")
        queue = JobQueue(store)
        for n in range(n_jobs):
            await queue.enqueue(_kind(n), {"n": n}, idempotency_key=f"k{n:02d}")


async def _inspect(db: Path | str) -> tuple[dict[JobState, int], list[str], dict[str, int]]:
    async with Store.open(db) as store:
        counts = await JobQueue(store).counts()
        rows = await store.fetchall("SELECT key FROM effects ORDER BY key")
        att = await store.fetchall("SELECT idempotency_key, attempts FROM jobs")
    return counts, [r[0] for r in rows], {r[0]: r[1] for r in att}


def _spawn(db: Path | str, effects: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.hub.durable_worker", str(db), str(effects), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def _read_until(proc: subprocess.Popen[str], prefix: str) -> list[str]:
    """Read the worker's progress lines until one starts with ``prefix``.

    Reads the pipe's file descriptor directly: a buffered readline could take the awaited
    line into its buffer along with an earlier one, and select would then wait for it in vain.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    text = ""
    while True:
        lines = text.split("\n")[:-1]  # complete lines only
        for n, line in enumerate(lines):
            if line.startswith(prefix):
                return [x.strip() for x in lines[: n + 1]]
        ready, _, _ = select.select([fd], [], [], HANG_GUARD)
        assert ready, f"worker printed nothing for {HANG_GUARD}s; so far: {lines}"
        chunk = os.read(fd, 65536).decode()
        assert chunk, f"worker exited (rc={proc.poll()}) before {prefix!r}; so far: {lines}"
        text += chunk


def _kill_at(db: Path | str, effects: Path, key: str) -> list[str]:
    proc = _spawn(db, effects, "--block-on", key)
    try:
        lines = _read_until(proc, f"blocked {key}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return lines


def test_sigkilled_workers_lose_nothing_and_repeat_nothing(
    tmp_path: Path, db_path: Path | str
) -> None:
    db, effects = db_path, tmp_path / "effects.txt"
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


N_SHARED = 40
N_WORKERS = 4


def test_one_of_four_workers_sigkilled_mid_batch_loses_nothing(
    tmp_path: Path, db_path: Path | str
) -> None:
    """Four processes share the queue (on PostgreSQL each claim skips the rows another is
    taking); whichever claims ``k11`` (a ``write``) is killed inside its transaction, after its
    insert and before its ack. The other three finish the batch, one of them taking over k11
    once its lease runs out."""
    db, effects = db_path, tmp_path / "effects.txt"
    asyncio.run(_prepare(db, N_SHARED))
    procs = [_spawn(db, effects, "--block-on", "k11", "--first-attempt") for _ in range(N_WORKERS)]
    try:
        victim, seen = _wait_for_block(procs, "blocked k11")
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert victim.returncode == -signal.SIGKILL
        outputs = []
        for proc in procs:
            if proc is victim:
                continue
            out, _ = proc.communicate(timeout=HANG_GUARD)
            assert proc.returncode == 0, out
            outputs.append(seen[proc] + out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    counts, rows, attempts = asyncio.run(_inspect(db))
    assert counts[JobState.DONE] == N_SHARED, counts
    write_keys = [f"k{n:02d}" for n in range(N_SHARED) if _kind(n) == "write"]
    notify_keys = [f"k{n:02d}" for n in range(N_SHARED) if _kind(n) == "notify"]
    assert Counter(rows) == Counter(write_keys)  # each exactly once, k11 included
    assert Counter(effects.read_text().splitlines()) == Counter(notify_keys)
    assert attempts["k11"] >= 2
    survivors_done = [line for out in outputs for line in out.splitlines() if line == "done k11"]
    assert survivors_done == ["done k11"]  # taken over by exactly one survivor


def _wait_for_block(
    procs: list[subprocess.Popen[str]], line: str
) -> tuple[subprocess.Popen[str], dict[subprocess.Popen[str], str]]:
    """Read every worker's progress until one prints ``line``; return that worker and what
    each printed so far. Reads the pipes' file descriptors directly: a buffered readline could
    swallow the awaited line behind another, and select would then wait for it in vain."""
    fds = {p.stdout.fileno(): p for p in procs if p.stdout is not None}
    seen: dict[subprocess.Popen[str], str] = dict.fromkeys(procs, "")
    while True:
        ready, _, _ = select.select(list(fds), [], [], HANG_GUARD)
        assert ready, f"no worker printed anything for {HANG_GUARD}s: {seen}"
        for fd in ready:
            proc = fds[fd]
            chunk = os.read(fd, 65536).decode()
            assert chunk, f"a worker exited (rc={proc.wait()}) before any printed {line!r}"
            seen[proc] += chunk
            if line in seen[proc].splitlines():
                return proc, seen
