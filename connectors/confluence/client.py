"""A library-grade async client for Confluence's REST APIs, over the ``httpx.AsyncClient``
it is given.

One client speaks to one Confluence at ``wiki``, the prefix its APIs hang off:

- Cloud, signed in with email + API token: ``https://acme.atlassian.net/wiki``; with an
  OAuth 2.0 (3LO) token: Atlassian's gateway ``{gateway}/ex/confluence/{cloudid}/wiki``
  (3LO tokens are not accepted by the site). Pages and spaces are REST v2
  (``{wiki}/api/v2``, cursor paging); search (CQL) and attachment uploads only exist in
  REST v1 (``{wiki}/rest/api``), which v2 has not replaced.
- Data Center / Server: the site itself, context path included
  (``https://wiki.corp.example/confluence``), REST v1 only, offset paging.

It knows Confluence's URLs, bodies and pagination and returns wire models; retries,
caching, rate limits and error mapping belong to the client handed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from pydantic import BaseModel

from connectors.sdk.rest import JsonApi, Params

from .models import (
    CUser,
    V1Content,
    V1Page,
    V2List,
    V2Page,
    V2Space,
)

M = TypeVar("M", bound=BaseModel)
#: v2 lists allow up to 250 a page; v1 lists cap ``limit`` at 100 (Data Center: 200).
PAGE_SIZE = 100
#: Header Confluence's XSRF check wants on multipart uploads (v1 attachments).
NO_CHECK = {"X-Atlassian-Token": "no-check"}
MAX_REDIRECTS = 5


def _seg(value: str) -> str:
    return quote(value, safe="")


def next_cursor(links_next: str | None, response: httpx.Response) -> str | None:
    """The ``cursor`` of a v2 list's next page, from ``_links.next`` or the ``Link``
    header. Only the cursor is kept: the next request is built here, against this client's
    own base, so a link naming another host is never followed."""
    url = links_next or response.links.get("next", {}).get("url")
    if not url:
        return None
    found = parse_qs(urlsplit(str(url)).query).get("cursor")
    return found[0] if found else None


def cql_string(text: str) -> str:
    """``text`` as a double-quoted CQL string (quotes and backslashes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ConfluenceClient(JsonApi):
    """Confluence's REST APIs under ``wiki``; ``cloud`` picks v2 for pages and spaces."""

    headers = {"accept": "application/json"}

    def __init__(self, http: httpx.AsyncClient, *, wiki: str, cloud: bool = True) -> None:
        super().__init__(http)
        self.cloud = cloud
        self.wiki = wiki.rstrip("/")
        self.v1 = f"{self.wiki}/rest/api"
        self.v2 = f"{self.wiki}/api/v2"

    async def _json(
        self, method: str, url: str, *, params: Params | None = None, json: Any = None
    ) -> tuple[Any, httpx.Response]:
        r = await self._request(method, url, params=params, json=json)
        return r.json(), r

    # -- account ----------------------------------------------------------------------------
    async def current_user(self) -> tuple[CUser, httpx.Response]:
        """The signed-in user (REST v1 on both: v2 has no "current user"), and the answer
        itself (its rate-limit headers)."""
        body, r = await self._json("GET", f"{self.v1}/user/current")
        return CUser.model_validate(body), r

    async def user(self, account_id: str) -> CUser:
        """A person by Cloud account id (REST v1: v2 has no users)."""
        return await self._get(CUser, f"{self.v1}/user", {"accountId": account_id})

    # -- Cloud: REST v2 ---------------------------------------------------------------------
    async def _v2_list(
        self, url: str, cursor: str | None, params: Mapping[str, str | int] | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        query: dict[str, str | int] = {"limit": PAGE_SIZE, **(params or {})}
        if cursor:
            query["cursor"] = cursor
        body, r = await self._json("GET", url, params=query)
        page = V2List.model_validate(body)
        return page.results, next_cursor(page.links.next, r)

    async def v2_spaces(
        self, cursor: str | None = None, *, keys: str | None = None
    ) -> tuple[list[V2Space], str | None]:
        params = {"keys": keys} if keys else {}
        rows, nxt = await self._v2_list(f"{self.v2}/spaces", cursor, params)
        return [V2Space.model_validate(r) for r in rows], nxt

    async def v2_space(self, space_id: str) -> V2Space:
        return await self._get(V2Space, f"{self.v2}/spaces/{_seg(space_id)}")

    async def v2_page(self, page_id: str, *, body: bool = True) -> V2Page:
        params = {"body-format": "storage"} if body else None
        return await self._get(V2Page, f"{self.v2}/pages/{_seg(page_id)}", params)

    async def v2_children(
        self, page_id: str, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a page's child pages (``/children``: pages only, in tree order)."""
        return await self._v2_list(f"{self.v2}/pages/{_seg(page_id)}/children", cursor)

    async def v2_attachments(
        self, page_id: str, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        return await self._v2_list(f"{self.v2}/pages/{_seg(page_id)}/attachments", cursor)

    async def v2_create_page(
        self, space_id: str, title: str, storage: str, *, parent_id: str | None = None
    ) -> V2Page:
        body: dict[str, Any] = {
            "spaceId": space_id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": storage},
        }
        if parent_id:
            body["parentId"] = parent_id
        data, _ = await self._json("POST", f"{self.v2}/pages", json=body)
        return V2Page.model_validate(data)

    async def v2_update_page(
        self, page_id: str, title: str, storage: str, *, version: int
    ) -> V2Page:
        """Replace a page's title and body; ``version`` is the new number (current + 1)."""
        body = {
            "id": page_id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": storage},
            "version": {"number": version, "message": "Updated from Tieline"},
        }
        data, _ = await self._json("PUT", f"{self.v2}/pages/{_seg(page_id)}", json=body)
        return V2Page.model_validate(data)

    # -- REST v1 (Data Center; Cloud's search and uploads) ------------------------------------
    async def v1_list(
        self, url: str, start: int, params: Mapping[str, str | int] | None = None
    ) -> tuple[V1Page, str | None]:
        """One page of a v1 list and the next ``start`` as a cursor (none at the end)."""
        body, _ = await self._json(
            "GET", url, params={"start": start, "limit": PAGE_SIZE, **(params or {})}
        )
        page = V1Page.model_validate(body)
        got = len(page.results)
        more = bool(page.links.next) and got > 0
        return page, str(page.start + got) if more else None

    async def v1_content(self, page_id: str, expand: str) -> V1Content:
        return await self._get(V1Content, f"{self.v1}/content/{_seg(page_id)}", {"expand": expand})

    async def v1_search(self, cql: str, limit: int, *, expand: str) -> list[dict[str, Any]]:
        """Cloud's ``/search`` (hits with ``content``) or Data Center's ``/content/search``
        (content itself)."""
        url = f"{self.v1}/search" if self.cloud else f"{self.v1}/content/search"
        body, _ = await self._json(
            "GET", url, params={"cql": cql, "limit": limit, "expand": expand}
        )
        return V1Page.model_validate(body).results

    async def v1_create_page(
        self, space_key: str, title: str, storage: str, *, parent_id: str | None = None
    ) -> V1Content:
        body: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": space_key},
            "body": {"storage": {"value": storage, "representation": "storage"}},
        }
        if parent_id:
            body["ancestors"] = [{"id": parent_id}]
        data, _ = await self._json("POST", f"{self.v1}/content", json=body)
        return V1Content.model_validate(data)

    async def v1_update_page(
        self, page_id: str, space_key: str, title: str, storage: str, *, version: int
    ) -> V1Content:
        body = {
            "id": page_id,
            "type": "page",
            "title": title,
            "space": {"key": space_key},
            "body": {"storage": {"value": storage, "representation": "storage"}},
            "version": {"number": version, "message": "Updated from Tieline"},
        }
        data, _ = await self._json("PUT", f"{self.v1}/content/{_seg(page_id)}", json=body)
        return V1Content.model_validate(data)

    async def put_attachment(
        self, page_id: str, filename: str, data: bytes, media_type: str
    ) -> dict[str, Any]:
        """Create or update the attachment ``filename`` of a page (multipart ``file``;
        ``PUT`` so re-exporting an image replaces its old version instead of failing on the
        name). The answer lists the attachment under ``results``."""
        r = await self.http.request(
            "PUT",
            f"{self.v1}/content/{_seg(page_id)}/child/attachment",
            files={"file": (filename, data, media_type)},
            data={"minorEdit": "true"},
            headers={**self.headers, **NO_CHECK},
        )
        body = r.json()
        results = body.get("results") if isinstance(body, dict) else None
        return dict(results[0]) if results else dict(body)

    async def download(self, url: str) -> bytes:
        """An attachment's bytes. Cloud answers a download with a redirect to Atlassian's
        media service, a URL on another host carrying its own short-lived token: a redirect
        off this origin is followed unsigned, so the account's credentials never go there."""
        accept = {"accept": "*/*"}
        r = await self.http.request("GET", url, headers=accept, follow_redirects=False)
        for _ in range(MAX_REDIRECTS):
            location = r.headers.get("location")
            if not (r.is_redirect and location):
                break
            nxt = r.url.join(location)
            same = (nxt.scheme, nxt.host, nxt.port) == (r.url.scheme, r.url.host, r.url.port)
            r = await self.http.request(
                "GET",
                nxt,
                headers=accept,
                follow_redirects=False,
                auth=httpx.USE_CLIENT_DEFAULT if same else None,
            )
        return r.content
