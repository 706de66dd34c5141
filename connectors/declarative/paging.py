"""One page of a declared list: the request to send for a cursor, and the next cursor.

The cursor a :class:`~connectors.sdk.models.Page` carries is the style's own position:
the next URL (``link``), the service's token (``cursor``), the page number (``page``) or the
offset (``offset``). The sdk's paging helpers read the Link header and refuse a next URL
that points away from the account's API (it would carry the token elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jmespath

from connectors.sdk.errors import InvalidRequest
from connectors.sdk.paging import check_link, link_cursor

from .spec import Pagination


@dataclass(frozen=True)
class Ask:
    """What to request: a URL (relative to the API, or a whole next link) and parameters."""

    url: str
    params: dict[str, str]


def request_for(
    p: Pagination, url: str, params: Mapping[str, str], cursor: str | None, http: httpx.AsyncClient
) -> Ask:
    """The request for the page at ``cursor`` (``None``: the first page)."""
    out = dict(params)
    if p.style != "none" and p.size_param:
        out[p.size_param] = str(p.page_size)
    if p.style == "link":
        if cursor:
            return Ask(check_link(http, cursor), {})
    elif p.style == "cursor":
        if cursor:
            out[p.cursor_param] = cursor
    elif p.style == "page":
        out[p.page_param] = str(_number(cursor, p.first_page))
    elif p.style == "offset":
        out[p.offset_param] = str(_number(cursor, 0))
    return Ask(url, out)


def next_cursor(
    p: Pagination, cursor: str | None, response: httpx.Response, body: Any, got: int
) -> str | None:
    """The cursor of the page after this one, or ``None`` at the end."""
    if p.style == "link":
        return link_cursor(response)
    if p.style == "cursor":
        assert p.cursor_path is not None
        token = jmespath.search(p.cursor_path, body)
        return str(token) if token not in (None, "", False) else None
    if p.style in ("page", "offset"):
        total = _total(p, body)
        if p.style == "page":
            page = _number(cursor, p.first_page)
            seen = (page - p.first_page) * p.page_size + got
            more = seen < total if total is not None else got >= p.page_size
            return str(page + 1) if got and more else None
        offset = _number(cursor, 0)
        more = offset + got < total if total is not None else got >= p.page_size
        return str(offset + got) if got and more else None
    return None


def _total(p: Pagination, body: Any) -> int | None:
    if not p.total_path:
        return None
    value = jmespath.search(p.total_path, body)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(cursor: str | None, default: int) -> int:
    if cursor is None or cursor == "":
        return default
    if not cursor.isdigit():
        raise InvalidRequest(f"not a page cursor: {cursor!r}")
    return int(cursor)
