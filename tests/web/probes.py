"""Every (method, path) the web face's app serves, read from its route table, so a route
added later -- by ``extra=``, a mount, anything -- is probed by the guard tests without
anyone listing it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute, Host, Mount, Route, WebSocketRoute

from server.web.auth import self_authentication

_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}")


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    template: str
    endpoint: object

    @property
    def self_authenticating(self) -> bool:
        return self_authentication(self.endpoint) is not None

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def _fill(template: str) -> str:
    return _PARAM.sub(lambda m: f"probe-{m.group(1)}", template)


def probes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[Probe]:
    for route in routes:
        if isinstance(route, Mount | Host):
            path = getattr(route, "path", "")
            inner = route.routes
            if inner:
                yield from probes(inner, prefix + path)
            else:  # a mounted ASGI app: probe its root
                yield Probe("GET", _fill(prefix + path + "/"), prefix + path, route.app)
        elif isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield Probe(method, _fill(prefix + route.path), prefix + route.path, route.endpoint)
        elif isinstance(route, WebSocketRoute):
            continue  # no websocket routes are served (uvicorn runs with ws="none")
        else:
            raise AssertionError(f"a route of a kind the probes do not know: {route!r}")
