"""REST hooks as Zapier drives them, end to end on the hub as the editor's server runs it: a
client subscribes a target through ``POST /api/v1/hooks``; an event on the hub's bus reaches
the target as a signed delivery from the durable queue; the target's 410 Gone ends the
subscription, and the client's next ``GET /hooks`` no longer lists it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from server.hub.events import Event
from server.hub.hub import Hub
from tests.hubs import running_hub
from tests.webhooks.receiver import Action, Receiver, sequence


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path, "rest hooks e2e") as hub:
        yield hub


async def _until(what: str, check: Callable[[], Awaitable[bool] | bool]) -> None:
    """Wait (up to 10 s) for ``check``; the deliveries run in the hub's background."""
    for _ in range(400):
        done = check()
        if done if isinstance(done, bool) else await done:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


async def test_subscribe_deliver_and_gone(hub: Hub) -> None:
    url = await hub.web.start()
    auth = {"Authorization": f"Bearer {hub.web.secrets.token()}"}
    with Receiver(sequence(Action(), then=Action(status=410))) as target:
        async with httpx.AsyncClient(base_url=url + "/api/v1", headers=auth, timeout=10) as api:
            made = await api.post("/hooks", json={"target_url": target.url, "event": "ci.*"})
            assert made.status_code == 201, made.text
            hook_id = made.json()["id"]
            assert [h["id"] for h in (await api.get("/hooks")).json()["items"]] == [hook_id]

            failed = Event("ci.failed", "github", "octo", "octo/app@main", {"title": "build"})
            await hub.bus.publish(Event("issue.opened", "github", "octo", "octo/app#1"))
            await hub.bus.publish(failed)
            await _until("the first delivery", lambda: len(target.received) == 1)
            first = target.received[0]
            assert first.headers["webhook-signature"].startswith("v1,")
            assert b'"ci.failed"' in first.body and b"octo/app@main" in first.body

            await hub.bus.publish(failed)  # answered 410 Gone: the subscription ends
            await _until("the second delivery", lambda: len(target.received) == 2)

            async def gone() -> bool:
                return bool((await api.get("/hooks")).json()["items"] == [])

            await _until("the hook to be dropped", gone)
            assert (await api.delete(f"/hooks/{hook_id}")).status_code == 404
