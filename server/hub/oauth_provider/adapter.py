"""The small, framework-neutral request and response the provider speaks, and their authlib
form. The HTTP layer (Starlette in ``server/web``) converts its own request into an
:class:`HttpRequest` and an :class:`HttpResponse` back; nothing here knows a framework.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request


class Headers(Mapping[str, str]):
    """Case-insensitive headers: authlib reads ``Authorization`` by that exact spelling."""

    def __init__(self, items: Mapping[str, str] | Sequence[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._d = {k.lower(): v for k, v in pairs}

    def __getitem__(self, key: str) -> str:
        return self._d[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


@dataclass(frozen=True)
class HttpRequest:
    """A request as the provider needs it: method, full URL, headers, query and form pairs."""

    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    query: Sequence[tuple[str, str]] = ()
    form: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class HttpResponse:
    """A response: status, headers, and a body already encoded."""

    status: int
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class _Payload(OAuth2Payload):  # type: ignore[misc]
    """Query then form values, the first of each name winning (as Flask's ``values``)."""

    def __init__(self, query: Sequence[tuple[str, str]], form: Sequence[tuple[str, str]]):
        lists: defaultdict[str, list[str]] = defaultdict(list)
        for k, v in [*query, *form]:
            lists[k].append(v)
        self._lists = lists
        self._data = {k: v[0] for k, v in lists.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._lists


class NeutralOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """authlib's request over an :class:`HttpRequest`."""

    def __init__(self, req: HttpRequest) -> None:
        super().__init__(method=req.method, uri=req.url, headers=req.headers)
        self._args = {k: v for k, v in reversed(list(req.query))}
        self._form = {k: v for k, v in reversed(list(req.form))}
        self.payload = _Payload(req.query, req.form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def to_response(status: int, body: Any, headers: Sequence[tuple[str, str]]) -> HttpResponse:
    """authlib's ``(status, body, headers)``: a dict body is JSON, a string is text."""
    import json

    if isinstance(body, dict):
        data = json.dumps(body).encode("utf-8")
    elif isinstance(body, bytes):
        data = body
    else:
        data = str(body or "").encode("utf-8")
    return HttpResponse(status=status, headers=list(headers), body=data)
