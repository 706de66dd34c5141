"""REST hooks backed by the hub's durable outgoing webhooks.

A subscription is an outgoing-webhook endpoint like any other -- signed, retried on Svix's
schedule, logged, behind the SSRF guard -- whose description marks it as a REST hook and
names its owner (``rest-hook <subject>``), so each API client sees and removes only its own
and ``tieline webhooks list`` shows them beside the user's. REST hooks (Zapier's) drop a
subscription whose target answers 410 Gone; the webhooks disable such an endpoint at once,
and this registry removes a hook it finds disabled that way the next time its owner looks.
No schema of its own: the endpoint table already holds all a hook is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import Principal
from .hooks import Hook

if TYPE_CHECKING:
    from server.hub.webhooks import Webhooks
    from server.hub.webhooks.models import Endpoint

MARK = "rest-hook "


def _owner(ep: Endpoint) -> str | None:
    return ep.description[len(MARK) :] if ep.description.startswith(MARK) else None


def _gone(ep: Endpoint) -> bool:
    return not ep.enabled and "410" in (ep.disabled_reason or "")


class WebhookHooks:
    """A :class:`~.hooks.HookRegistry` over :class:`~server.hub.webhooks.Webhooks`."""

    def __init__(self, webhooks: Webhooks) -> None:
        self.webhooks = webhooks

    async def subscribe(self, principal: Principal, url: str, event_pattern: str) -> str:
        from server.hub.webhooks.errors import AddressRefused, InvalidEndpoint

        try:
            created = await self.webhooks.add(
                url, event_types=[event_pattern], description=MARK + principal.subject
            )
        except AddressRefused as exc:  # the caller's target, not a failing service: 422
            raise InvalidEndpoint(exc.message) from None
        return created.endpoint.id

    async def unsubscribe(self, principal: Principal, hook_id: str) -> bool:
        for ep in await self.webhooks.endpoints():
            if ep.id == hook_id and _owner(ep) == principal.subject:
                await self.webhooks.remove(ep.id)
                return True
        return False

    async def list(self, principal: Principal) -> list[Hook]:
        hooks: list[Hook] = []
        for ep in await self.webhooks.endpoints():
            if _owner(ep) != principal.subject:
                continue
            if _gone(ep):
                await self.webhooks.remove(ep.id)  # its target said it is gone for good
                continue
            hooks.append(Hook(ep.id, principal.subject, ep.url, ",".join(ep.event_types)))
        return hooks


__all__ = ["MARK", "WebhookHooks"]
