"""The webhook endpoint: read the body (bounded), verify, refuse replays, publish."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.hub.events import EventBus

from ..auth import self_authenticating
from ..bodies import BodyTooLarge, read_limited
from ..errors import HookNotConfigured, HookRefused
from ..replay import ReplayGuard
from ..secrets import WebSecrets
from .ledger import UNSIGNED_KEEP, DeliveryLedger
from .mapping import MAPPERS
from .sources import SOURCES

log = logging.getLogger("tieline.web.hooks")


class HookInbox:
    """The ``/hooks/{source}`` route and what it needs: the secrets, the replay guard, the
    bus, and (optionally) what to call after a delivery (a debounced sync)."""

    def __init__(
        self,
        *,
        secrets: WebSecrets,
        bus: EventBus,
        guard: ReplayGuard,
        max_body: Callable[[], int],
        after: Callable[[], Awaitable[None]] | None = None,
        ledger: DeliveryLedger | None = None,
    ) -> None:
        self.secrets = secrets
        self.bus = bus
        self.guard = guard
        self.max_body = max_body
        self.after = after
        #: Accepted ids in the store (None: memory only, as for a hub without a database).
        self.ledger = ledger
        self._background: set[asyncio.Task[None]] = set()

    def routes(self) -> list[BaseRoute]:
        return [Route("/hooks/{source}", self.receive, methods=["POST"], name="hooks")]

    @self_authenticating(
        "webhook: each source's signature (or shared token) over the exact body received, "
        "checked before anything is read from it; see server.web.hooks.signatures"
    )
    async def receive(self, request: Request) -> Response:
        name = request.path_params["source"]
        source = SOURCES.get(name)
        if source is None:
            return PlainTextResponse("no such webhook source\n", status_code=404)
        try:
            body = await read_limited(request, self.max_body())
        except BodyTooLarge:
            return PlainTextResponse("body too large\n", status_code=413)
        except ClientDisconnect:
            return PlainTextResponse("incomplete body\n", status_code=400)
        try:
            secret = await asyncio.to_thread(self.secrets.hook_secret, name)
            if secret is None:
                raise HookNotConfigured(f"no webhook secret is kept for {name}")
            delivery = source.verify(secret, request.headers, body, self.guard)
            if delivery.delivery_id:
                self.guard.accept(name, delivery.delivery_id)
                if self.ledger is not None:
                    keep = self.guard.window() if delivery.timed else UNSIGNED_KEEP
                    await self.ledger.accept(name, delivery.delivery_id, keep=keep)
        except HookRefused as exc:
            log.info("webhook from %s refused: %s", name, exc.message)
            return PlainTextResponse(exc.message + "\n", status_code=exc.status)
        if delivery.reply is not None:
            return JSONResponse(delivery.reply)
        try:
            events = MAPPERS[name](delivery.event, delivery.payload, delivery.delivery_id)
        except Exception:  # a payload shape we did not foresee: keep the delivery's 2xx
            log.exception("webhook from %s (%s): could not map it", name, delivery.event)
            events = []
        for event in events:
            self.bus.emit(event)
        log.info(
            "webhook from %s: %s %s -> %s",
            name,
            delivery.event or "?",
            delivery.delivery_id or "",
            ", ".join(e.kind for e in events) or "nothing",
        )
        if self.after is not None and events:
            self._spawn(self.after())
        return JSONResponse({"accepted": True, "events": [e.kind for e in events]})

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("after a webhook: the follow-up failed")

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
