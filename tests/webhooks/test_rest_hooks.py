"""REST hooks (the public API's ``POST /hooks``) on the durable outgoing webhooks: a
client's subscription is an endpoint that gets signed, retried deliveries; each client sees
and removes only its own; a target answering 410 Gone loses its subscription, as Zapier's
REST hooks expect; and a target on a private network is the caller's mistake (422)."""

from __future__ import annotations

import pytest

from connectors.sdk.errors import ConfigError
from server.web.api.auth import Principal
from server.web.api.durable_hooks import WebhookHooks

from .conftest import Kit
from .receiver import Action, always
from .test_delivery import ci_failed

ZAP = Principal("oauth:zapier", frozenset({"events:read"}))
OTHER = Principal("oauth:n8n", frozenset({"events:read"}))


async def test_a_hook_is_a_durable_endpoint_of_its_owner(kit: Kit) -> None:
    hooks = WebhookHooks(kit.webhooks)
    r = kit.receiver()
    hook_id = await hooks.subscribe(ZAP, r.url, "ci.*")
    assert [h.id for h in await hooks.list(ZAP)] == [hook_id]
    assert await hooks.list(OTHER) == []
    assert not await hooks.unsubscribe(OTHER, hook_id)  # not theirs to remove
    await kit.bus.publish(ci_failed())
    await kit.settle()
    assert len(r.received) == 1
    assert "webhook-signature" in r.received[0].headers
    assert await hooks.unsubscribe(ZAP, hook_id)
    assert await hooks.list(ZAP) == [] and await kit.webhooks.endpoints() == []


async def test_a_target_gone_for_good_loses_its_hook(kit: Kit) -> None:
    hooks = WebhookHooks(kit.webhooks)
    r = kit.receiver(always(Action(status=410)))
    await hooks.subscribe(ZAP, r.url, "*")
    await kit.bus.publish(ci_failed())
    await kit.settle()
    assert await hooks.list(ZAP) == []
    assert await kit.webhooks.endpoints() == []


async def test_a_private_target_is_refused_as_the_callers_mistake(kit: Kit) -> None:
    hooks = WebhookHooks(kit.webhooks)
    with pytest.raises(ConfigError, match=r"10\.0\.0\.7"):
        await hooks.subscribe(ZAP, "http://10.0.0.7/hook", "*")
    assert await kit.webhooks.endpoints() == []
