"""A stand-in team hub: the event stream of the local web face (``GET
/api/v1/events/stream``), on 127.0.0.1, with faults a test turns on -- a dropped
connection, a refused token, a gap, the hub down altogether.

It keeps an event log with increasing ids (as ``tieline hub`` does in PostgreSQL) and serves
each connection what follows its ``Last-Event-ID``, recording every connection's header so
a test can assert where each resume started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

PATH = "/api/v1/events/stream"


@dataclass
class Connection:
    last_event_id: str | None
    authorization: str | None
    sent: list[int] = field(default_factory=list)


class HubStandIn:
    def __init__(self, *, token: str = "tlat_" + "s" * 43, retry_ms: int = 20) -> None:
        self.tokens = {token}
        self.token = token
        self.retry_ms = retry_ms
        self.log: list[dict[str, Any]] = []
        self.connections: list[Connection] = []
        #: Close each connection after sending this many events (None: keep it open).
        self.drop_after: int | None = None
        #: Answer the next connections with this status instead of a stream.
        self.status: int | None = None
        #: Send ``event: gap`` to the next connection.
        self.gap = False
        self.keepalive = 0.2
        self._stopping = False
        self._changed = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def add(
        self,
        kind: str,
        subject: str,
        *,
        connector: str = "github",
        account: str = "",
        **payload: Any,
    ) -> int:
        n = len(self.log) + 1
        self.log.append(
            {
                "id": n,
                "kind": kind,
                "connector": connector,
                "account": account,
                "subject": subject,
                "payload": {"host": "github.com", **payload},
                "time": datetime.now(UTC).isoformat(),
            }
        )
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return n

    async def stream(self, request: Request) -> Response:
        auth = request.headers.get("authorization")
        header = request.headers.get("last-event-id")
        conn = Connection(header, auth)
        self.connections.append(conn)
        if auth not in {f"Bearer {t}" for t in self.tokens}:
            return PlainTextResponse("unauthorized\n", status_code=401)
        if self.status is not None:
            return PlainTextResponse("unavailable\n", status_code=self.status)
        after = int(header) if header and header.isdigit() else len(self.log)
        if after > len(self.log):  # an id of a log since reset: all it holds (as the web face)
            after = 0
        gap, self.gap = self.gap, False
        drop = self.drop_after

        async def lines() -> AsyncIterator[str]:
            nonlocal after
            yield f"retry: {self.retry_ms}\n: resuming after {after}\n\n"
            if gap:
                yield f"event: gap\ndata: {json.dumps({'after': after})}\n\n"
            while not self._stopping:
                for e in [e for e in self.log if e["id"] > after]:
                    if drop is not None and len(conn.sent) >= drop:
                        return
                    # JSON over several data lines, as a server may send it: the client
                    # joins them with newlines, and JSON reads the result the same
                    data = "".join(f"data: {ln}\n" for ln in json.dumps(e, indent=1).splitlines())
                    yield f"id: {e['id']}\nevent: {e['kind']}\n{data}\n"
                    conn.sent.append(e["id"])
                    after = e["id"]
                if drop is not None and len(conn.sent) >= drop:
                    return
                changed = self._changed
                try:
                    await asyncio.wait_for(changed.wait(), self.keepalive)
                except TimeoutError:
                    yield ": keep-alive\n\n"

        return StreamingResponse(lines(), media_type="text/event-stream")

    def app(self) -> Starlette:
        return Starlette(routes=[Route(PATH, self.stream, methods=["GET"])])

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, lifespan="off",
            log_level="warning", access_log=False,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """The hub goes away: open streams end, new connections are refused."""
        if self._server is None or self._task is None:
            return
        self._stopping = True
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()  # open streams end now, rather than hold the shutdown
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._task, 10)
        self._server = None
        self._task = None
        self._stopping = False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
