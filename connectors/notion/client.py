"""A library-grade async client for Notion's REST API, over the ``httpx.AsyncClient`` it is
given (base URL ``https://api.notion.com``; the token travels in its auth as Bearer).

It knows Notion's URLs, the ``Notion-Version`` header every request carries, cursor paging
(``start_cursor`` in, ``has_more`` + ``next_cursor`` out), the 100-block ceiling of one
append, and the two-step file upload; it returns wire models (block objects as dicts).
Retries, caching, rate limits (429 + Retry-After) and error mapping (Notion's
``{"object": "error", "status", "code", "message"}``, read by the connector's
``body_error``) belong to the client handed in.

References: developers.notion.com/reference/intro, .../versioning, .../post-search,
.../get-block-children, .../patch-block-children, .../delete-a-block, .../post-page,
.../patch-page, .../create-a-file-upload, .../send-a-file-upload.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.sdk.pages import Span
from connectors.sdk.rest import JsonApi

from .mapping import rich_text
from .models import NFileUpload, NList, NPage, NUser

SERVICE = "Notion"
#: The API version the connector is written against (the one the published OpenAPI
#: description of the API declares).
NOTION_VERSION = "2025-09-03"
HEADERS = {"accept": "application/json", "notion-version": NOTION_VERSION}
#: Notion's ceiling for ``page_size`` and for the children of one append.
PAGE_SIZE = 100
MAX_APPEND = 100
#: A single-part file upload's ceiling (developers.notion.com/docs/uploading-small-files).
MAX_UPLOAD = 20 * 1024 * 1024

Json = dict[str, Any]


class NotionClient(JsonApi):
    """Notion's REST API relative to the http client's base URL."""

    headers = HEADERS

    async def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
    ) -> Json:
        """A call's JSON object answer (``{}`` for an empty body)."""
        r = await self._request(method, path.lstrip("/"), params=params, json=json)
        if not r.content:
            return {}
        body: Json = r.json()
        return body

    # -- users ------------------------------------------------------------------------------
    async def me(self) -> NUser:
        """The integration's bot user (``bot.workspace_name`` names the workspace)."""
        return NUser.model_validate(await self._json("GET", "v1/users/me"))

    async def user(self, user_id: str) -> NUser:
        return NUser.model_validate(await self._json("GET", f"v1/users/{user_id}"))

    # -- pages ------------------------------------------------------------------------------
    async def search(self, query: str, cursor: str | None = None, *, page_size: int = 20) -> NList:
        """A page of the pages whose title matches ``query`` (``object=page`` only)."""
        body: Json = {
            "query": query,
            "filter": {"property": "object", "value": "page"},
            "page_size": min(page_size, PAGE_SIZE),
        }
        if cursor:
            body["start_cursor"] = cursor
        return NList.model_validate(await self._json("POST", "v1/search", json=body))

    async def page(self, page_id: str) -> NPage:
        return NPage.model_validate(await self._json("GET", f"v1/pages/{page_id}"))

    async def create_page(self, parent_id: str, title: str, children: Sequence[Json]) -> NPage:
        """A page under ``parent_id`` with ``children`` (at most :data:`MAX_APPEND`)."""
        body: Json = {
            "parent": {"type": "page_id", "page_id": parent_id},
            "properties": {"title": {"title": _title(title)}},
        }
        if children:
            body["children"] = list(children)
        return NPage.model_validate(await self._json("POST", "v1/pages", json=body))

    async def set_title(self, page_id: str, title: str) -> NPage:
        body = {"properties": {"title": {"title": _title(title)}}}
        return NPage.model_validate(await self._json("PATCH", f"v1/pages/{page_id}", json=body))

    # -- blocks -----------------------------------------------------------------------------
    async def children(self, block_id: str, cursor: str | None = None) -> NList:
        params: dict[str, str | int] = {"page_size": PAGE_SIZE}
        if cursor:
            params["start_cursor"] = cursor
        return NList.model_validate(
            await self._json("GET", f"v1/blocks/{block_id}/children", params=params)
        )

    async def all_children(self, block_id: str) -> list[Json]:
        """Every child of a block, following ``next_cursor``."""
        out: list[Json] = []
        cursor: str | None = None
        while True:
            page = await self.children(block_id, cursor)
            out.extend(page.results)
            if not page.has_more or not page.next_cursor:
                return out
            cursor = page.next_cursor

    async def append(self, block_id: str, children: Sequence[Json]) -> list[Json]:
        """Append at most :data:`MAX_APPEND` blocks; the created blocks, in order."""
        if len(children) > MAX_APPEND:
            raise ValueError(f"Notion appends at most {MAX_APPEND} blocks per request")
        body = {"children": list(children)}
        answer = await self._json("PATCH", f"v1/blocks/{block_id}/children", json=body)
        return list(answer.get("results") or ())

    async def delete_block(self, block_id: str) -> None:
        await self._json("DELETE", f"v1/blocks/{block_id}")

    # -- file uploads -----------------------------------------------------------------------
    async def upload(self, filename: str, content_type: str, data: bytes) -> NFileUpload:
        """A single-part file upload: create it, then send the bytes (multipart ``file``)."""
        if len(data) > MAX_UPLOAD:
            raise ValueError(f"{filename}: Notion takes files of at most 20 MB in one part")
        created = NFileUpload.model_validate(
            await self._json(
                "POST",
                "v1/file_uploads",
                json={"mode": "single_part", "filename": filename, "content_type": content_type},
            )
        )
        r = await self.http.post(
            f"v1/file_uploads/{created.id}/send",
            files={"file": (filename, data, content_type)},
            headers=HEADERS,
        )
        return NFileUpload.model_validate(r.json())

    async def download(self, url: str) -> bytes:
        """A file a page names by a signed URL: fetched without the token (the signature is
        the credential, and S3 refuses a request carrying two)."""
        r = await self.http.get(url, auth=None, headers={"accept": "*/*"})
        return r.content


def _title(title: str) -> list[Json]:
    return rich_text([Span(text=title)]) if title else []
