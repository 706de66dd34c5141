"""Graph's driveItem requests (OneDrive, OneDrive for Business, SharePoint libraries), on
:class:`~connectors.microsoft.client.GraphClient`'s plumbing.

Items are addressed by drive and id (``/drives/{d}/items/{id}``), or by path where Graph
allows it: ``/me/drive/root:/docs`` and ``/drives/{d}/root:/docs`` to find a folder,
``/drives/{d}/items/{parent}:/{name}:/content`` to write a file into one
(learn.microsoft.com/graph/onedrive-addressing-driveitems). Each segment of a path is
percent-encoded on its own.

Writes that replace an item name the version they expect (``If-Match`` with its eTag);
Graph answers ``412 Precondition Failed`` otherwise, which :func:`graph_error` reads as a
:class:`~connectors.sdk.errors.SyncConflict`. A new file is written with
``conflictBehavior=fail``, so an item created meanwhile under that name is ``409
nameAlreadyExists`` rather than overwritten.

Downloads are ``302 Found`` to a pre-authenticated URL on another host; the HTTP stack
follows it and drops every credential on the way (it leaves the origin). An upload
session's ``uploadUrl`` is pre-authenticated too, and Graph asks that no Authorization
header be sent there, so its PUTs go unsigned. Such a URL is a secret of its own (its path
or query authorises the request): it is kept out of error messages, and content is read
``no-store``, so neither the URL nor the file lands in the hub's HTTP cache.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from connectors.sdk import TielineError
from connectors.sdk.connector import NO_STORE

from .client import GraphClient, _seg
from .drive_models import DriveItem, UploadSession
from .models import Collection

#: What every driveItem read asks for (delta's ``$select`` takes the same names).
ITEM_FIELDS = (
    "id,name,eTag,cTag,size,lastModifiedDateTime,webUrl,parentReference,file,folder,deleted,root"
)
#: Simple uploads take up to this much: the OneDrive API's documented limit (Graph's
#: driveitem-put-content now allows 250 MB, but 4 MB holds on every cloud and keeps any
#: larger file resumable, in an upload session).
SIMPLE_LIMIT = 4 * 1024 * 1024
#: Upload session fragments are multiples of this (driveitem-createuploadsession).
FRAGMENT = 320 * 1024
OCTETS = "application/octet-stream"


def _path(path: str) -> str:
    """A relative path with each segment percent-encoded (``a b/c#.md`` -> ``a%20b/c%23.md``)."""
    return "/".join(quote(part, safe="") for part in path.strip("/").split("/") if part)


class DriveClient(GraphClient):
    """The driveItem part of Graph v1.0."""

    @staticmethod
    def _drive(drive: str | None) -> str:
        """``drives/{id}``, or the account's own OneDrive for no (or an empty) drive id."""
        return f"drives/{_seg(drive)}" if drive else "me/drive"

    def _at(self, drive: str, item: str, rel: str = "") -> str:
        base = f"{self._drive(drive)}/items/{_seg(item)}"
        return f"{base}:/{_path(rel)}:" if rel.strip("/") else base

    async def item_at(self, drive: str | None, path: str) -> DriveItem:
        """The item at ``path`` from the drive's root (``drive`` ``None``: the account's own
        OneDrive)."""
        rel = _path(path)
        url = f"{self._drive(drive)}/root:/{rel}:" if rel else f"{self._drive(drive)}/root"
        return await self._get(DriveItem, url, {"$select": ITEM_FIELDS})

    async def item(self, drive: str, item: str, rel: str = "") -> DriveItem:
        """An item by id, or the one at ``rel`` below it."""
        return await self._get(DriveItem, self._at(drive, item, rel), {"$select": ITEM_FIELDS})

    async def drive_delta(
        self, drive: str, folder: str | None, *, link: str | None = None
    ) -> Collection:
        """A page of a delta round: a folder's (``folder``) or the drive root's (``None``),
        or the page a nextLink / deltaLink names."""
        if link:
            return await self.page(link)
        where = self._at(drive, folder) if folder else f"{self._drive(drive)}/root"
        return await self.page(f"{where}/delta", {"$select": ITEM_FIELDS})

    async def content(self, drive: str, item: str, *, format: str | None = None) -> bytes:
        """A file's bytes, or a converted copy (``format="pdf"``). Graph answers with a
        redirect to a pre-authenticated URL on another host, which is read unsigned: the
        token never goes there, whatever the HTTP stack would do with a redirect."""
        params = {"format": format} if format else None
        accept = {"accept": "*/*", **NO_STORE}
        r = await self._request(
            "GET", f"{self._at(drive, item)}/content", params=params, headers=accept, follow=False
        )
        location = r.headers.get("location")
        if r.is_redirect and location:
            r = await self._unsigned("GET", str(r.url.join(location)), headers=accept)
        return r.content

    async def _unsigned(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """A request to a pre-authenticated URL: no credentials, and its path (the part
        that authorises) left out of any error raised."""
        try:
            return await self._request(method, url, headers=headers, content=content, signed=False)
        except TielineError as exc:
            secret = httpx.URL(url).path
            if len(secret) > 1 and secret in exc.message:
                exc.message = exc.message.replace(secret, "/<pre-authenticated URL>")
                exc.args = (exc.message,)
            raise

    async def put_content(
        self, drive: str, parent: str, name: str, data: bytes, *, if_match: str | None
    ) -> DriveItem:
        """A small file written in one request: replacing the version ``if_match`` names, or
        new (refused, 409, if the name is taken)."""
        headers = {"content-type": OCTETS}
        params: dict[str, str] = {}
        if if_match:
            headers["if-match"] = if_match
        else:
            params["@microsoft.graph.conflictBehavior"] = "fail"
        r = await self._request(
            "PUT",
            f"{self._at(drive, parent, name)}/content",
            params=params,
            content=data,
            headers=headers,
        )
        return DriveItem.model_validate(r.json())

    async def upload_session(
        self, drive: str, parent: str, name: str, *, if_match: str | None
    ) -> UploadSession:
        """A resumable upload of ``name`` into ``parent``: replacing the version ``if_match``
        names, or new (``fail`` if the name is taken)."""
        behaviour = "replace" if if_match else "fail"
        body = {"item": {"@microsoft.graph.conflictBehavior": behaviour, "name": name}}
        r = await self._request(
            "POST",
            f"{self._at(drive, parent, name)}/createUploadSession",
            json=body,
            headers={"if-match": if_match} if if_match else None,
        )
        return UploadSession.model_validate(r.json())

    async def put_range(
        self, url: str, data: bytes, start: int, total: int
    ) -> UploadSession | DriveItem:
        """One fragment of a session: the session's state while more is expected (202),
        the finished item after the last."""
        headers = {
            "content-range": f"bytes {start}-{start + len(data) - 1}/{total}",
            "content-type": OCTETS,
        }
        r = await self._unsigned("PUT", url, content=data, headers=headers)
        body: Any = r.json()
        if r.status_code == 202:
            return UploadSession.model_validate(body)
        return DriveItem.model_validate(body)

    async def session_status(self, url: str) -> UploadSession:
        """Which ranges a session still expects, to resume after a failed fragment."""
        r = await self._unsigned("GET", url, headers=dict(NO_STORE))
        return UploadSession.model_validate(r.json())

    async def create_folder(self, drive: str, parent: str, name: str) -> DriveItem:
        """A folder in ``parent``; 409 nameAlreadyExists when one of that name is there."""
        body = {"name": name, "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}
        r = await self._request("POST", f"{self._at(drive, parent)}/children", json=body)
        return DriveItem.model_validate(r.json())

    async def update(
        self, drive: str, item: str, *, parent: str, name: str, if_match: str | None
    ) -> DriveItem:
        """Move and/or rename an item (the version ``if_match`` names)."""
        body = {"parentReference": {"id": parent}, "name": name}
        r = await self._request(
            "PATCH",
            self._at(drive, item),
            json=body,
            headers={"if-match": if_match} if if_match else None,
        )
        return DriveItem.model_validate(r.json())

    async def remove(self, drive: str, item: str, *, if_match: str | None) -> None:
        """Delete an item (to the recycle bin, as Graph does)."""
        await self._request(
            "DELETE", self._at(drive, item), headers={"if-match": if_match} if if_match else None
        )
