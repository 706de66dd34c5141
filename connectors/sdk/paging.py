"""Pagination helpers, so a connector writes no paging plumbing of its own.

Services page in four ways; each helper turns one answer into the *cursor* of the next page
(an opaque string a connector hands back in :class:`~connectors.sdk.models.Page`), or
``None`` at the end:

- :func:`link_cursor` -- ``Link: <...>; rel="next"`` (GitHub, GitLab's offset and keyset
  pagination); :func:`check_link` refuses a cursor that points away from the account's API.
- :func:`offset_cursor` -- ``startAt``/``maxResults``/``total`` bodies (Jira) and
  ``page``/``per_page`` without links.
- :func:`token_cursor` -- a next-page token in the body (Jira's ``/search/jql``
  ``nextPageToken``, Slack's ``response_metadata.next_cursor``).
- :func:`graphql_cursor` -- a GraphQL connection's ``pageInfo`` (Linear, GitHub GraphQL).

:func:`collect` walks any of them to the end with a safety net on the page count.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from .errors import InvalidRequest

T = TypeVar("T")
MAX_PAGES = 100  # a safety net against a cursor that never ends, not a product limit


def link_cursor(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, if any."""
    url = response.links.get("next", {}).get("url")
    return str(url) if url else None


def check_link(http: httpx.AsyncClient, cursor: str) -> str:
    """A ``next`` link handed back as a cursor must point at this account's API: a cursor is
    input from the caller, and following it elsewhere would send the account's token there."""
    base = urlsplit(str(http.base_url))
    got = urlsplit(cursor)
    if got.netloc and (got.scheme, got.netloc) != (base.scheme, base.netloc):
        raise InvalidRequest("cursor does not belong to this account's API")
    return cursor


def offset_cursor(start: int, got: int, total: int | None, page_size: int) -> str | None:
    """The next ``startAt`` as a cursor: none when this page was short or reached ``total``."""
    nxt = start + got
    if got == 0 or (total is not None and nxt >= total) or (total is None and got < page_size):
        return None
    return str(nxt)


def offset_of(cursor: str | None) -> int:
    """The ``startAt`` a cursor from :func:`offset_cursor` stands for (0 for the first page)."""
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise InvalidRequest("not an offset cursor")
    return int(cursor)


def token_cursor(body: Any, path: Sequence[str]) -> str | None:
    """A next-page token found at ``path`` in a JSON body (empty strings mean the end)."""
    node = body
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return str(node) if isinstance(node, str) and node else None


def graphql_cursor(page_info: Mapping[str, Any] | None) -> str | None:
    """``endCursor`` while ``hasNextPage``: a GraphQL connection's next page."""
    if not page_info or not page_info.get("hasNextPage"):
        return None
    cursor = page_info.get("endCursor")
    return str(cursor) if cursor else None


async def collect(
    fetch: Callable[[str | None], Awaitable[tuple[Sequence[T], str | None]]],
    *,
    max_pages: int = MAX_PAGES,
    limit: int | None = None,
) -> list[T]:
    """Every item of a paged list: ``fetch(cursor)`` returns ``(items, next_cursor)``."""
    out: list[T] = []
    cursor: str | None = None
    for _ in range(max_pages):
        items, cursor = await fetch(cursor)
        out.extend(items)
        if not cursor or (limit is not None and len(out) >= limit):
            break
    return out if limit is None else out[:limit]
