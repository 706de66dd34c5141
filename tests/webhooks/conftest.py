"""A webhook kit for the tests: a store on a temporary file (and again on a PostgreSQL
database, tests/pg.py), the job queue and the webhooks service on one hand-moved clock, an
encrypted-file vault, and loopback receivers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server.hub.config import WebhookSettings
from server.hub.events import EventBus
from server.hub.jobs import JobQueue, Worker
from server.hub.store import Store
from server.hub.vault import AccountIndex, EncryptedFileVault
from server.hub.webhooks import Policy, Webhooks
from server.hub.webhooks.ssrf import Resolver, system_resolver
from tests.hub.clock import FakeClock
from tests.pg import BACKENDS, backend_target, pg_cluster

from .receiver import Action, Receiver, Script, always


def file_vault(folder: Path) -> EncryptedFileVault:
    return EncryptedFileVault(
        folder / "vault.json",
        AccountIndex(folder / "accounts.json"),
        passphrase="webhook tests",
        scrypt_n=2**10,
    )


@dataclass
class Kit:
    store: Store
    queue: JobQueue
    webhooks: Webhooks
    clock: FakeClock
    bus: EventBus
    worker: Worker
    settings: WebhookSettings
    vault: EncryptedFileVault
    receivers: list[Receiver] = field(default_factory=list)

    async def database_bytes(self) -> bytes:
        """Everything the database holds, as bytes to search for a secret: the SQLite file
        after a checkpoint, or every row of every table as text on PostgreSQL."""
        if not self.store.dialect.postgres:
            await self.store.execute("PRAGMA wal_checkpoint(FULL)")
            return self.store.path.read_bytes()
        tables = await self.store.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        out = []
        for (name,) in tables:
            rows = await self.store.fetchall(f'SELECT t::text FROM "{name}" AS t')
            out.extend(str(r[0]) for r in rows)
        return "\n".join(out).encode()

    def receiver(self, script: Script | None = None) -> Receiver:
        r = Receiver(script or always(Action())).start()
        self.receivers.append(r)
        return r

    async def settle(self, *, max_rounds: int = 50) -> int:
        """Deliver everything due, moving the clock to each next due job; how many ran."""
        total = 0
        for _ in range(max_rounds):
            total += await self.webhooks.dispatcher.drain()
            due = await self.queue.next_due()
            if due is None:
                return total
            self.clock.now = max(self.clock.now, due)
        raise AssertionError("deliveries did not settle")


def make_webhooks(
    store: Store,
    queue: JobQueue,
    clock: FakeClock,
    vault: EncryptedFileVault,
    settings: WebhookSettings,
    resolver: Resolver = system_resolver,
) -> Webhooks:
    return Webhooks(
        store,
        queue,
        vault=lambda: vault,
        settings=lambda: settings,
        resolver=resolver,
        policy=Policy(),
        clock=clock,
        rng=lambda: 0.5,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=float(int(time.time())))


__all__ = ["pg_cluster"]


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_target(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    return backend_target(request, db_backend, tmp_path / "hub.db")


@pytest.fixture
async def kit(tmp_path: Path, clock: FakeClock, db_target: Path | str) -> AsyncIterator[Kit]:
    store = await Store.open(db_target)
    queue = JobQueue(store, clock=clock)
    settings = WebhookSettings(timeout=0.5)
    vault = file_vault(tmp_path)
    webhooks = make_webhooks(store, queue, clock, vault, settings)
    bus = EventBus()
    worker = Worker(queue, {})
    webhooks.attach(bus, worker)
    k = Kit(store, queue, webhooks, clock, bus, worker, settings, vault)
    try:
        yield k
    finally:
        await webhooks.aclose()
        for r in k.receivers:
            r.stop()
        await store.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r
