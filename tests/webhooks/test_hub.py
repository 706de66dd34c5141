"""The hub's wiring: its event bus feeds the webhooks, its background tasks deliver, its
settings turn them off, and its vault keeps the secrets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from standardwebhooks import Webhook

from server.hub.events import Event, EventKind
from server.hub.hub import Hub
from server.hub.webhooks import DELIVER_JOB

from .receiver import Receiver


async def test_a_hub_event_is_delivered_by_the_hubs_background_work(
    db_target: Path | str,
) -> None:
    """The whole hub on either store: a PostgreSQL URL goes where the file path would."""
    environ = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "hub webhooks"}
    hub = await Hub.open(folders=[], store_path=db_target, environ=environ, cache_dir=None)
    try:
        assert DELIVER_JOB in hub.worker.handlers
        with Receiver() as r:
            created = await hub.webhooks.add(r.url, event_types=["sync.*"])
            hub.start_background()
            await hub.bus.publish(Event(EventKind.SYNC_COMPLETED, "github", "a", "a", {"n": 1}))
            assert await asyncio.to_thread(r.wait_for, 1, 30.0)
            got = r.received[0]
            assert Webhook(created.secret).verify(got.body, got.headers)["type"] == "sync.completed"

            await hub.reconfigure({"webhooks": {"enabled": False}})
            assert not hub.config.webhooks.enabled
            await hub.bus.publish(Event(EventKind.SYNC_COMPLETED, "github", "a", "a", {"n": 2}))
            log = await hub.webhooks.log(created.endpoint.id)
            assert [json.loads(e.message.envelope)["data"]["payload"]["n"] for e in log] == [1]
    finally:
        await hub.close()


def test_the_webhooks_settings_refuse_what_cannot_work(tmp_path: Path) -> None:
    from server.hub import config

    got = config.load(
        editor={"webhooks": {"allow_private_networks": ["10.0.0.0/8", "nope"], "timeout": 0}},
        user_file=tmp_path / "none.toml",
        manifests=[],
    )
    problems = " ".join(str(p) for p in got.problems)
    assert "webhooks.allow_private_networks" in problems and "webhooks.timeout" in problems
    assert "entry 2 is not a network" in problems
    assert got.config.webhooks.allow_private_networks == []  # the default stands
    assert got.config.webhooks.timeout == 15.0
    ok = config.load(
        editor={"webhooks": {"allow_private_networks": ["192.168.0.0/16"], "timeout": 5}},
        user_file=tmp_path / "none.toml",
        manifests=[],
    )
    assert ok.problems == [] and ok.config.webhooks.timeout == 5
