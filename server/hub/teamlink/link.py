"""The link to the team hub: one resilient SSE connection, its state, and what an event does.

States: ``off`` (not configured), ``connecting``, ``connected`` (push: the covered
connectors' polls stretch to the safety interval), ``fallback`` (the hub is unreachable:
normal polling, the first poll at once, reconnecting with capped jittered backoff) and
``auth_required`` (the hub refused the token: no retry until the token in the vault
changes, one ``auth.required`` event on the bus). A stream that drops after it was up is
resumed with ``Last-Event-ID`` after the server's ``retry`` time, without falling back;
only a reconnect that fails falls back.

The last applied event id is kept in the store's checkpoints (connector ``teamhub``, the
stream URL's host and path as the account, stream ``last_event_id``), written after the
event's refresh jobs are enqueued (durably), so a restart resumes where the last run left
off and a crash between the two re-applies an event rather than skipping it; refreshes are
coalesced and idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import json
import logging
import random
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import certifi
import httpx
from pydantic import BaseModel

from connectors.sdk.errors import TielineError
from connectors.sdk.redact import redact, register_secret

from ..events import VIA_WEBHOOK, Event, EventKind
from ..jobs import JobContext
from ..jobs.backoff import backoff_delay
from .refresh import ITEM, Target, known_item, streams_for, syncers_of, targets
from .sse import Comment, Retry, SSEParser, SSEvent

if TYPE_CHECKING:
    from ..config import TeamHubSettings
    from ..hub import Hub

log = logging.getLogger("tieline.teamlink")

#: The connector name the link's checkpoints and events carry.
TEAMHUB = "teamhub"
#: The job kind of a pushed event's refresh (one per session and stream, coalesced).
REFRESH_JOB = "teamhub.refresh"
#: ``payload[MARK]`` of an event this link republished: the hub's event id. An event that
#: already carries it came through a team link and is not applied again (a hub that streams
#: what a local Tieline republished would otherwise echo it forever).
MARK = "team_hub"
LAST_ID = "last_event_id"
STATE = "state"
#: Seconds between reconnects at most, and before the first one when the server set none.
MAX_BACKOFF = 300.0
DEFAULT_RETRY = 3.0
#: With no byte for this long (the server sends a keep-alive comment every 15 s), the
#: connection counts as dead.
IDLE_TIMEOUT = 45.0
#: How often the vault is read again while the hub refuses the token.
TOKEN_RECHECK = 30.0


class LinkState(enum.StrEnum):
    OFF = "off"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FALLBACK = "fallback"
    AUTH_REQUIRED = "auth_required"


class LinkStatus(BaseModel):
    """What ``tieline/status`` and ``tieline doctor`` show of the link (never the token)."""

    state: LinkState
    url: str | None = None
    last_event_id: str | None = None
    #: Seconds from an event's time at the hub to its arrival here, for the last event.
    lag_seconds: float | None = None
    last_event_at: datetime | None = None
    since: datetime | None = None
    error: str | None = None
    events: int = 0
    reconnects: int = 0


class SecretStore(Protocol):
    def get_secret(self, record_id: str) -> str | None: ...


class SecretWriter(SecretStore, Protocol):
    """What ``tieline teamhub token`` needs of a vault (:class:`server.hub.vault.Vault`)."""

    def set_secret(self, record_id: str, secret: str) -> None: ...

    def delete_secret(self, record_id: str) -> bool: ...


class LinkError(TielineError):
    """The hub answered, but not with an event stream (``retry_after``: seconds it asked
    to be left alone, from ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def shown(url: str) -> str:
    """The stream URL without its query (which could carry something private)."""
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}{p.path}"


def record_for(settings: TeamHubSettings) -> str:
    """The vault record of the hub's token: the configured one, else ``teamhub:<host>``."""
    if settings.token_ref:
        return settings.token_ref
    return f"{TEAMHUB}:{(urlsplit(settings.url or '').hostname or '').lower()}"


def _fingerprint(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else None


def _numeric(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


class TeamLink:
    """Follows the team hub's event stream for one hub (:class:`server.hub.hub.Hub`)."""

    def __init__(
        self,
        hub: Hub,
        *,
        vault: Callable[[], SecretStore],
        transport: httpx.AsyncBaseTransport | None = None,
        rng: Callable[[], float] = random.random,
        max_backoff: float = MAX_BACKOFF,
        idle_timeout: float = IDLE_TIMEOUT,
        token_recheck: float = TOKEN_RECHECK,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hub = hub
        self._vault_open = vault
        self._vault: SecretStore | None = None
        self.transport = transport
        self.rng = rng
        self.max_backoff = max_backoff
        self.idle_timeout = idle_timeout
        self.token_recheck = token_recheck
        self.clock = clock
        self.state = LinkState.OFF
        self.status_changed: Callable[[LinkStatus], None] | None = None
        self._since: float | None = None
        self._error: str | None = None
        self._last_id: str | None = None
        self._lag: float | None = None
        self._last_at: float | None = None
        self._events = 0
        self._reconnects = 0
        self._retry = DEFAULT_RETRY
        self._refused: str | None = None  # the refused token's fingerprint
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: tuple[str | None, str, bool] | None = None
        #: Whether pushed events stand in for polls: from the stream's first bytes until a
        #: reconnect fails (a drop that resumes at once keeps it).
        self.pushing = False
        self._pending: set[asyncio.Task[None]] = set()
        self._up = False  # whether the current connection delivered anything
        hub.worker.handlers[REFRESH_JOB] = self._run_refresh

    # -- settings and lifecycle ---------------------------------------------------------------

    @property
    def settings(self) -> TeamHubSettings:
        return self.hub.config.team_hub

    @property
    def account(self) -> str:
        """The checkpoints' account: the stream's host and path (another hub, other ids)."""
        return account_of(self.settings)

    def _wanted(self) -> tuple[str | None, str, bool]:
        s = self.settings
        return (s.url, record_for(s), bool(s.enabled and s.url))

    def start(self) -> None:
        """Follow the stream (on the running loop) when enabled; idempotent."""
        if self._task is not None and not self._task.done():
            return
        wanted = self._wanted()
        self._running = wanted
        if not wanted[2]:
            self._set(LinkState.OFF)
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="tieline-teamlink")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._set(LinkState.OFF)
        if self._pending:  # the last state written before the store closes
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def reconfigured(self) -> None:
        """After a configuration reload: restart when the URL, token record or switch
        changed (a token re-read is part of the restart)."""
        if self._running is not None and self._wanted() != self._running:
            await self.stop()
            self.start()

    def token_changed(self) -> None:
        """A new token was put in the vault: try it now rather than at the next recheck."""
        self._refused = None
        self._wake.set()

    # -- what the editor shows ------------------------------------------------------------------

    def status(self) -> LinkStatus:
        def dt(ts: float | None) -> datetime | None:
            return datetime.fromtimestamp(ts, UTC) if ts else None

        url = self.settings.url
        return LinkStatus(
            state=self.state,
            url=shown(url) if url else None,
            last_event_id=self._last_id,
            lag_seconds=self._lag,
            last_event_at=dt(self._last_at),
            since=dt(self._since),
            error=self._error,
            events=self._events,
            reconnects=self._reconnects,
        )

    def covers(self, connector: str) -> bool:
        return connector in self.settings.covers

    def poll_interval(self, connector: str) -> float:
        """The poll interval a session of ``connector`` gets now: the safety interval while
        pushed events cover it, else the normal one."""
        if self.pushing and self.covers(connector):
            return self.settings.safety_interval
        return self.hub.config.sync.poll_interval

    def _set(self, state: LinkState, error: str | None = None) -> None:
        if state is self.state and error == self._error:
            return
        before, pushed = self.state, self.pushing
        self.state, self._error = state, error
        if state is not before:
            self._since = self.clock()
        self.pushing = state is LinkState.CONNECTED or (state is LinkState.CONNECTING and pushed)
        if state is not before:
            log.info("team hub link: %s%s", state.value, f" ({error})" if error else "")
            self._save_state()
        if self.pushing != pushed:
            self._retime(poll_now=before is not LinkState.OFF)
        if self.status_changed is not None:
            try:
                self.status_changed(self.status())
            except Exception:  # the editor went away: the link goes on
                log.debug("team hub status listener failed", exc_info=True)

    def _retime(self, *, poll_now: bool) -> None:
        """Stretch or restore the covered sessions' polls for the state just entered; a
        restored poll runs at once (what the hub pushed since it went away is unknown)."""
        for key, s in list(self.hub.sessions.items()):
            if not self.covers(s.connector_id):
                continue
            want = self.poll_interval(s.connector_id)
            if self.hub.scheduler.interval(key) in (None, want):
                continue
            stretched = want == self.settings.safety_interval
            due = None if stretched or not poll_now else 0.0
            self.hub.scheduler.retime(key, want, due_in=due)

    def _save_state(self) -> None:
        if self.state is LinkState.OFF or not self.settings.url:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(
            self.hub.store.set_checkpoint(TEAMHUB, self.account, STATE, self.state.value)
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # -- the connection -------------------------------------------------------------------------

    def _store_vault(self) -> SecretStore:
        if self._vault is None:
            self._vault = self._vault_open()
        return self._vault

    async def _token(self) -> str | None:
        try:
            vault = self._store_vault()
            token = await asyncio.to_thread(vault.get_secret, record_for(self.settings))
        except Exception as exc:  # a locked keyring: say so, try again later
            log.warning("team hub token unreadable: %s", redact(str(exc)))
            return None
        if token:
            register_secret(token)
        return token or None

    async def _run(self) -> None:
        saved = await self.hub.store.get_checkpoint(TEAMHUB, self.account, LAST_ID)
        self._last_id = saved.cursor if saved is not None else None
        failures = 0
        self._set(LinkState.CONNECTING)
        while True:
            token = await self._token()
            if token is None or _fingerprint(token) == self._refused:
                await self._auth_required(
                    None if token else f"no token in the vault record {record_for(self.settings)}"
                )
                await self._pause(self.token_recheck)
                continue
            self._up = False
            wait: float | None = None
            try:
                await self._stream(token)
            except _Refused as exc:
                self._refused = _fingerprint(token)
                await self._auth_required(f"the hub refused the token ({exc.status})")
                continue
            except (httpx.HTTPError, LinkError, OSError) as exc:
                self._error = redact(str(exc) or type(exc).__name__)
                wait = exc.retry_after if isinstance(exc, LinkError) else None
                log.debug("team hub stream: %s", self._error)
            except Exception as exc:  # a bug must not leave polls stretched with no push
                self._error = redact(f"{type(exc).__name__}: {exc}")
                log.exception("team hub stream failed")
            self._reconnects += 1
            if self._up:  # it was up: resume at once (after the server's retry time)
                failures = 0
                self._set(LinkState.CONNECTING)
                await self._pause(self._retry * (0.5 + self.rng() / 2))
                continue
            failures += 1
            self._set(LinkState.FALLBACK, self._error)
            base = max(self._retry, 0.05)
            delay = backoff_delay(failures, base=base, cap=self.max_backoff, rng=self.rng)
            await self._pause(max(delay, min(wait or 0.0, self.max_backoff)))

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        # Not ``wait_for``: on Python 3.11 a wake that lands as the task is cancelled (a new
        # token as the link stops) returns the wait and swallows the cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    async def _auth_required(self, reason: str | None) -> None:
        if self.state is LinkState.AUTH_REQUIRED:
            return
        host = urlsplit(self.settings.url or "").hostname or ""
        self._set(LinkState.AUTH_REQUIRED, reason)
        await self.hub.bus.publish(
            Event(
                EventKind.AUTH_REQUIRED,
                TEAMHUB,
                self.account,
                host,
                {
                    "host": host,
                    "service": "Team hub",
                    "reason": reason,
                    "how": "Put a new token in the vault: tieline teamhub token "
                    f"--record {record_for(self.settings)}",
                },
            )
        )

    def _client(self) -> httpx.AsyncClient:
        ca = self.hub.config.network.ca_bundle
        verify = ssl.create_default_context(cafile=str(Path(ca)) if ca else certifi.where())
        timeout = httpx.Timeout(10.0, read=self.idle_timeout)
        if self.transport is not None:
            return httpx.AsyncClient(transport=self.transport, timeout=timeout)
        return httpx.AsyncClient(verify=verify, timeout=timeout, follow_redirects=False)

    async def _stream(self, token: str) -> None:
        """One connection, until it ends; :attr:`_up` says whether it delivered anything
        (a drop of a stream that was up, even by an error, resumes without falling back)."""
        url = self.settings.url or ""
        headers = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-store",
            "Authorization": f"Bearer {token}",
        }
        if self._last_id:
            headers["Last-Event-ID"] = self._last_id
        async with self._client() as client, client.stream("GET", url, headers=headers) as r:
            if r.status_code in (401, 403):
                raise _Refused(r.status_code)
            ctype = r.headers.get("content-type", "")
            if r.status_code != 200 or not ctype.startswith("text/event-stream"):
                after = r.headers.get("retry-after", "")
                raise LinkError(
                    f"the hub answered {r.status_code} {ctype or 'without a type'}",
                    retry_after=float(after) if after.isdigit() else None,
                )
            parser = SSEParser(self._last_id or "")
            first: int | None = None  # the first numeric id of this connection
            async for chunk in r.aiter_text():
                if not self._up:
                    self._up = True
                    self._refused = None
                    self._set(LinkState.CONNECTED)
                for item in parser.feed(chunk):
                    if isinstance(item, Retry):
                        self._retry = item.ms / 1000
                    elif isinstance(item, SSEvent):
                        first = await self._on_event(item, first)
                    elif isinstance(item, Comment):
                        pass

    # -- events -----------------------------------------------------------------------------------

    async def _on_event(self, item: SSEvent, first: int | None) -> int | None:
        """Apply one event (skipping one already applied); return the connection's first
        numeric id."""
        n = _numeric(item.id) if item.has_id else None
        last = _numeric(self._last_id or "")
        if n is not None and last is not None and n <= last:
            if first is None:
                # Resumed, yet the server starts at or below what was applied: its numbering
                # began again (a hub whose log was reset). Take the new numbering; whatever
                # fell between is unknown, so refresh everything it covers.
                log.info("team hub ids restarted (%s after %s): full refresh", n, last)
                await self._full_refresh()
            else:
                return first  # already applied on this connection
        if first is None and n is not None:
            first = n
        if item.event == "gap":
            log.info("team hub: events were dropped before this link read them; full refresh")
            await self._full_refresh()
        elif item.event not in ("hello", "ping"):
            await self._apply(item)
        if item.has_id and item.id != self._last_id:
            self._last_id = item.id
            await self.hub.store.set_checkpoint(TEAMHUB, self.account, LAST_ID, item.id)
        return first

    async def _apply(self, item: SSEvent) -> None:
        try:
            data = json.loads(item.data)
        except ValueError:
            log.warning("team hub: event %s is not JSON; skipped", item.id or "?")
            return
        if not isinstance(data, dict):
            return
        kind = data.get("kind") or item.event
        connector = data.get("connector")
        payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
        assert isinstance(payload, dict)
        if not isinstance(kind, str) or not isinstance(connector, str) or MARK in payload:
            return
        account = data.get("account") if isinstance(data.get("account"), str) else ""
        subject = data.get("subject") if isinstance(data.get("subject"), str) else ""
        assert isinstance(account, str) and isinstance(subject, str)
        self._events += 1
        self._last_at = self.clock()
        at = _time(data.get("time"))
        if at is not None:
            self._lag = max(0.0, self._last_at - at.timestamp())
        found = targets(
            connector,
            account,
            payload,
            streams_for(kind, payload),
            list(self.hub.sessions.items()),
        )
        for t in found:
            await self._enqueue(t, subject)
        for key in dict.fromkeys(t.session for t in found):
            s = self.hub.sessions.get(key)
            held = known_item(s.coordinator.index.items, subject) if s is not None else None
            if held is not None:
                await self._enqueue(Target(key, ITEM, held), subject)
        if found:
            self.hub.scheduler.wake()
        body = {**payload, "via": VIA_WEBHOOK, MARK: item.id or True}
        event = Event(kind, connector, account, subject, body)
        if at is not None:
            event = Event(kind, connector, account, subject, body, at)
        await self.hub.bus.publish(event)

    async def _enqueue(self, t: Target, subject: str) -> None:
        payload = {"session": t.session, "stream": t.stream, "subject": subject}
        await self.hub.scheduler.refresh(REFRESH_JOB, payload, key=t.coalesce_key)

    async def _full_refresh(self) -> None:
        """Every covered session's full sync, coalesced with its polls and refreshes."""
        from ..hub import SYNC_JOB

        window = self.hub.config.sync.refresh_debounce
        for key, s in list(self.hub.sessions.items()):
            if self.covers(s.connector_id):
                await self.hub.scheduler.refresh(
                    SYNC_JOB, {"session": key}, key=f"sync:{key}", window=window
                )
        self.hub.scheduler.wake()

    async def _run_refresh(self, ctx: JobContext) -> None:
        key = str(ctx.payload.get("session"))
        stream = str(ctx.payload.get("stream"))
        session = self.hub.sessions.get(key)
        if session is None:
            return
        if stream == ITEM:
            await self._refresh_item(key, str(ctx.payload.get("subject") or ""))
            return
        syncers = [s for s in syncers_of(stream) if s.applies(session.connector)]
        if not syncers:
            return
        found = await self.hub.sync_part(session, syncers, announce=True)
        await self.hub.bus.publish(
            Event(
                EventKind.SYNC_COMPLETED,
                session.connector_id,
                key,
                key,
                {"changes": len(found), "stream": stream, MARK: True},
            )
        )

    async def _refresh_item(self, key: str, subject: str) -> None:
        """Fetch the event's item again where this session's index holds it (what the
        editor shows of it: a lens, a hover card), then say the session changed."""
        session = self.hub.sessions.get(key)
        if session is None:
            return
        index = session.coordinator.index
        item = known_item(index.items, subject)
        if item is None:
            return
        await session.coordinator.refresh_item(index.items[item].ref)
        await self.hub.bus.publish(
            Event(
                EventKind.SYNC_COMPLETED,
                session.connector_id,
                key,
                key,
                {"changes": 0, "stream": ITEM, MARK: True},
            )
        )


def account_of(settings: TeamHubSettings) -> str:
    """The checkpoints' account for a hub URL (see :attr:`TeamLink.account`)."""
    p = urlsplit(settings.url or "")
    return f"{(p.hostname or '').lower()}{p.path}"


class CheckpointReader(Protocol):
    async def get_checkpoint(self, connector: str, account: str, stream: str) -> Any: ...


async def stored_status(store: CheckpointReader, settings: TeamHubSettings) -> list[str]:
    """What the last server run left of the link, in lines for ``doctor`` and ``tieline
    teamhub status`` (another process: the live state is the server's)."""
    if not settings.url:
        return ["not configured (team_hub.url)"]
    out = [f"{shown(settings.url)} ({'on' if settings.enabled else 'off: team_hub.enabled'})"]
    account = account_of(settings)
    state = await store.get_checkpoint(TEAMHUB, account, STATE)
    last = await store.get_checkpoint(TEAMHUB, account, LAST_ID)
    if state is not None:
        out.append(f"state: {state.cursor} since {state.updated_at:%Y-%m-%d %H:%M:%S %Z}")
    else:
        out.append("state: never connected")
    if last is not None:
        out.append(f"last event id: {last.cursor} (at {last.updated_at:%Y-%m-%d %H:%M:%S %Z})")
    out.append(f"token: vault record {record_for(settings)}")
    return out


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


__all__ = ["MARK", "REFRESH_JOB", "TEAMHUB", "LinkState", "LinkStatus", "TeamLink", "record_for"]
