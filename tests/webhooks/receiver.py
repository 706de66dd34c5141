"""A real webhook receiver on 127.0.0.1 for the tests and the benchmark: HTTP/1.1 with
keep-alive (h11), in its own thread and event loop, answering each request as a script says.

A script maps the request's arrival number (from 0) and headers to an :class:`Action`: a
status, a delay before answering, a hang (never answer), or a reset (TCP RST once the request
is read). Every request is recorded with its headers and body, whatever it was answered.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import h11


@dataclass(frozen=True)
class Action:
    status: int = 200
    delay: float = 0.0
    hang: bool = False
    reset: bool = False
    body: bytes = b"ok"
    #: Close the connection after answering, without saying so (an idle keep-alive
    #: connection the receiver drops: the sender must not lose the next request on it).
    close: bool = False


@dataclass(frozen=True)
class Received:
    n: int
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when the request was read
    action: Action
    target: str = ""  # the request line's target: path and query


Script = Callable[[int, dict[str, str]], Action]


def always(action: Action) -> Script:
    return lambda n, h: action


def sequence(*actions: Action, then: Action = Action()) -> Script:
    """The n-th request gets ``actions[n]``, later ones ``then``."""
    return lambda n, h: actions[n] if n < len(actions) else then


@dataclass
class Receiver:
    script: Script = field(default_factory=lambda: always(Action()))
    received: list[Received] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.port = 0
        self._arrived = threading.Condition(self._lock)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Receiver:
        self._thread = threading.Thread(target=self._main, name="webhook-receiver", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        """Block until ``count`` requests have arrived (a hang guard, not a timing check)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    def ids(self) -> list[str]:
        with self._lock:
            return [r.headers.get("webhook-id", "") for r in self.received]

    def answered_ok(self, within: float = float("inf")) -> list[Received]:
        """Requests answered 2xx in less than ``within`` seconds (a slower answer came after
        the sender had given up, so it was rightly sent again)."""
        with self._lock:
            return [
                r
                for r in self.received
                if 200 <= r.action.status < 300
                and not (r.action.hang or r.action.reset)
                and r.action.delay < within
            ]

    # -- serving ---------------------------------------------------------------------------
    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.connections += 1
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request, body = await self._read(conn, reader)
                if request is None:
                    return
                headers = {k.decode().lower(): v.decode() for k, v in request.headers}
                with self._arrived:
                    n = len(self.received)
                    action = self.script(n, headers)
                    got = Received(n, headers, body, time.time(), action, request.target.decode())
                    self.received.append(got)
                    self._arrived.notify_all()
                if action.reset:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                if action.hang:
                    await asyncio.Event().wait()
                if action.delay:
                    await asyncio.sleep(action.delay)
                out = [("content-type", "text/plain"), ("content-length", str(len(action.body)))]
                writer.write(conn.send(h11.Response(status_code=action.status, headers=out)))
                writer.write(conn.send(h11.Data(data=action.body)))
                writer.write(conn.send(h11.EndOfMessage()))
                await writer.drain()
                if conn.our_state is h11.MUST_CLOSE or action.close:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:  # the receiver is stopping: end quietly
            return
        finally:
            writer.close()

    async def _read(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[h11.Request | None, bytes]:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                return None, b""


def main() -> None:
    """Serve in a process of its own (the benchmark's receiver, on the other core): print
    ``port N``, answer 200 until stdin closes, then print one JSON line per request:
    ``[webhook-id, arrival time, body]``."""
    import json
    import sys

    r = Receiver().start()
    print(f"port {r.port}", flush=True)
    sys.stdin.read()
    r.stop()
    for x in r.received:
        print(json.dumps([x.headers.get("webhook-id"), x.at, x.body.decode()]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
