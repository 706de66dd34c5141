"""What the person does with the provider, shared by the CLI (``tieline api ...``) and the
editor: register, list and remove clients; see and decide consent requests; list and
revoke grants. Async, like the rest of the hub; the storage runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.hub.grants import StoreGrants
from server.hub.store import Store

from . import scopes as scope_names
from .clients import Client, ClientKind, check_redirect_uri
from .consent import GRANT_CONNECTOR
from .errors import (
    ConsentAlreadyDecided,
    InvalidClientConfig,
    UnknownClient,
    UnknownConsentRequest,
    UnknownGrant,
)
from .storage import Clock, ConsentRequest, OAuthStorage
from .tokens import SECRET_PREFIX, hash_secret, new_client_id, new_value, normalise_user_code

log = logging.getLogger("tieline.oauth")


@dataclass(frozen=True)
class Registered:
    """A new client, and its secret (confidential clients) -- shown once, stored hashed."""

    client: Client
    secret: str | None


@dataclass(frozen=True)
class ApiGrant:
    """What the person allowed a client, as the ``grants`` table records it."""

    client_id: str
    client_name: str
    scopes: tuple[str, ...]
    granted_at: float
    live_tokens: int


class ApiAdmin:
    """The provider's management operations on the database at ``target`` (a file, or a
    PostgreSQL URL).

    ``store``: the hub's open store on that database, for the grants; without it each
    grant call opens the database briefly (the CLI's one command).
    """

    def __init__(
        self,
        target: Path | str,
        *,
        clock: Clock = time.time,
        storage: OAuthStorage | None = None,
        store: Store | None = None,
    ) -> None:
        self.target = target
        self.storage = storage or OAuthStorage(target, clock=clock)
        self.grants = StoreGrants(store, path=target)

    async def ready(self) -> ApiAdmin:
        """Apply the hub's migrations (a fresh database)."""
        async with Store.open(self.target):
            pass
        return self

    # -- clients ------------------------------------------------------------------------------

    async def add_client(
        self,
        name: str,
        *,
        kind: ClientKind,
        redirect_uris: Sequence[str],
        scopes: Sequence[str],
    ) -> Registered:
        name = name.strip()
        if not name:
            raise InvalidClientConfig("a client needs a name (shown on every consent prompt)")
        if kind not in ("public", "confidential"):
            raise InvalidClientConfig(f"client kind must be public or confidential, not {kind}")
        uris = tuple(check_redirect_uri(u, kind) for u in redirect_uris)
        wanted = scope_names.check_known(scopes) if scopes else list(scope_names.ALL_SCOPES)
        secret = new_value(SECRET_PREFIX) if kind == "confidential" else None
        client = Client(
            client_id=new_client_id(),
            name=name,
            kind=kind,
            redirect_uris=uris,
            scopes=tuple(wanted),
            secret_hash=hash_secret(secret) if secret else None,
            created_at=self.storage.clock(),
        )
        await asyncio.to_thread(self.storage.add_client, client)
        log.info("registered API client %s (%s, %s)", client.client_id, name, kind)
        return Registered(client, secret)

    async def list_clients(self) -> list[Client]:
        return await asyncio.to_thread(self.storage.list_clients)

    async def get_client(self, client_id: str) -> Client:
        found = await asyncio.to_thread(self.storage.get_client, client_id)
        if found is None:
            raise UnknownClient(f"no API client {client_id!r}; see `tieline api clients list`")
        return found

    async def remove_client(self, client_id: str) -> Client:
        """Forget a client: its tokens stop working at once, and its grant goes."""
        client = await self.get_client(client_id)
        await asyncio.to_thread(self.storage.remove_client, client_id)
        await self._forget_grant(client_id)
        log.info("removed API client %s", client_id)
        return client

    # -- consent ------------------------------------------------------------------------------

    async def pending(self) -> list[ConsentRequest]:
        return await asyncio.to_thread(self.storage.pending_consents)

    async def request(self, request_id: str) -> ConsentRequest:
        rid = normalise_user_code(request_id)
        found = await asyncio.to_thread(self.storage.get_consent, rid)
        if found is None or found.expired(self.storage.clock()):
            raise UnknownConsentRequest(
                f"no consent request {request_id!r} is waiting; see `tieline api pending`"
            )
        return found

    async def decide(self, request_id: str, *, approve: bool, by: str) -> ConsentRequest:
        """Approve or deny a waiting request; approving records the grant."""
        found = await self.request(request_id)
        if found.status != "pending":
            raise ConsentAlreadyDecided(f"request {found.id} was {found.status} already")
        if not await asyncio.to_thread(self.storage.decide_consent, found.id, approve, by):
            raise ConsentAlreadyDecided(f"request {found.id} was decided already")
        if approve:
            held = await self.grants.get_grant(GRANT_CONNECTOR, found.client_id) or ()
            await self.grants.record_grant(
                GRANT_CONNECTOR, found.client_id, {*held, *scope_names.parse(found.scope)}
            )
        log.info(
            "consent request %s of client %s %s by %s",
            found.id,
            found.client_id,
            "approved" if approve else "denied",
            by,
        )
        return await self.request(found.id)

    # -- grants -------------------------------------------------------------------------------

    async def list_grants(self) -> list[ApiGrant]:
        clients = {c.client_id: c for c in await self.list_clients()}
        out: list[ApiGrant] = []
        for g in await self.grants.list_grants(GRANT_CONNECTOR):
            client = clients.get(g.account)
            live = await asyncio.to_thread(self.storage.live_tokens, g.account)
            out.append(
                ApiGrant(
                    client_id=g.account,
                    client_name=client.name if client else "(removed client)",
                    scopes=tuple(g.scopes),
                    granted_at=g.granted_at.timestamp(),
                    live_tokens=live,
                )
            )
        return out

    async def revoke_grant(self, client_id: str) -> int:
        """Withdraw what a client was allowed: every token it holds stops working; it must
        ask again. How many live tokens were revoked."""
        if not await self._forget_grant(client_id):
            raise UnknownGrant(
                f"client {client_id!r} holds no grant; see `tieline api grants list`"
            )
        revoked = await asyncio.to_thread(self.storage.revoke_client_tokens, client_id)
        log.info("revoked the grant of API client %s (%d token(s))", client_id, revoked)
        return revoked

    async def _forget_grant(self, client_id: str) -> bool:
        return await self.grants.revoke_grant(GRANT_CONNECTOR, client_id)
