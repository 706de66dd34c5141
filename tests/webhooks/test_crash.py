"""Crash test: a delivery worker process is SIGKILLed while a delivery is in flight; a
fresh process finishes. No message is lost, each keeps its webhook-id, and the only
repeats are the deliveries of the batches the killed worker had not committed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from server.hub.config import WebhookSettings
from server.hub.events import Event
from server.hub.jobs import JobQueue, JobState
from server.hub.store import Store
from server.hub.webhooks import MessageState, Webhooks, verify

from .conftest import file_vault
from .durable_sender import LANES, POLICY
from .receiver import Action, Receiver

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 60.0  # seconds; only stops a broken test from hanging, never asserts speed
N = 60
HANG_AT = 30  # the request number the receiver never answers in the first run


async def _prepare(db: Path | str, vault_dir: Path, url: str) -> str:
    async with Store.open(db) as store:
        settings = WebhookSettings()
        vault = file_vault(vault_dir)
        hooks = Webhooks(store, JobQueue(store), vault=lambda: vault, settings=lambda: settings)
        created = await hooks.add(url)
        for n in range(N):
            await hooks.on_event(Event("ci.failed", "github", "octo", f"octo/app#{n}"))
        await hooks.aclose()
        return created.secret


async def _inspect(db: Path | str) -> tuple[dict[JobState, int], dict[str, tuple[str, int]]]:
    async with Store.open(db) as store:
        counts = await JobQueue(store).counts()
        rows = await store.fetchall(
            "SELECT m.id, m.state, (SELECT count(*) FROM webhook_attempts a"
            " WHERE a.message_id = m.id) FROM webhook_messages m"
        )
    return counts, {r[0]: (r[1], r[2]) for r in rows}


def _spawn(db: Path | str, vault_dir: Path, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    extra = ["--pipeline"] if mode == "pipeline" else []
    return subprocess.Popen(
        [sys.executable, "-m", "tests.webhooks.durable_sender", str(db), str(vault_dir), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("mode", ["batches", "pipeline"])
def test_a_sigkilled_delivery_worker_loses_nothing(
    tmp_path: Path, mode: str, db_target: Path | str
) -> None:
    db, vault_dir = db_target, tmp_path
    first_run = True

    def script(n: int, headers: dict[str, str]) -> Action:
        return Action(hang=True) if first_run and n == HANG_AT else Action()

    with Receiver(script) as receiver:
        secret = asyncio.run(_prepare(db, vault_dir, receiver.url))

        proc = _spawn(db, vault_dir, mode)
        try:
            assert receiver.wait_for(HANG_AT + 1, HANG_GUARD), "the worker sent too little"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL
        first_run = False
        seen_before_kill = len(receiver.received)
        counts, messages = asyncio.run(_inspect(db))
        assert counts[JobState.RUNNING] > 0  # the kill left leased jobs behind

        proc = _spawn(db, vault_dir, mode)
        out, _ = proc.communicate(timeout=HANG_GUARD)
        assert proc.returncode == 0, out

        counts, messages = asyncio.run(_inspect(db))
        assert counts[JobState.DONE] == N and counts[JobState.QUEUED] == 0, counts
        assert len(messages) == N
        assert {state for state, _ in messages.values()} == {MessageState.DELIVERED.value}
        # the killed batch's attempts died uncommitted with it: each message logs one
        assert {n for _, n in messages.values()} == {1}
        ids = Counter(receiver.ids())
        assert set(ids) == set(messages)  # every message arrived, under its own id
        repeats = {mid: n for mid, n in ids.items() if n > 1}
        # only what the killed worker had in flight, uncommitted: at most one batch per lane,
        # or the pipeline's deliveries in flight
        bound = POLICY.batch_size * LANES if mode == "batches" else POLICY.max_in_flight
        assert 1 <= len(repeats) <= bound, repeats
        assert all(n == 2 for n in repeats.values())
        assert len(receiver.received) > seen_before_kill
        for r in receiver.received:  # every attempt, before and after the kill, is signed
            verify([secret], r.body, r.headers, now=time.time())
