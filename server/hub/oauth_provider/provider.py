"""The provider as the HTTP layer and the API see it: one object, async methods, the
framework-neutral :class:`.adapter.HttpRequest` in and :class:`.adapter.HttpResponse` out.

authlib's server is synchronous and so is :class:`.storage.OAuthStorage`: each protocol
request runs in a worker thread (``asyncio.to_thread``), so the event loop never waits on
SQLite. The authorization endpoint is the one interactive step: it validates the request,
files a consent request, tells the listeners (the hub's bus -> the editor; tests' approvers),
and waits a little for the decision. If the person has not decided yet, the HTTP layer shows
a page that waits (:meth:`OAuthProvider.resume`), so a browser needs nothing but reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import OAuth2Error

from . import scopes as scope_names
from .adapter import HttpRequest, HttpResponse, to_response
from .admin import ApiAdmin
from .consent import EVENT, GRANT_CONNECTOR, event_payload
from .server import (
    SUBJECT,
    Lifetimes,
    TielineAuthorizationServer,
    bearer_request,
    new_request_id,
    protector,
    quiet_authlib,
    set_verification_uri,
)
from .storage import Clock, ConsentRequest, OAuthStorage

if TYPE_CHECKING:
    from server.hub.events import EventBus
    from server.hub.store import Store

log = logging.getLogger("tieline.oauth")
ConsentListener = Callable[[ConsentRequest], Awaitable[None] | None]
#: How often a waiting authorization looks for a decision made by another process (the CLI).
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Principal:
    """Who an API call acts for: the person (``subject``) through a client, with scopes."""

    subject: str
    client_id: str
    scopes: tuple[str, ...]
    token_id: int

    def can(self, scope: str) -> bool:
        return scope_names.satisfies(self.scopes, scope)


@dataclass(frozen=True)
class Waiting:
    """The authorization waits for the person; show ``request`` and come back to
    :meth:`OAuthProvider.resume`."""

    request: ConsentRequest


class OAuthProvider:
    """Tieline's OAuth 2.0 authorization server over the hub's database at ``target`` (a
    file, or a PostgreSQL URL); ``store``, the hub's open store on it, serves the grants."""

    def __init__(
        self,
        target: Path | str,
        *,
        store: Store | None = None,
        bus: EventBus | None = None,
        lifetimes: Lifetimes | None = None,
        clock: Clock = time.time,
        consent_wait: float = 2.0,
    ) -> None:
        quiet_authlib()
        self.target = target
        self.bus = bus
        self.lifetimes = lifetimes or Lifetimes()
        self.storage = OAuthStorage(target, clock=clock)
        self.admin = ApiAdmin(target, storage=self.storage, store=store)
        self.consent_wait = consent_wait
        self.listeners: list[ConsentListener] = []
        self.server = TielineAuthorizationServer(self.storage, self.lifetimes, self._filed)
        self._protector = protector(self.storage)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._decided: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Future[Any]] = set()

    @classmethod
    async def open(cls, target: Path | str, **kwargs: Any) -> OAuthProvider:
        """A provider over ``target``, its schema migrated first."""
        provider = cls(target, **kwargs)
        await provider.admin.ready()
        return provider

    def close(self) -> None:
        """Close the provider's database connections."""
        self.storage.close()

    # -- token-side endpoints ---------------------------------------------------------------

    async def token(self, req: HttpRequest) -> HttpResponse:
        return await self._http(self.server.create_token_response, req)

    async def revoke(self, req: HttpRequest) -> HttpResponse:
        return await self._http(self.server.create_endpoint_response, "revocation", req)

    async def introspect(self, req: HttpRequest) -> HttpResponse:
        return await self._http(self.server.create_endpoint_response, "introspection", req)

    async def device_authorization(self, req: HttpRequest, verification_uri: str) -> HttpResponse:
        def run() -> HttpResponse:
            set_verification_uri(verification_uri)
            return self.server.create_endpoint_response("device_authorization", req)  # type: ignore[no-any-return]

        return await self._http(run)

    # -- the authorization endpoint -------------------------------------------------------------

    async def authorize(self, req: HttpRequest) -> HttpResponse | Waiting:
        """Validate an authorization request (client, redirect URI, scopes, PKCE) and ask the
        person; the redirect with the code (or the refusal) once they decided, else
        :class:`Waiting`. An invalid request gets its error: a redirect carrying it when the
        redirect URI is known good, a 400 otherwise."""
        filed = await self._run(self._file, req)
        if isinstance(filed, HttpResponse):
            return filed
        return await self._await_decision(filed, req)

    async def resume(self, request_id: str, req: HttpRequest) -> HttpResponse | Waiting:
        """Look again at a waiting authorization (the waiting page reloads here)."""
        found = await asyncio.to_thread(self.storage.get_consent, request_id)
        if found is None or found.kind != "authorization_code":
            return _error(400, "invalid_request", "No such authorization request.")
        return await self._await_decision(found.id, req)

    async def decide(self, request_id: str, *, approve: bool, by: str) -> ConsentRequest:
        """The person's decision, made in this process (the editor, a test's approver)."""
        decided = await self.admin.decide(request_id, approve=approve, by=by)
        event = self._decided.get(decided.id)
        if event is not None:
            event.set()
        return decided

    def _file(self, req: HttpRequest) -> HttpResponse | str:
        try:
            grant = self.server.get_consent_grant(req, end_user=SUBJECT)
        except OAuth2Error as error:
            return self.server.handle_error_response(None, error)  # type: ignore[no-any-return]
        self.storage.purge()
        params = dict(grant.request.payload.data)
        for _attempt in range(5):  # 34 bits: a clash is rare, and then another id is drawn
            request_id = new_request_id()
            if self.storage.create_consent(
                id=request_id,
                kind="authorization_code",
                client_id=grant.request.client.get_client_id(),
                redirect_uri=grant.redirect_uri,
                scope=grant.request.scope,
                params=params,
                expires_in=self.lifetimes.consent,
            ):
                self._filed(request_id)
                return request_id
        raise RuntimeError("could not draw a free consent request id")

    async def _await_decision(self, request_id: str, req: HttpRequest) -> HttpResponse | Waiting:
        event = self._decided.setdefault(request_id, asyncio.Event())
        deadline = time.monotonic() + self.consent_wait
        while True:
            found = await asyncio.to_thread(self.storage.get_consent, request_id)
            if found is None or found.expired(self.storage.clock()):
                self._decided.pop(request_id, None)
                return _error(400, "invalid_request", "The authorization request expired.")
            if found.status != "pending":
                self._decided.pop(request_id, None)
                return await self._http(self._finish, found, req)
            left = deadline - time.monotonic()
            if left <= 0:
                # The page comes back through resume(); until then polling finds the answer.
                self._decided.pop(request_id, None)
                return Waiting(found)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=min(left, POLL_SECONDS))

    def _finish(self, found: ConsentRequest, req: HttpRequest) -> HttpResponse:
        """Replay the filed request: validated again (the client may be gone), then the code
        or ``access_denied`` -- once."""
        replay = HttpRequest(method="GET", url=req.url, query=list(found.params.items()))
        try:
            grant = self.server.get_consent_grant(replay, end_user=SUBJECT)
        except OAuth2Error as error:
            return self.server.handle_error_response(None, error)  # type: ignore[no-any-return]
        if found.status == "approved":
            if not self.storage.complete_consent(found.id):
                return _error(400, "invalid_request", "This authorization was completed already.")
            user: str | None = SUBJECT
        elif found.status == "denied":
            user = None
        else:
            return _error(400, "invalid_request", "This authorization was completed already.")
        return self.server.create_authorization_response(  # type: ignore[no-any-return]
            grant.request, grant_user=user, grant=grant
        )

    # -- telling the person -------------------------------------------------------------------

    def _filed(self, request_id: str) -> None:
        """Called from the worker thread that filed a consent request."""
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._announce, request_id)

    def _announce(self, request_id: str) -> None:
        self._decided.setdefault(request_id, asyncio.Event())
        task = asyncio.ensure_future(self._tell(request_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tell(self, request_id: str) -> None:
        found = await asyncio.to_thread(self.storage.get_consent, request_id)
        if found is None:
            return
        log.info(
            "client %s asks for %s (consent request %s)", found.client_id, found.scope, found.id
        )
        if self.bus is not None:
            from server.hub.events import Event

            await self.bus.publish(
                Event(EVENT, GRANT_CONNECTOR, found.client_id, found.id, event_payload(found))
            )
        for listener in list(self.listeners):
            try:
                result = listener(found)
                if result is not None:
                    await result
            except Exception:
                log.exception("a consent listener failed on request %s", found.id)

    # -- what the API calls -------------------------------------------------------------------

    def verify(self, token: str, required_scope: str) -> Principal | None:
        """The principal an access token acts for, if it is valid (known, not expired, not
        revoked) and holds ``required_scope``; None otherwise. Synchronous: one indexed
        SQLite read."""
        if required_scope not in scope_names.ALL_SCOPES:
            raise ValueError(f"unknown scope {required_scope!r}")
        try:
            record = self._protector.validate_request([required_scope], bearer_request(token))
        except OAuth2Error:
            return None
        return Principal(
            subject=record.subject,
            client_id=record.client_id,
            scopes=tuple(scope_names.parse(record.scope)),
            token_id=record.id,
        )

    def principal(self, token: str) -> Principal | None:
        """The principal of a live access token, with all its scopes (an authenticator's
        question: who is this; the route then asks for the scope it needs)."""
        try:
            record = self._protector.validate_request([], bearer_request(token))
        except OAuth2Error:
            return None
        return Principal(
            subject=record.subject,
            client_id=record.client_id,
            scopes=tuple(scope_names.parse(record.scope)),
            token_id=record.id,
        )

    async def averify(self, token: str, required_scope: str) -> Principal | None:
        """:meth:`verify` off the event loop."""
        return await asyncio.to_thread(self.verify, token, required_scope)

    # -- plumbing -----------------------------------------------------------------------------

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._loop = asyncio.get_running_loop()
        return await asyncio.to_thread(fn, *args)

    async def _http(self, fn: Callable[..., Any], *args: Any) -> HttpResponse:
        out = await self._run(fn, *args)
        assert isinstance(out, HttpResponse)
        return out


def _error(status: int, error: str, description: str) -> HttpResponse:
    return to_response(
        status,
        {"error": error, "error_description": description},
        [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
    )


_default: OAuthProvider | None = None


def use(provider: OAuthProvider | None) -> None:
    """Make ``provider`` the one :func:`verify` uses (the web app does, when it starts)."""
    global _default
    _default = provider


def verify(
    token: str, required_scope: str, provider: OAuthProvider | None = None
) -> Principal | None:
    """The principal of ``token`` if it is a live access token holding ``required_scope``.

    Uses ``provider``, else the one set with :func:`use`, else one over the hub's default
    database.
    """
    global _default
    if provider is None:
        if _default is None:
            from server.hub import paths

            _default = OAuthProvider(paths.database_file())
        provider = _default
    return provider.verify(token, required_scope)
