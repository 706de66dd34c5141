"""REST hooks in Zapier's manner: a client subscribes a target URL to an event pattern
(``POST /hooks``), gets an id back, and unsubscribes with ``DELETE /hooks/{id}``.

The API only keeps the subscriptions through a :class:`HookRegistry`; delivering events to
the targets (with retries, signatures, and dropping a hook whose target answers 410 Gone)
is the registry's business -- the server's registry is backed by the durable outgoing
webhooks. :class:`MemoryHooks` keeps them in a dict, for tests and for a server without
outgoing webhooks.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from .auth import Principal


@dataclass(frozen=True)
class Hook:
    """One subscription: whose it is, where events go, and which kinds (a glob)."""

    id: str
    subject: str
    target_url: str
    event: str


class HookRegistry(Protocol):
    """Where the API keeps REST hooks. Each principal sees and removes only its own.

    Methods may be plain or ``async`` (the API awaits what is awaitable)."""

    def subscribe(
        self, principal: Principal, url: str, event_pattern: str
    ) -> str | Awaitable[str]: ...

    def unsubscribe(self, principal: Principal, hook_id: str) -> bool | Awaitable[bool]: ...

    def list(self, principal: Principal) -> list[Hook] | Awaitable[list[Hook]]: ...


class MemoryHooks:
    """A :class:`HookRegistry` in memory: lost with the process, delivers nothing."""

    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}

    def subscribe(self, principal: Principal, url: str, event_pattern: str) -> str:
        hook_id = "hook_" + secrets.token_urlsafe(12)
        self.hooks[hook_id] = Hook(hook_id, principal.subject, url, event_pattern)
        return hook_id

    def unsubscribe(self, principal: Principal, hook_id: str) -> bool:
        hook = self.hooks.get(hook_id)
        if hook is None or hook.subject != principal.subject:
            return False
        del self.hooks[hook_id]
        return True

    def list(self, principal: Principal) -> list[Hook]:
        return [h for h in self.hooks.values() if h.subject == principal.subject]


__all__ = ["Hook", "HookRegistry", "MemoryHooks"]
