"""A library-grade async client for the Zotero Web API v3 (and Zotero 7's local API, which
answers the same paths under ``http://localhost:23119/api``), over the ``httpx.AsyncClient``
it is given (its base URL is ``https://api.zotero.org``; the key travels in its auth).

Every request says ``Zotero-API-Version: 3``. Paging is ``start``/``limit`` (at most 100)
with ``Link: <...>; rel="next"`` and ``Total-Results``; an answer carrying
``Backoff: <seconds>`` asks for a pause, which the next request waits out (a 429's or a
503's ``Retry-After`` is the injected client's business). Incremental reads send
``If-Modified-Since-Version``: a 304 means nothing changed. Writes carry a fresh
``Zotero-Write-Token`` (a retried POST is not applied twice) and, when the caller knows the
library's version, ``If-Unmodified-Since-Version``: a 412 becomes
:class:`~connectors.sdk.errors.SyncConflict`.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import TypeAdapter

from connectors.sdk import InvalidRequest, TielineError
from connectors.sdk.errors import FormatError, SyncConflict
from connectors.sdk.paging import link_cursor

from .models import ZItem, ZKey, ZWriteResult

SERVICE = "Zotero"
HEADERS = {"Zotero-API-Version": "3", "accept": "application/json"}
#: Items per page (the API's most).
LIMIT = 100
#: Items per POST (the API's most).
WRITE_BATCH = 50
#: The longest ``Backoff`` waited out (seconds); longer asks are capped.
MAX_BACKOFF = 60.0
_ITEMS = TypeAdapter(list[ZItem])


class ZoteroClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self._not_before = 0.0

    async def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        wait = self._not_before - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        headers = {**HEADERS, **kw.pop("headers", {})}
        response = await self.http.request(method, url, headers=headers, **kw)
        backoff = response.headers.get("backoff")
        if backoff:
            try:
                seconds = min(float(backoff), MAX_BACKOFF)
            except ValueError:
                seconds = 0.0
            self._not_before = max(self._not_before, time.monotonic() + seconds)
        return response

    async def current_key(self) -> ZKey:
        """``GET /keys/current``: the key's user and access."""
        r = await self._send("GET", "/keys/current")
        return ZKey.model_validate(_json(r))

    async def items(
        self, library: str, *, since: int | None = None
    ) -> tuple[list[ZItem], int | None, bool]:
        """Every item (not notes or attachments) modified since library version ``since``
        (``None``: all), the library's version, and whether nothing changed (a 304)."""
        out: list[ZItem] = []
        params: dict[str, Any] = {
            "format": "json",
            "limit": LIMIT,
            "start": 0,
            "itemType": "-attachment",
        }
        if since is not None:
            params["since"] = since
        url: str | None = f"/{library}/items"
        version: int | None = None
        first = True
        while url is not None:
            headers = {"If-Modified-Since-Version": str(since)} if first and since else {}
            r = await self._send("GET", url, params=params if first else None, headers=headers)
            if r.status_code == 304:
                return [], since, True
            if first:
                version = _int(r.headers.get("last-modified-version"))
            first = False
            out += [i for i in _ITEMS.validate_python(_json(r)) if i.data.item_type != "note"]
            url = link_cursor(r)
        return out, version, False

    async def deleted(self, library: str, since: int) -> list[str]:
        """Keys of the items deleted since library version ``since``
        (``GET /{library}/deleted?since=``)."""
        r = await self._send("GET", f"/{library}/deleted", params={"since": since})
        body = _json(r)
        keys = body.get("items", []) if isinstance(body, dict) else []
        return [k for k in keys if isinstance(k, str)]

    async def export(self, library: str, keys: Sequence[str], fmt: str) -> str:
        """Items as ``bibtex``/``biblatex`` text Zotero writes (all items: ``keys`` empty)."""
        if fmt not in ("bibtex", "biblatex"):
            raise InvalidRequest(f"Zotero exports bibtex or biblatex, not {fmt!r}")
        chunks: list[str] = []
        batches = [list(keys[i : i + 50]) for i in range(0, len(keys), 50)] or [[]]
        for batch in batches:
            params: dict[str, Any] | None = {"format": fmt, "limit": LIMIT, "start": 0}
            if batch and params is not None:
                params["itemKey"] = ",".join(batch)
            url: str | None = f"/{library}/items"
            while url is not None:
                r = await self._send("GET", url, params=params, headers={"accept": "*/*"})
                chunks.append(r.text.strip())
                url, params = link_cursor(r), None
        return "\n\n".join(c for c in chunks if c) + "\n"

    async def create_items(
        self, library: str, items: Sequence[dict[str, Any]], *, if_unmodified: int | None = None
    ) -> ZWriteResult:
        """``POST /{library}/items``: at most :data:`WRITE_BATCH` items."""
        if len(items) > WRITE_BATCH:
            raise InvalidRequest(f"Zotero takes at most {WRITE_BATCH} items per write")
        headers = {"Zotero-Write-Token": secrets.token_hex(16)}
        if if_unmodified is not None:
            headers["If-Unmodified-Since-Version"] = str(if_unmodified)
        try:
            r = await self._send("POST", f"/{library}/items", json=list(items), headers=headers)
        except TielineError as exc:
            if getattr(exc, "status", None) == 412:
                raise SyncConflict(
                    f"{SERVICE}: the library changed since version {if_unmodified}; "
                    "read it again and retry"
                ) from exc
            raise
        return ZWriteResult.model_validate(_json(r))

    async def ping(self, url: str) -> bool:
        """The desktop app's connector server (``GET /connector/ping``) answers."""
        try:
            r = await self._send("GET", url, headers={"accept": "*/*"})
        except (TielineError, httpx.HTTPError):
            return False
        return r.status_code == 200


def _json(r: httpx.Response) -> Any:
    """The answer's JSON, or :class:`FormatError` for a body that is not (a proxy's page)."""
    try:
        return r.json()
    except ValueError as exc:
        kind = r.headers.get("content-type", "no content type")
        raise FormatError(
            f"{SERVICE}: {r.request.method} {r.request.url.path} answered {kind} that is not JSON"
        ) from exc


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
