"""Outgoing webhooks: signed deliveries through the durable job queue to a loopback receiver.

Run: ``python -m bench.webhooks [N]``. The receiver (HTTP/1.1 keep-alive, h11) runs in a
process of its own, so sender and receiver each have a core. Prints:

- fan-out: events turned into messages and queued delivery jobs (one transaction per event);
- delivery throughput: N queued messages delivered by the dispatcher -- batch claims, one
  commit per batch, pooled keep-alive connections, every request signed (HMAC-SHA256);
  and the sending process's CPU time per delivery, which says what one free core would
  sustain when the machine is shared (wall-clock rates fall with other load);
- event -> delivery latency (p50/p99/max): events published at a steady rate while the
  dispatcher runs, from ``bus.publish`` to the receiver reading the request.

Goal: >= 1,000 deliveries/s on 2 cores. Figures only; nothing is asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from server.hub.config import WebhookSettings
from server.hub.events import Event, EventBus
from server.hub.jobs import JobQueue, JobState
from server.hub.store import Store
from server.hub.webhooks import Policy, Webhooks

DEFAULT_N = 5000
ROOT = Path(__file__).resolve().parents[1]


class _Secrets:
    """An in-memory vault: the benchmark measures delivery, not the keyring."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get_secret(self, record_id: str) -> str | None:
        return self.data.get(record_id)

    def set_secret(self, record_id: str, secret: str) -> None:
        self.data[record_id] = secret

    def delete_secret(self, record_id: str) -> bool:
        return self.data.pop(record_id, None) is not None


def _rate(label: str, n: int, seconds: float) -> None:
    print(f"  {label:<44} {n / seconds:>10,.0f} /s   ({n} in {seconds:.2f} s)")


def _start_receiver() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.webhooks.receiver"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, int(line.split()[1])


def _stop_receiver(proc: subprocess.Popen[str]) -> list[tuple[str, float, str]]:
    out, _ = proc.communicate(timeout=120)
    return [tuple(json.loads(line)) for line in out.splitlines() if line.startswith("[")]  # type: ignore[misc]


async def _until_idle(queue: JobQueue) -> None:
    while True:
        c = await queue.counts()
        if c[JobState.QUEUED] + c[JobState.RUNNING] == 0:
            return
        await asyncio.sleep(0.05)


async def _bench(n: int, folder: Path, port: int) -> dict[int, float]:
    published: dict[int, float] = {}
    settings = WebhookSettings()
    secrets = _Secrets()
    async with Store.open(folder / "bench.db") as store:
        queue = JobQueue(store)
        hooks = Webhooks(
            store, queue, vault=lambda: secrets, settings=lambda: settings, policy=Policy()
        )
        bus = EventBus()
        bus.subscribe("*", hooks.on_event)
        await hooks.add(f"http://127.0.0.1:{port}/hook", event_types=["ci.*"])

        t = time.perf_counter()
        for i in range(n):
            await bus.publish(Event("ci.failed", "github", "octo", f"octo/app#{i}", {"i": i}))
        dt = time.perf_counter() - t
        _rate("fan-out (event -> message + job)", n, dt)

        t, cpu = time.perf_counter(), time.process_time()
        runner = asyncio.create_task(hooks.run())
        await _until_idle(queue)
        dt = time.perf_counter() - t
        _rate("deliveries, signed, through the queue", n, dt)
        per = (time.process_time() - cpu) / n * 1000.0
        print(
            f"  {'sender CPU per delivery (all threads)':<44} {per:>10.3f} ms"
            f"   (one free core: ~{1000 / per:,.0f}/s)"
        )

        # latency: a steady stream while the dispatcher runs
        rate, count = 500.0, max(500, n // 5)
        t0 = time.perf_counter()
        for i in range(count):
            target = t0 + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            k = n + i
            published[k] = time.time()
            await bus.publish(Event("ci.failed", "github", "octo", f"octo/app#{k}", {"i": k}))
        await _until_idle(queue)
        hooks.stop()
        await runner
        await hooks.aclose()
    return published


def main(argv: list[str] | None = None) -> None:
    """Print the webhook delivery figures."""
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else DEFAULT_N
    print(f"webhooks: {n} signed deliveries to a loopback receiver (goal: >= 1,000/s on 2 cores)")
    proc, port = _start_receiver()
    try:
        with tempfile.TemporaryDirectory(prefix="tieline-bench-") as folder:
            published = asyncio.run(_bench(n, Path(folder), port))
    finally:
        received = _stop_receiver(proc)
    lat = []
    for _, at, body in received:
        i = json.loads(body)["data"]["payload"]["i"]
        if i in published:
            lat.append((at - published[i]) * 1000.0)
    lat.sort()
    if lat:
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        print(
            f"  {'event -> delivery latency at 500 events/s':<44} p50 {p50:.1f} ms,"
            f" p99 {p99:.1f} ms, max {lat[-1]:.1f} ms ({len(lat)} events)"
        )
    print(f"  receiver saw {len(received)} requests ({len({r[0] for r in received})} ids)")


if __name__ == "__main__":
    main()
