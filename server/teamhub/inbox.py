"""The team hub's webhook endpoint, ``POST /hooks/<team>/<source>``: verify as the local web
face does, then record the delivery id and append its events to the log in one transaction.

The checks are the web face's own (:data:`server.web.hooks.SOURCES`: each source's signature
over the exact bytes, the signed timestamp against the replay window) and so is the mapping
to domain events (:data:`server.web.hooks.mapping.MAPPERS`). What differs is where accepted
events go: not onto one process's bus but into the durable log every node tails, and only
once per delivery: the ledger row (:class:`~server.web.hooks.ledger.DeliveryLedger`, keyed
``<team>/<source>``), the log rows and the shared mirror's updates (:mod:`.mirror`) commit
together, so a sender's retry after a failure
here is accepted, and a replay after success is refused (409) on any node.

Deliveries are isolated per team: each team has its own path and its own secrets, and its
events carry its name.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.errors import ConfigError
from server.hub.eventlog import EventLog, LogTailer
from server.hub.events import Event
from server.hub.store import Database
from server.web.auth import self_authenticating
from server.web.bodies import BodyTooLarge, read_limited
from server.web.errors import HookNotConfigured, HookRefused, Replayed
from server.web.hooks.ledger import UNSIGNED_KEEP, DeliveryLedger
from server.web.hooks.mapping import MAPPERS
from server.web.hooks.sources import SOURCES
from server.web.replay import ReplayGuard

from .config import HubSecrets, HubSettings
from .metrics import HubMetrics
from .mirror import SharedMirror

log = logging.getLogger("tieline.hub.hooks")


class HubInbox:
    def __init__(
        self,
        *,
        settings: HubSettings,
        secrets: HubSecrets,
        db: Database,
        events: EventLog,
        tailer: LogTailer,
        metrics: HubMetrics,
        mirror: SharedMirror | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.mirror = mirror
        self.secrets = secrets
        self.db = db
        self.events = events
        self.tailer = tailer
        self.metrics = metrics
        self.guard = ReplayGuard(lambda: float(settings.replay_window), clock=clock)
        self.ledger = DeliveryLedger(db, clock=clock)
        #: Deliveries being handled now (graceful shutdown waits for them).
        self.in_flight = 0

    def routes(self) -> list[BaseRoute]:
        return [Route("/hooks/{team}/{source}", self.receive, methods=["POST"], name="hub_hooks")]

    def _failed(self, team: str, source: str, reason: str) -> None:
        self.metrics.deliveries.labels(team, source, reason).inc()
        self.metrics.deliveries_failed.labels(team, source, reason).inc()

    @self_authenticating(
        "webhook: each source's signature (or shared token) over the exact body received, with "
        "the team's own secret; see server.web.hooks.signatures"
    )
    async def receive(self, request: Request) -> Response:
        self.in_flight += 1
        try:
            return await self._receive(request)
        finally:
            self.in_flight -= 1

    async def _receive(self, request: Request) -> Response:
        team_name = request.path_params["team"]
        name = request.path_params["source"]
        team = self.settings.teams.get(team_name)
        source = SOURCES.get(name)
        if team is None or source is None or name not in team.sources:
            return PlainTextResponse("no such webhook endpoint\n", status_code=404)
        try:
            body = await read_limited(request, self.settings.max_body_kb * 1024)
        except BodyTooLarge:
            self._failed(team_name, name, "too_large")
            return PlainTextResponse("body too large\n", status_code=413)
        except ClientDisconnect:
            self._failed(team_name, name, "incomplete")
            return PlainTextResponse("incomplete body\n", status_code=400)
        key = f"{team_name}/{name}"
        try:
            try:
                secret = await asyncio.to_thread(self.secrets.hook_secret, team_name, name)
            except ConfigError as exc:
                log.error("webhook for %s: %s", key, exc.message)
                secret = None
            if secret is None:
                raise HookNotConfigured(f"no webhook secret is set for {key}")
            delivery = source.verify(secret, request.headers, body, self.guard)
        except HookRefused as exc:
            reason = type(exc).__name__.lower()
            self._failed(team_name, name, reason)
            log.info("webhook for %s refused: %s", key, exc.message)
            return PlainTextResponse(exc.message + "\n", status_code=exc.status)
        if delivery.reply is not None:  # a handshake (Slack's challenge): nothing to log
            return JSONResponse(delivery.reply)
        try:
            events = MAPPERS[name](delivery.event, delivery.payload, delivery.delivery_id)
        except Exception:  # a payload shape we did not foresee: keep the delivery's 2xx
            log.exception("webhook for %s (%s): could not map it", key, delivery.event)
            events = []
        try:
            ids = await self._record(team_name, key, delivery.delivery_id, delivery.timed, events)
        except Replayed as exc:
            self._failed(team_name, name, "replayed")
            log.info("webhook for %s refused: %s", key, exc.message)
            return PlainTextResponse(exc.message + "\n", status_code=exc.status)
        except Exception:
            # The store is away: answer 503 so the sender retries; nothing was recorded.
            self._failed(team_name, name, "store")
            log.exception("webhook for %s: could not record it; the sender will retry", key)
            return PlainTextResponse("try again later\n", status_code=503)
        self.tailer.wake()
        self.metrics.deliveries.labels(team_name, name, "accepted").inc()
        if ids:
            self.metrics.events_in.labels(team_name, name).inc(len(ids))
        log.info(
            "webhook for %s: %s %s -> %s",
            key,
            delivery.event or "?",
            delivery.delivery_id or "",
            ", ".join(f"{e.kind}#{i}" for e, i in zip(events, ids, strict=True)) or "nothing",
        )
        return JSONResponse({"accepted": True, "events": [e.kind for e in events], "ids": ids})

    async def _record(
        self, team: str, key: str, delivery_id: str | None, timed: bool, events: list[Event]
    ) -> list[int]:
        async with self.db.transaction():
            if delivery_id:
                keep = float(self.settings.replay_window) if timed else UNSIGNED_KEEP
                await self.ledger.accept(key, delivery_id, keep=keep)
            source = key.partition("/")[2]
            ids = await self.events.append(team, source, delivery_id, events)
            if self.mirror is not None:
                await self.mirror.record(team, events, ids)
            return ids


__all__ = ["HubInbox"]
