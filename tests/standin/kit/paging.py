"""The pagination styles services use, each as one helper a route calls on its full list.

- ``link_pages``: ``page``/``per_page`` with an RFC 8288 ``Link`` header (GitHub, GitLab offset);
- ``keyset_pages``: ``pagination=keyset&order_by=..&sort=..``, Link ``rel="next"`` only, with
  an opaque ``cursor`` (GitLab keyset);
- ``offset_body``: ``startAt``/``maxResults`` in, ``startAt``/``maxResults``/``total``/``isLast``
  in the body (Jira);
- ``token_body``: ``nextPageToken`` in and out, no total (Jira's ``/search/jql``);
- ``connection``: GraphQL ``first``/``after`` -> ``nodes``, ``edges`` and
  ``pageInfo {hasNextPage endCursor}`` (Linear, GitHub GraphQL).

Cursors and tokens are opaque and tagged with the helper that made them, so a client that
hands one style's cursor to another, or invents one, gets a ``BadRequest`` (400), as it would
from the real service. Numbers that are not numbers are a ``BadRequest`` too.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .request import BadRequest, Request

T = TypeVar("T")


def _int(params: Mapping[str, Any], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None


def encode_cursor(kind: str, value: Any) -> str:
    """An opaque cursor: url-safe base64 of ``[kind, value]``."""
    raw = json.dumps([kind, value], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> Any:
    """The value inside a cursor made by ``encode_cursor(kind, ...)``; anything else is a
    ``BadRequest``."""
    try:
        tag, value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise BadRequest(f"invalid cursor {cursor!r}") from None
    if tag != kind:
        raise BadRequest(f"invalid cursor {cursor!r}")
    return value


# -- page / per_page + Link -------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """Which slice of ``total`` items page ``page`` of size ``per_page`` is."""

    page: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def slice(self, items: Sequence[T]) -> list[T]:
        start = (self.page - 1) * self.per_page
        return list(items[start : start + self.per_page])


def page_window(
    params: Mapping[str, Any], total: int, *, default: int = 30, maximum: int = 100
) -> Window:
    """Read ``page`` and ``per_page`` (clamped to ``1..maximum``; page from 1)."""
    per_page = min(max(_int(params, "per_page", default), 1), maximum)
    return Window(max(_int(params, "page", 1), 1), per_page, total)


def link_header(req: Request, window: Window) -> dict[str, str]:
    """``{"link": ...}`` with next/last/first/prev as they apply, or ``{}`` on a lone page."""

    def url(page: int) -> str:
        return req.link({**req.args, "page": str(page), "per_page": str(window.per_page)})

    rels = []
    if window.page < window.last:
        rels += [f'<{url(window.page + 1)}>; rel="next"', f'<{url(window.last)}>; rel="last"']
    if window.page > 1:
        rels += [f'<{url(1)}>; rel="first"', f'<{url(window.page - 1)}>; rel="prev"']
    return {"link": ", ".join(rels)} if rels else {}


def link_pages(
    items: Sequence[T], req: Request, *, default: int = 30, maximum: int = 100
) -> tuple[list[T], dict[str, str]]:
    """This request's page of ``items`` and its Link header."""
    window = page_window(req.args, len(items), default=default, maximum=maximum)
    return window.slice(items), link_header(req, window)


# -- keyset ------------------------------------------------------------------------------------
def keyset_pages(
    items: Sequence[Mapping[str, Any]],
    req: Request,
    *,
    order_by: Sequence[str] = ("id",),
    default_sort: str = "asc",
    tiebreak: str = "id",
    default: int = 20,
    maximum: int = 100,
) -> tuple[list[Mapping[str, Any]], dict[str, str]]:
    """Keyset pages of dict items ordered by ``order_by`` (the first is the default) then
    ``tiebreak``; the next page's Link carries ``cursor``. There is no ``last`` or ``prev``:
    keyset pagination cannot know them."""
    field_ = req.args.get("order_by", order_by[0])
    if field_ not in order_by:
        raise BadRequest(f"order_by must be one of {list(order_by)} for keyset pagination")
    sort = req.args.get("sort", default_sort)
    if sort not in ("asc", "desc"):
        raise BadRequest("sort must be asc or desc")
    per_page = min(max(_int(req.args, "per_page", default), 1), maximum)
    desc = sort == "desc"
    ordered = sorted(items, key=lambda i: (i[field_], i[tiebreak]), reverse=desc)
    if cursor := req.args.get("cursor"):
        after = tuple(decode_cursor(f"keyset:{field_}:{sort}", cursor))

        def beyond(item: Mapping[str, Any]) -> bool:
            key = (item[field_], item[tiebreak])
            return key < after if desc else key > after

        ordered = [i for i in ordered if beyond(i)]
    chunk = ordered[:per_page]
    if len(ordered) <= per_page:
        return chunk, {}
    last = chunk[-1]
    nxt = encode_cursor(f"keyset:{field_}:{sort}", [last[field_], last[tiebreak]])
    params = {**req.args, "order_by": field_, "sort": sort, "per_page": str(per_page)}
    return chunk, {"link": f'<{req.link({**params, "cursor": nxt})}>; rel="next"'}


# -- bodies: offset and next-page token ---------------------------------------------------------
def offset_body(
    items: Sequence[T],
    params: Mapping[str, Any],
    *,
    key: str = "values",
    default: int = 50,
    maximum: int = 100,
) -> dict[str, Any]:
    """``{startAt, maxResults, total, isLast, <key>: page}`` from ``startAt``/``maxResults``
    (from the query or a JSON body: ``params`` is either)."""
    start = max(_int(params, "startAt", 0), 0)
    size = min(max(_int(params, "maxResults", default), 0), maximum)
    chunk = list(items[start : start + size])
    return {
        "startAt": start,
        "maxResults": size,
        "total": len(items),
        "isLast": start + size >= len(items),
        key: chunk,
    }


def token_body(
    items: Sequence[T],
    params: Mapping[str, Any],
    *,
    key: str = "issues",
    default: int = 50,
    maximum: int = 100,
) -> dict[str, Any]:
    """``{<key>: page, isLast, nextPageToken?}`` from ``nextPageToken``/``maxResults``: no total,
    and the token is the only way forward."""
    token = params.get("nextPageToken")
    start = int(decode_cursor("token", token)) if token else 0
    size = min(max(_int(params, "maxResults", default), 1), maximum)
    chunk = list(items[start : start + size])
    body: dict[str, Any] = {key: chunk, "isLast": start + size >= len(items)}
    if not body["isLast"]:
        body["nextPageToken"] = encode_cursor("token", start + size)
    return body


# -- GraphQL connections -------------------------------------------------------------------------
def connection(
    nodes: Sequence[T],
    *,
    first: int | None = None,
    after: str | None = None,
    default: int = 50,
    maximum: int = 250,
) -> dict[str, Any]:
    """A Relay-style connection over ``nodes``: ``nodes``, ``edges {cursor node}`` and
    ``pageInfo {hasNextPage hasPreviousPage startCursor endCursor}``."""
    start = int(decode_cursor("connection", after)) + 1 if after else 0
    size = min(max(first if first is not None else default, 0), maximum)
    chunk = list(nodes[start : start + size])
    cursors = [encode_cursor("connection", start + i) for i in range(len(chunk))]
    return {
        "nodes": chunk,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, chunk, strict=True)],
        "pageInfo": {
            "hasNextPage": start + len(chunk) < len(nodes),
            "hasPreviousPage": start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }
