"""What a stand-in's route sees and returns: ``Request``, ``Reply``, ``Router``.

Routes are plain functions ``(standin, request) -> (status, body, headers)``, registered with a
regex on a ``Router``. Keeping them as functions of the stand-in (not handler classes) means a
service's file is its state plus a list of small functions that read like the API's docs.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

Json = Any
Headers = Mapping[str, str]
Response = tuple[int, Json, Headers]
"""``(status, body, headers)``. A ``bytes`` body is sent as it is, ``None`` as no body at all,
anything else as JSON."""

S = TypeVar("S")
RouteFn = Callable[[S, "Request"], Response]


class BadRequest(Exception):
    """The client sent something malformed (unparsable JSON, a foreign cursor).

    The stand-in answers it with its service's 400 error body; raised by ``Request.json`` and
    the paging helpers so routes need not catch anything.
    """


class Reply(Exception):
    """A finished answer. Routes ``raise`` it to bail out early (``raise s.error(404, ...)``);
    hooks ``return`` it. Either way it carries a status, a body and extra headers."""

    def __init__(self, status: int, body: Json = None, headers: Headers | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})

    def with_headers(self, headers: Headers) -> Reply:
        """The same reply with ``headers`` added under its own (its own win)."""
        return Reply(self.status, self.body, {**headers, **self.headers})

    def as_response(self) -> Response:
        return self.status, self.body, self.headers


@dataclass
class Request:
    """One HTTP request, parsed once, handed to hooks and routes.

    ``query`` keeps every pair in order (repeated keys and all, as contracts need them);
    ``args`` is the dict view routes usually want (the last value of a repeated key wins).
    """

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""
    host: str = "127.0.0.1"
    account: str | None = None  # set by the stand-in's ``authenticate`` hook
    path_args: dict[str, str] = field(default_factory=dict)  # the route regex's named groups

    @classmethod
    def parse(cls, method: str, target: str, headers: Headers, body: bytes = b"") -> Request:
        """Build a request from what the HTTP server read (``target`` is path plus query)."""
        parts = urlsplit(target)
        lower = {k.lower(): v for k, v in headers.items()}
        return cls(
            method=method.upper(),
            path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=lower,
            body=body,
            host=lower.get("host", "127.0.0.1"),
        )

    @functools.cached_property
    def args(self) -> dict[str, str]:
        return dict(self.query)

    @functools.cached_property
    def json(self) -> Json:
        """The body parsed as JSON (``None`` when empty); malformed JSON is a ``BadRequest``."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise BadRequest(f"body is not JSON: {exc}") from exc

    @property
    def me(self) -> str:
        """The authenticated account. Routes run only for authenticated requests, so there
        it is never ``None``; elsewhere this raises."""
        if self.account is None:
            raise LookupError("request is not authenticated")
        return self.account

    @property
    def base_url(self) -> str:
        """``http://host:port`` as the client addressed us: absolute links must use it."""
        return f"http://{self.host}"

    def link(self, params: Mapping[str, str]) -> str:
        """An absolute URL to this request's path with ``params`` as its whole query."""
        return f"{self.base_url}{self.path}?{urlencode(params)}"


class Router(Generic[S]):
    """Method + full-match regex -> route function. First registered match wins.

    ``@router.route("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)")``; named groups arrive
    in ``request.path_args``.
    """

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], RouteFn[S]]] = []

    def route(self, method: str, pattern: str) -> Callable[[RouteFn[S]], RouteFn[S]]:
        compiled = re.compile(pattern)

        def register(fn: RouteFn[S]) -> RouteFn[S]:
            self._routes.append((method.upper(), compiled, fn))
            return fn

        return register

    def match(self, method: str, path: str) -> tuple[RouteFn[S], dict[str, str]] | None:
        for meth, pattern, fn in self._routes:
            if meth == method and (m := pattern.fullmatch(path)):
                return fn, m.groupdict()
        return None

    def __len__(self) -> int:
        return len(self._routes)
