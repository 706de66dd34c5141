"""``StandIn``: the HTTP server every service stand-in is built on.

A request goes through the same steps for every service, in this order:

1. logged (``log``, authorization header removed);
2. checked against the service's contract, if it has one: a violation is recorded in
   ``violations`` and answered with the service's ``rejected`` reply (a test fixture then
   fails the test), so a connector cannot pass by sending what the real service refuses;
3. authenticated by the ``authenticate`` hook (the account is logged);
4. an injected fault, if one is due, answers instead (``inject``);
5. no account -> ``unauthorized``; an exhausted budget -> ``rate_limited``;
6. routed (``router``; no route -> ``not_found``), under one lock, so routes mutate state freely;
7. a GET 200 gets a weak ETag (unless ``etags`` is off: some services send none); a
   matching ``If-None-Match`` is answered 304 (whether that spends budget is
   ``not_modified_spends``); the budget is spent; ``rate_headers`` are added.

A service supplies only what differs: its state, its routes, and the hooks below (error body
shape, auth rule, rate-limit headers and refusal). Defaults are plain and documented so a
synthetic service works with none overridden.
"""

from __future__ import annotations

import hashlib
import json
import math
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

from .contract import Contract
from .request import BadRequest, Headers, Json, Reply, Request, Response, Router

FAULT_KINDS = frozenset(
    {"500", "502", "reset", "ratelimit", "retry_after", "401", "secondary", "timeout", "garbage"}
)
GARBAGE = b"<html><body><h1>Upstream proxy error</h1></body></html>"
Wire = tuple[int, dict[str, str], bytes]
"""What goes on the wire: status, headers, body bytes."""


@dataclass
class LoggedRequest:
    """One request as the stand-in saw it (``authorization`` removed)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    time: float
    status: int = 0  # -1: the connection was reset
    account: str | None = None
    counted: bool = False  # did it spend rate-limit budget?


@dataclass
class Fault:
    """Answer the next ``count`` matching requests with a failure instead of the real thing.

    Kinds: ``500`` ``502`` (server error), ``reset`` (TCP RST, no answer), ``401``,
    ``ratelimit`` (budget exhausted, resets in ``seconds``), ``retry_after`` (429 +
    Retry-After), ``secondary`` (the service's secondary/abuse limit + Retry-After),
    ``timeout`` (sleep ``seconds``, then answer normally), ``garbage`` (200 whose body,
    declared JSON, is not).
    """

    kind: str
    count: int = 1
    seconds: float = 1.0
    path: str | None = None  # only requests whose path contains this


@dataclass(frozen=True)
class Quota:
    """One account's standing in one budget, as the rate-limit hooks see it."""

    account: str
    budget: str
    limit: int
    used: int
    reset: float  # epoch seconds when the window resets

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def retry_after(self) -> int:
        """Whole seconds until the reset (rounded up, never negative)."""
        return max(0, math.ceil(self.reset - time.time()))


class StandIn:
    """Base of every stand-in. Thread-safe; ``start()``/``stop()`` or use as a context manager.

    Subclasses set the class attributes and override the hooks; see the module docstring.
    """

    service: ClassVar[str] = "service"  # for messages: "GitHub", "GitLab", ...
    router: ClassVar[Router[Any]] = Router()
    contract: ClassVar[Contract | None] = None
    budgets: ClassVar[Mapping[str, int]] = {"requests": 5000}  # name -> limit per window
    window: ClassVar[float] = 3600.0  # seconds; the ledger clears when it passes
    not_modified_spends: ClassVar[bool] = True  # does a 304 cost budget?
    etags: ClassVar[bool] = True  # does the service send ETags (and so answer 304)? Jira: no
    vary: ClassVar[str | None] = None  # the Vary header on cacheable answers

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        self.validate = validate and self.contract is not None
        self.tokens: dict[str, str] = {}  # token -> account, for the default ``authenticate``
        self.log: list[LoggedRequest] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.used: dict[tuple[str, str], int] = {}
        self.reset_at = int(time.time() + self.window)
        self.default_cache_control: str | None = "private, max-age=60"
        self.lock = threading.RLock()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if self.validate:
            assert self.contract is not None
            self.contract.warm()  # build before serving, not inside the first request

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        # A short poll interval: ``stop()`` waits up to one for the loop to notice (the
        # default 0.5 s would add that much to every test's teardown).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{self.service}-stand-in",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers ------------------------------------------------------------------------
    def inject(
        self, kind: str, count: int = 1, *, seconds: float = 1.0, path: str | None = None
    ) -> None:
        """Fail the next ``count`` requests (only those whose path contains ``path``, if given).

        Kinds are listed on ``Fault``; faults queue in the order injected.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULT_KINDS)}")
        with self.lock:
            self.faults.append(Fault(kind, count, seconds, path))

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    def spent(self, account: str | None = None, budget: str | None = None) -> int:
        """Budget points spent so far in ``budget`` (the first one by default), by ``account``
        or by everyone."""
        name = budget or next(iter(self.budgets))
        with self.lock:
            return sum(v for (a, b), v in self.used.items() if b == name and account in (None, a))

    def quota(self, account: str, budget: str) -> Quota:
        """``account``'s standing in ``budget`` now (starting a new window if one has passed)."""
        with self.lock:
            if time.time() >= self.reset_at:
                self.used.clear()
                self.reset_at = int(time.time() + self.window)
            used = self.used.get((account, budget), 0)
            return Quota(account, budget, self.budgets[budget], used, float(self.reset_at))

    # -- hooks: override per service ----------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        """The service's error body. Every other error hook defaults to this."""
        return Reply(status, {"message": message})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Not Found")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Unauthorized")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        """The answer to a request the contract does not allow."""
        return self.error(422, "Validation Failed: " + "; ".join(problems))

    def authenticate(self, req: Request) -> str | None:
        """The account a request acts as, or ``None`` (-> ``unauthorized``).

        Default: ``Authorization: Bearer <token>`` looked up in ``self.tokens``.
        """
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.tokens.get(token.strip())

    def charge(self, req: Request) -> dict[str, int]:
        """Budget -> cost of this request. A cost of 0 sends the budget's headers without
        spending it; an empty dict makes the request free and header-less."""
        return {next(iter(self.budgets)): 1}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        """Headers that tell the client about one budget (none by default)."""
        return {}

    def rate_limited(self, quota: Quota) -> Reply:
        """The refusal when ``quota`` is exhausted (``rate_headers`` are added to it)."""
        return self.error(429, "Too Many Requests").with_headers(
            {"retry-after": str(quota.retry_after())}
        )

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        """A refusal with Retry-After that is not about the budget (faults ``retry_after`` and
        ``secondary``; services whose secondary limit differs override this)."""
        return self.error(429, "Too Many Requests").with_headers(
            {"retry-after": str(math.ceil(seconds))}
        )

    def cache_control(self, req: Request) -> str | None:
        """Cache-Control for a GET 200 answer."""
        return self.default_cache_control

    def check_contract(self, req: Request) -> list[str]:
        """Every way ``req`` breaks the contract. Override to exempt a documented gap."""
        assert self.contract is not None
        return self.contract.check(req)

    # -- request handling --------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: Headers, body: bytes) -> Wire | None:
        """Answer one request: (status, headers, body), or ``None`` to reset the connection."""
        req = Request.parse(method, target, headers, body)
        entry = LoggedRequest(
            req.method,
            req.path,
            req.query,
            {k: v for k, v in req.headers.items() if k != "authorization"},
            time.time(),
        )
        with self.lock:
            self.log.append(entry)
        if self.validate:
            try:
                problems = self.check_contract(req)
            except Exception as exc:  # a contract that cannot judge is a failed check
                problems = [f"{req.method} {req.path}: contract check failed: {exc!r}"]
            if problems:
                with self.lock:
                    self.violations.extend(problems)
                return self._finish(entry, self.rejected(req, problems).as_response())

        req.account = entry.account = self.authenticate(req)
        fault = self._take_fault(req.path)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.seconds)  # outside the lock: other requests go on meanwhile
        elif fault is not None:
            reply = self._fault(fault, req)
            if reply is None:
                entry.status = -1
                return None
            return self._finish(entry, reply)
        if req.account is None:
            return self._finish(entry, self.unauthorized(req).as_response())
        return self._serve(req, entry, req.account)

    def _serve(self, req: Request, entry: LoggedRequest, account: str) -> Wire:
        with self.lock:
            charges = self.charge(req)
            for budget, cost in charges.items():
                q = self.quota(account, budget)
                if cost and q.used + cost > q.limit:
                    refusal = self.rate_limited(q).with_headers(self._rates(account, charges))
                    return self._finish(entry, refusal.as_response())
            status, payload, extra = self._route(req)
            data = _encode(payload)
            out = {**self._rates(account, charges), **_lower(extra)}
            if req.method == "GET" and status == 200:
                etag = 'W/"' + hashlib.sha256(data + account.encode()).hexdigest()[:40] + '"'
                cacheable = {"etag": etag} if self.etags else {}
                if (cc := self.cache_control(req)) is not None:
                    cacheable["cache-control"] = cc
                if self.vary:
                    cacheable["vary"] = self.vary
                out.update(cacheable)
                sent = [t.strip() for t in req.headers.get("if-none-match", "").split(",")]
                if self.etags and etag in sent:
                    if self.not_modified_spends:
                        self._spend(entry, account, charges)
                    return self._sent(
                        entry, (304, {**self._rates(account, charges), **cacheable}, b"")
                    )
            self._spend(entry, account, charges)
            out.update(self._rates(account, charges))
            return self._sent(entry, (status, out, data))

    def _route(self, req: Request) -> Response:
        found = self.router.match(req.method, req.path)
        try:
            if found is None:
                raise self.not_found(req)
            fn, req.path_args = found
            return fn(self, req)
        except Reply as r:
            return r.as_response()
        except BadRequest as exc:
            return self.error(400, str(exc)).as_response()

    def _spend(self, entry: LoggedRequest, account: str, charges: Mapping[str, int]) -> None:
        for budget, cost in charges.items():
            if cost:
                self.used[(account, budget)] = self.used.get((account, budget), 0) + cost
                entry.counted = True

    def _rates(self, account: str, charges: Mapping[str, int]) -> dict[str, str]:
        out: dict[str, str] = {}
        for budget in charges:
            out.update(_lower(self.rate_headers(self.quota(account, budget))))
        return out

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.count > 0 and (f.path is None or f.path in path):
                    f.count -= 1
                    if f.count == 0:
                        self.faults.remove(f)
                    return f
        return None

    def _fault(self, f: Fault, req: Request) -> Response | None:
        account = req.account or "anonymous"
        if f.kind == "reset":
            return None
        if f.kind == "garbage":
            return 200, GARBAGE, {"content-type": "application/json; charset=utf-8"}
        if f.kind in ("500", "502"):
            return self.error(int(f.kind), "Server Error").as_response()
        if f.kind == "401":
            return self.unauthorized(req).as_response()
        if f.kind in ("retry_after", "secondary"):
            return self.throttled(req, f.seconds, secondary=f.kind == "secondary").as_response()
        assert f.kind == "ratelimit", f.kind
        with self.lock:
            charges = self.charge(req)
            budget = next((b for b, c in charges.items() if c), next(iter(charges), None))
            budget = budget or next(iter(self.budgets))
            limit = self.budgets[budget]
            q = Quota(account, budget, limit, limit, time.time() + f.seconds)
        return self.rate_limited(q).with_headers(_lower(self.rate_headers(q))).as_response()

    def _finish(self, entry: LoggedRequest, response: Response) -> Wire:
        """Encode a route's or hook's answer for the wire."""
        status, payload, headers = response
        return self._sent(entry, (status, _lower(headers), _encode(payload)))

    def _sent(self, entry: LoggedRequest, wire: Wire) -> Wire:
        status, headers, data = wire
        entry.status = status
        if not data:
            return status, headers, data
        return status, {"content-type": "application/json; charset=utf-8", **headers}, data


def _encode(payload: Json) -> bytes:
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, separators=(",", ":")).encode()


def _lower(headers: Headers) -> dict[str, str]:
    """Header names lower-cased, so a hook's ``Retry-After`` and the kit's ``retry-after``
    cannot both go out."""
    return {k.lower(): v for k, v in headers.items()}


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"
    #: TCP_NODELAY: headers and body go out in two writes, and with Nagle's algorithm the
    #: body waits for the client's delayed ACK (~40 ms on Linux) -- on every answer with one.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the stand-in keeps a log
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            reply = self.standin.handle(self.command, self.path, dict(self.headers.items()), body)
        except Exception as exc:  # a stand-in bug must surface as a failing test, not a hang
            with self.standin.lock:
                self.standin.violations.append(
                    f"stand-in error on {self.command} {self.path}: {exc!r}"
                )
            reply = (500, {"content-type": "application/json"}, b'{"message":"stand-in error"}')
        if reply is None:
            # RST instead of FIN: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        status, headers, data = reply
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))  # send_response sent Date
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a "timeout" fault, say)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve
