"""The team hub's API: ``GET /api/v1/events/stream`` (SSE from the event log),
``GET /api/v1/events`` (a page of it), ``GET /api/v1/items`` (the shared mirror's changed
items, :mod:`.mirror`) and ``GET``/``DELETE /api/v1/me`` (what the hub holds about the
caller, and forgetting it).

The stream speaks the local API's wire format exactly (:mod:`server.web.api`: ``id: N``,
``event: <kind>``, ``data: <EventOut JSON>``, a ``retry:`` hint, ``: keep-alive`` comments,
an ``event: gap`` frame when retention deleted events the client had not read), so one client
reads both. Ids are the log's, the same on every node: a client that reconnects to another
node with ``Last-Event-ID`` gets exactly the events after it. ``payload.item_keys`` lists the
affected items' keys, so an editor refreshes only those.

Callers are OAuth clients holding the provider's access tokens (``events:read`` for the
stream); the client id's team (:meth:`~.config.HubSettings.team_of`) decides which events it
sees, and a client in no team is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from server.hub.eventlog import PAGE, EventLog, LoggedEvent, LogTailer
from server.hub.oauth_provider.provider import OAuthProvider
from server.hub.store import Database
from server.web.api.models import EventOut, EventPage, EventQuery
from server.web.api.problems import ApiError
from server.web.auth import Principal

from .config import HubSettings
from .metrics import HubMetrics
from .mirror import ItemQuery, SharedMirror

log = logging.getLogger("tieline.hub.streams")

Q = TypeVar("Q", bound=BaseModel)

SCOPE = "events:read"
#: Frames written to a stream at once at most.
_BATCH = 64

_UPSERT = (
    "INSERT INTO hub_stream_cursors (client_id, node, team, last_event_id, connected_at,"
    " last_seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, node) DO UPDATE SET"
    " team = excluded.team, last_event_id = excluded.last_event_id,"
    " last_seen_at = excluded.last_seen_at"
)
#: A new stream: also its connection time.
_CONNECTED = _UPSERT + ", connected_at = excluded.connected_at"
#: A stream that ended: where it got to.
_SEEN = _UPSERT


class Frames:
    """Each row's frame made once per node, not once per stream: with a hundred streams of a
    team following, serialising is otherwise most of the work of a push."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._made: OrderedDict[int, str] = OrderedDict()

    def __call__(self, row: LoggedEvent) -> str:
        made = self._made.get(row.id)
        if made is None:
            made = self._made[row.id] = frame(row)
            if len(self._made) > self.size:
                self._made.popitem(last=False)
        return made


def event_out(row: LoggedEvent) -> EventOut:
    """A row as the local API shows an event, with ``payload.item_keys`` added."""
    e = row.event
    payload = json.loads(json.dumps(e.payload, default=str))
    payload["item_keys"] = list(row.item_keys)
    return EventOut(
        id=row.id, kind=e.kind, connector=e.connector, account=e.account, subject=e.subject,
        payload=payload, time=e.time,
    )  # fmt: skip


def frame(row: LoggedEvent) -> str:
    """One SSE frame, as the local API's stream writes it."""
    data = event_out(row).model_dump_json()
    return f"id: {row.id}\nevent: {row.event.kind}\ndata: {data}\n\n"


class Streams:
    """The stream and ``/me`` endpoints of one hub node."""

    def __init__(
        self,
        *,
        settings: HubSettings,
        db: Database,
        events: EventLog,
        tailer: LogTailer,
        provider: OAuthProvider,
        metrics: HubMetrics,
        node: str,
        mirror: SharedMirror | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.db = db
        self.mirror = mirror or SharedMirror(db)
        self.events = events
        self.tailer = tailer
        self.provider = provider
        self.metrics = metrics
        self.node = node
        self.clock = clock
        self.stopping = asyncio.Event()
        self.open = 0
        self.frames = Frames()
        #: Set while no stream is open.
        self._idle = asyncio.Event()
        self._idle.set()
        self._background: set[asyncio.Task[None]] = set()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/v1/events", self.page, methods=["GET"], name="hub_events"),
            Route("/api/v1/events/stream", self.stream, methods=["GET"], name="hub_stream"),
            Route("/api/v1/items", self.items, methods=["GET"], name="hub_items"),
            Route("/api/v1/me", self.me, methods=["GET", "DELETE"], name="hub_me"),
        ]

    def _caller(self, request: Request, scope: str | None) -> tuple[Principal, str]:
        who = request.user
        if not isinstance(who, Principal) or who.via != "oauth":
            raise ApiError("unauthorized", "an OAuth access token of this hub is needed")
        if scope is not None and not who.allows(scope):
            raise ApiError("insufficient-scope", f"this needs {scope}", extra={"scope": scope})
        team = self.settings.team_of(who.subject)
        if team is None:
            raise ApiError(
                "insufficient-scope",
                "this client is in no team of this hub",
                extra={"scope": scope},
            )
        return who, team

    def _query(self, request: Request, model: type[Q]) -> tuple[str, Q]:
        """The caller's team (``events:read`` needed) and its query parameters as ``model``."""
        _who, team = self._caller(request, SCOPE)
        try:
            return team, model.model_validate(dict(request.query_params))
        except ValidationError as exc:
            raise ApiError("validation", str(exc.errors()[0]["msg"])) from None

    # -- a page of events -------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        """``GET /api/v1/events?since=N&limit=M``: the team's events after N, as the local
        API's ``EventPage`` (for a client that polls, or catches up before it streams)."""
        try:
            team, q = self._query(request, EventQuery)
        except ApiError as exc:
            return exc.response(request.url.path)
        rows = await self.events.after(q.since, team=team, limit=q.limit)
        first = await self.events.first_id()
        out = EventPage(
            items=[event_out(r) for r in rows],
            last_id=await self.events.last_id(),
            gap=q.since < first - 1,
        )
        return Response(out.model_dump_json(), media_type="application/json")

    async def items(self, request: Request) -> Response:
        """``GET /api/v1/items?since=N&limit=M[&connector=C]``: the team's items whose newest
        event came after event id N, oldest change first (``ItemPage``)."""
        try:
            team, q = self._query(request, ItemQuery)
        except ApiError as exc:
            return exc.response(request.url.path)
        out = await self.mirror.changed(team, q)
        return Response(out.model_dump_json(), media_type="application/json")

    # -- the stream ------------------------------------------------------------------------------

    async def stream(self, request: Request) -> Response:
        try:
            who, team = self._caller(request, SCOPE)
            if self.stopping.is_set():
                raise ApiError("service-unavailable", "this node is shutting down; reconnect")
            if self.open >= self.settings.max_streams:
                raise ApiError("service-unavailable", "this node serves as many streams as it may")
        except ApiError as exc:
            return exc.response(request.url.path)
        header = request.headers.get("last-event-id", "").strip()
        newest = await self.events.last_id()
        after = int(header) if header.isdigit() else max(self.tailer.cursor, 0)
        if after > newest:  # an id of another database: all that is kept
            after = 0
        first = await self.events.first_id()
        self._cursor(who.subject, team, after, connected=True)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            self._lines(request, who.subject, team, after, first),
            media_type="text/event-stream",
            headers=headers,
        )

    async def _lines(
        self, request: Request, client: str, team: str, after: int, first: int
    ) -> AsyncIterator[str]:
        self.open += 1
        self._idle.clear()
        gauge = self.metrics.streams.labels(team)
        gauge.inc()
        pushes = self.metrics.pushes_out.labels(team)
        follower, upto = self.tailer.follow(team)
        try:
            yield f"retry: 3000\n: resuming after {after}\n\n"
            if after < first - 1:  # retention deleted some before this client read them
                gap = json.dumps({"after": after, "first": first})
                yield f"event: gap\ndata: {gap}\n\n"
            while not self.stopping.is_set():
                # What this node's tailer had passed when the follower joined: from the log.
                while after < upto:
                    rows = await self.events.after(after, team=team, upto=upto)
                    for row in rows:
                        yield self.frames(row)
                        pushes.inc()
                        after = row.id
                    if len(rows) < PAGE:
                        break
                # Then live, from the tailer.
                while not self.stopping.is_set() and not follower.overflowed:
                    try:
                        async with asyncio.timeout(self.settings.keepalive):
                            got = await follower.queue.get()
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        if await request.is_disconnected():
                            return
                        continue
                    # Whatever else is queued goes out in the same write (a burst of
                    # deliveries costs one send per stream, not one per event).
                    batch: list[str] = []
                    while True:
                        if got is not None and got.id > after:
                            batch.append(self.frames(got))
                            after = got.id
                        if follower.queue.empty() or len(batch) >= _BATCH:
                            break
                        got = follower.queue.get_nowait()
                    if batch:
                        yield "".join(batch)
                        pushes.inc(len(batch))
                if follower.overflowed:  # too slow for the queue: read the rest from the log
                    self.tailer.unfollow(follower)
                    follower, upto = self.tailer.follow(team)
            yield ": this node is shutting down; reconnect with Last-Event-ID\n\n"
        finally:
            self.tailer.unfollow(follower)
            self.open -= 1
            if not self.open:
                self._idle.set()
            gauge.dec()
            self._cursor(client, team, after, connected=False)

    def _cursor(self, client: str, team: str, last: int, *, connected: bool) -> None:
        """Record where this client is on this node, off the request's own task (a stream's
        end is a cancellation, in which no further await of that task may run)."""

        async def write() -> None:
            now = self.clock()
            try:
                await self.db.execute(
                    _CONNECTED if connected else _SEEN, (client, self.node, team, last, now, now)
                )
            except Exception:
                log.exception("could not record a stream's cursor")

        task = asyncio.get_running_loop().create_task(write())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self, grace: float) -> None:
        """End every stream (each sends a last comment and returns), then let the cursor
        writes finish; wait ``grace`` seconds at most."""
        self.stopping.set()
        for f in list(self.tailer.followers):
            f.wake()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                if self.open:
                    await self._idle.wait()
                while self._background:
                    await asyncio.gather(*self._background, return_exceptions=True)

    # -- what the hub holds about the caller -------------------------------------------------------

    async def me(self, request: Request) -> Response:
        try:
            who, team = self._caller(request, None)
        except ApiError as exc:
            return exc.response(request.url.path)
        if request.method == "DELETE":
            return JSONResponse(await self._forget(who.subject))
        return JSONResponse(await self._held(who.subject, team))

    async def _held(self, client_id: str, team: str) -> dict[str, Any]:
        client = await asyncio.to_thread(self.provider.storage.get_client, client_id)
        tokens = await self.db.fetchall(
            "SELECT id, scope, issued_at, expires_at, revoked_at FROM oauth_tokens"
            " WHERE client_id = ? ORDER BY id",
            (client_id,),
        )
        cursors = await self.db.fetchall(
            "SELECT node, team, last_event_id, connected_at, last_seen_at"
            " FROM hub_stream_cursors WHERE client_id = ? ORDER BY node",
            (client_id,),
        )
        return {
            "client_id": client_id,
            "client_name": client.name if client else None,
            "team": team,
            "tokens": [
                {
                    "id": int(t["id"]),
                    "scope": t["scope"],
                    "issued_at": t["issued_at"],
                    "expires_at": t["expires_at"],
                    "revoked_at": t["revoked_at"],
                }
                for t in tokens
            ],
            "stream_cursors": [
                {k: c[k] for k in ("node", "team", "last_event_id", "connected_at", "last_seen_at")}
                for c in cursors
            ],
            "not_held": [
                "your credentials to GitHub, GitLab, Jira or any other service",
                "your IP address or user agent",
                "what your editor shows or does with the events",
            ],
            "team_events": (
                "the team's webhook events are the team's, not yours: they are kept "
                f"{self.settings.retention_days:g} days, then deleted"
            ),
        }

    async def _forget(self, client_id: str) -> dict[str, Any]:
        """Revoke the caller's tokens and forget its cursors; the client registration stays
        (an operator removes it with ``tieline api clients remove``)."""
        revoked = await asyncio.to_thread(self.provider.storage.revoke_client_tokens, client_id)
        forgot = await self.db.execute(
            "DELETE FROM hub_stream_cursors WHERE client_id = ?", (client_id,)
        )
        log.info("client %s asked to be forgotten: %d tokens revoked", client_id, revoked)
        return {"revoked_tokens": revoked, "forgotten_cursors": forgot}


__all__ = ["SCOPE", "Streams", "frame"]
