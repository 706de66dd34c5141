"""Incremental consent: a capability of an account is used only once the account's grant
holds every scope its manifest says that capability needs.

A sign-in asks for the manifest's sign-in scopes (:attr:`OAuth2.sign_in_scopes`); the
``on_demand`` ones are asked the first time a feature reaches for their capability, and a
scope the person left unticked on a consent screen that lets them choose (Google's granular
consent) is asked again the same way. The gate sits where every feature finds its sessions
(:meth:`Hub.sessions_with`), so no feature and no connector writes a check of its own.

When a session lacks scopes, the gate leaves it out and remembers a :class:`ConsentWanted`
(what the Integrations list shows); a feature the person is using (``ask``) also gets it
announced once per account and capability as an ``auth.consent_required`` event, which the
editor turns into an offer to allow the new scopes. Only sessions signed in through an OAuth
flow Tieline ran are gated: a pasted token carries the scopes its owner chose, and the
service says so when one is missing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass

from connectors.sdk.manifest import Scope

from .auth.service import holds
from .events import Event, EventBus, EventKind
from .sessions import Session

log = logging.getLogger("tieline.consent")
#: Sign-in methods whose grant Tieline recorded from the consent it asked for.
GATED_METHODS = frozenset({"pkce", "device"})


@dataclass(frozen=True)
class ConsentWanted:
    """An account whose ``capability`` waits for the person to allow ``scopes``."""

    connector: str
    host: str
    login: str
    service: str
    capability: str
    scopes: tuple[Scope, ...]

    @property
    def account(self) -> str:
        return f"{self.login}@{self.host}"

    def text(self) -> str:
        reasons = "; ".join(f"{s.name}: {s.why}" for s in self.scopes)
        return (
            f"{self.service} ({self.account}): {self.capability} needs a permission you have"
            f" not given Tieline yet -- {reasons}"
        )


def missing_scopes(session: Session, capability: str) -> tuple[Scope, ...]:
    """The scopes ``capability`` needs that the session's grant lacks (none when ungated)."""
    granted = session.granted
    oauth = session.manifest.auth.oauth2
    if granted is None or oauth is None or session.method not in GATED_METHODS:
        return ()
    return tuple(s for s in oauth.scopes_for((capability,)) if not holds(granted, s.name))


class ConsentGate:
    """Which sessions may serve a capability, and the consents waiting to be asked."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.wanted: dict[tuple[str, str], ConsentWanted] = {}
        self._announced: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[int]] = set()

    def allows(self, session: Session, capability: str, *, ask: bool) -> bool:
        missing = missing_scopes(session, capability)
        key = (session.key, capability)
        if not missing:
            self.wanted.pop(key, None)
            return True
        want = ConsentWanted(
            session.connector_id,
            session.host,
            session.login,
            session.manifest.name,
            capability,
            missing,
        )
        self.wanted[key] = want
        if ask and key not in self._announced:
            self._announced.add(key)
            self._announce(session, want)
        return False

    def forget(self, keys: Collection[str]) -> None:
        """A session closed (signed out, or reopened with a new grant): ask afresh."""
        for key in [k for k in self.wanted if k[0] in keys]:
            del self.wanted[key]
        self._announced = {k for k in self._announced if k[0] not in keys}

    def _announce(self, session: Session, want: ConsentWanted) -> None:
        log.info("%s waits for consent to %s", session.key, ", ".join(s.name for s in want.scopes))
        event = Event(
            EventKind.AUTH_CONSENT_REQUIRED,
            want.connector,
            session.key,
            want.capability,
            {
                "host": want.host,
                "login": want.login,
                "service": want.service,
                "capability": want.capability,
                "scopes": [s.name for s in want.scopes],
            },
        )
        try:
            task = asyncio.get_running_loop().create_task(self.bus.publish(event))
        except RuntimeError:  # no loop: a synchronous caller (a test, the CLI) -- nobody to ask
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
