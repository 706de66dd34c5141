"""Accepted delivery ids kept in the hub's database: a replay is refused after the web face
(or the whole server) restarts, and a sender that signs no timestamp (GitHub) has its ids
kept for days rather than for the replay window."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from server.hub.hub import Hub
from server.hub.store import Store
from server.web.errors import Replayed
from server.web.hooks import signatures as sig
from server.web.hooks.ledger import UNSIGNED_KEEP, DeliveryLedger
from tests.hub.clock import FakeClock
from tests.pg import PgCluster, pg_cluster

__all__ = ["pg_cluster"]

ENV = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "ledger test"}
SECRET = "ledger test secret"


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The ledger's table on both store backends (a team hub keeps it on PostgreSQL)."""
    if request.param == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        return cluster.create_database()
    return tmp_path / "t.db"


async def test_an_id_is_refused_until_it_expires(ledger_db: Path | str) -> None:
    clock = FakeClock(start=1_000.0)
    async with Store.open(ledger_db) as store:
        ledger = DeliveryLedger(store, clock=clock)
        await ledger.accept("github", "d-1", keep=60)
        await ledger.accept("gitlab", "d-1", keep=60)  # ids are per source
        with pytest.raises(Replayed):
            await ledger.accept("github", "d-1", keep=60)
        clock.now += 61
        await ledger.accept("github", "d-1", keep=60)  # expired, so a new delivery
        rows = await store.fetchall("SELECT * FROM webhook_inbox_seen")
        assert {r["source"] for r in rows} == {"github"}  # the expired gitlab row purged
        assert set(rows[0].keys()) == {"source", "delivery_id", "seen_at", "keep_until"}


async def _send(url: str, delivery: str) -> httpx.Response:
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    headers = {
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sig.sign_github(SECRET, body),
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(url + "/hooks/github", content=body, headers=headers)


async def test_a_replay_is_refused_after_a_restart(tmp_path: Path) -> None:
    for attempt in range(2):  # the second opening is a new process's hub on the same files
        hub = await Hub.open(root=tmp_path, store_path=tmp_path / "t.db", environ=ENV)
        try:
            hub.web.secrets.set_hook_secret("github", SECRET)
            url = await hub.web.start()
            r = await _send(url, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            assert r.status_code == (200 if attempt == 0 else 409), r.text
            if attempt == 0:
                (row,) = await hub.store.fetchall("SELECT * FROM webhook_inbox_seen")
                # GitHub signs no timestamp: kept for days, not for the 300 s window
                assert row["keep_until"] - row["seen_at"] == pytest.approx(UNSIGNED_KEEP)
        finally:
            await hub.close()
