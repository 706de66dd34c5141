"""A library-grade async client for the Drive API v3 calls a folder sync makes, over the
``httpx.AsyncClient`` it is given (base URL ``https://www.googleapis.com``).

Paths, parameters, paging and the three upload protocols are Drive's
(developers.google.com/workspace/drive/api/guides/manage-uploads):

- ``uploadType=multipart`` (one ``multipart/related`` request: the JSON metadata, then the
  bytes) creates a file up to :data:`SIMPLE_LIMIT`; ``uploadType=media`` replaces a file's
  bytes up to that size;
- anything larger goes through a resumable session: the metadata opens it (answered with the
  session URI in ``Location``), then the bytes follow in pieces of :data:`CHUNK` (a multiple
  of 256 KiB, as Drive requires of every piece but the last), each ``PUT`` with
  ``Content-Range: bytes first-last/total``. Drive answers ``308 Resume Incomplete`` with
  ``Range: bytes=0-n`` -- what it holds, which may be less than was sent -- and the next piece
  starts after ``n``; the last piece is answered with the file. A piece that fails after the
  hub's retries is followed by a status query (``Content-Range: bytes */total``), and the
  upload goes on from what the session holds.

Every answer about a file asks for :data:`FILE_FIELDS` (Drive returns only ``id``, ``name``
and ``mimeType`` unless ``fields`` names more). Errors, retries and rate limits belong to the
client handed in.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from connectors.sdk import NO_STORE, ServiceUnavailable, TransportError
from connectors.sdk.paging import check_link

from .models import GChangeList, GComment, GCommentList, GFile, GFileList, GReply, GStartPageToken

DRIVE = "drive/v3"
UPLOAD = "upload/drive/v3"
FOLDER = "application/vnd.google-apps.folder"
FILE_FIELDS = (
    "id,name,mimeType,parents,trashed,size,version,md5Checksum,sha256Checksum,modifiedTime,"
    "webViewLink,driveId"
)
LIST_FIELDS = f"nextPageToken,incompleteSearch,files({FILE_FIELDS})"
CHANGE_FIELDS = (
    f"nextPageToken,newStartPageToken,changes(fileId,removed,changeType,time,file({FILE_FIELDS}))"
)
REPLY_FIELDS = "id,content,author(displayName,emailAddress,me),createdTime,action,deleted"
#: Comments and replies have no default fields: Drive refuses their methods without
#: ``fields`` (guides/fields-parameter).
COMMENT_FIELDS = (
    "id,content,author(displayName,emailAddress,me),createdTime,modifiedTime,resolved,"
    f"deleted,quotedFileContent,replies({REPLY_FIELDS})"
)
#: Drive's largest page of comments.
COMMENTS_PAGE = 100
#: Drive's largest page of files or changes.
PAGE = 1000
#: Up to this size a file goes up in one request; above it, in a resumable session.
SIMPLE_LIMIT = 5 * 1024 * 1024
#: One piece of a resumable upload: 16 x 256 KiB.
CHUNK = 16 * 256 * 1024
#: Pieces a session may answer without progress before the upload is given up.
STALLS = 3
JSON = {"accept": "application/json"}
#: Files of a shared drive are served only to a caller that says it knows them (else 404):
#: on every files method that takes it (files.export and comments take none).
ALL_DRIVES = {"supportsAllDrives": "true"}
#: File contents skip the HTTP cache: megabytes each, and read once per change anyway.
_BYTES = NO_STORE


def _seg(value: str) -> str:
    return quote(value, safe="")


class DriveClient:
    """Drive API v3 relative to the http client's base URL (the API origin)."""

    def __init__(self, http: httpx.AsyncClient, *, chunk: int = CHUNK) -> None:
        if chunk <= 0 or chunk % (256 * 1024):
            raise ValueError("a resumable piece is a multiple of 256 KiB")
        self.http = http
        self.chunk = chunk

    async def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
    ) -> Any:
        r = await self.http.request(method, path, params=params, json=body, headers=JSON)
        return r.json() if r.content else None

    # -- reading ----------------------------------------------------------------------------
    async def get(self, file_id: str, *, fields: str = FILE_FIELDS, fresh: bool = False) -> GFile:
        """``files.get``: a file's metadata (``root`` names My Drive). ``fresh`` asks past
        any cached answer (``Cache-Control: no-cache``: revalidated, a 304 when unchanged),
        as the version read before a write must."""
        headers = {**JSON, "cache-control": "no-cache"} if fresh else JSON
        r = await self.http.get(
            f"{DRIVE}/files/{_seg(file_id)}",
            params={"fields": fields, **ALL_DRIVES},
            headers=headers,
        )
        return GFile.model_validate(r.json())

    async def search(
        self, query: str, *, drive: str = "", fresh: bool = False
    ) -> AsyncIterator[GFile]:
        """``files.list`` with Drive's query language, every page: in the shared drive
        ``drive`` (its id), else in the account's own (``fresh``: as for :meth:`get`)."""
        headers = {**JSON, "cache-control": "no-cache"} if fresh else JSON
        token: str | None = None
        while True:
            params: dict[str, str | int] = {"q": query, "pageSize": PAGE, "fields": LIST_FIELDS}
            if drive:
                params.update(_in_drive(drive), corpora="drive")
            if token:
                params["pageToken"] = token
            r = await self.http.get(f"{DRIVE}/files", params=params, headers=headers)
            page = GFileList.model_validate(r.json())
            for f in page.files:
                yield f
            token = page.next_page_token
            if not token:
                return

    async def start_page_token(self, *, drive: str = "") -> str:
        """``changes.getStartPageToken``: where a listing of changes from now on starts (of
        the shared drive ``drive``, else of the account's own)."""
        params = {"driveId": drive, **ALL_DRIVES} if drive else None
        data = await self._json("GET", f"{DRIVE}/changes/startPageToken", params=params)
        return GStartPageToken.model_validate(data).start_page_token

    async def change_pages(self, token: str, *, drive: str = "") -> AsyncIterator[GChangeList]:
        """``changes.list`` from ``token``, page by page; the last has ``newStartPageToken``.
        Removed files are included (``includeRemoved``), as a sync must see them."""
        while True:
            params: dict[str, str | int] = {
                "pageToken": token,
                "pageSize": PAGE,
                "includeRemoved": "true",
                "spaces": "drive",
                "fields": CHANGE_FIELDS,
            }
            if drive:
                params.update(_in_drive(drive))
            page = GChangeList.model_validate(
                await self._json("GET", f"{DRIVE}/changes", params=params)
            )
            yield page
            if page.new_start_page_token or not page.next_page_token:
                return
            token = page.next_page_token

    async def download(self, file_id: str) -> bytes:
        """``files.get?alt=media``: a file's bytes (Google Docs have none: :meth:`export`)."""
        r = await self.http.get(
            f"{DRIVE}/files/{_seg(file_id)}", params={"alt": "media", **ALL_DRIVES}, headers=_BYTES
        )
        return r.content

    async def export(self, file_id: str, mime_type: str) -> bytes:
        """``files.export``: a Google Docs, Sheets or Slides file converted to ``mime_type``."""
        r = await self.http.get(
            f"{DRIVE}/files/{_seg(file_id)}/export", params={"mimeType": mime_type}, headers=_BYTES
        )
        return r.content

    # -- writing ----------------------------------------------------------------------------
    async def create_folder(self, name: str, parent: str) -> GFile:
        body = {"name": name, "mimeType": FOLDER, "parents": [parent]}
        params = {"fields": FILE_FIELDS, **ALL_DRIVES}
        data = await self._json("POST", f"{DRIVE}/files", params=params, body=body)
        return GFile.model_validate(data)

    async def update(
        self,
        file_id: str,
        *,
        name: str | None = None,
        trashed: bool | None = None,
        add_parents: Sequence[str] = (),
        remove_parents: Sequence[str] = (),
    ) -> GFile:
        """``files.update`` of metadata: rename, move (``addParents``/``removeParents``: the
        ``parents`` field itself is read-only in an update), trash."""
        params: dict[str, str | int] = {"fields": FILE_FIELDS, **ALL_DRIVES}
        if add_parents:
            params["addParents"] = ",".join(add_parents)
        if remove_parents:
            params["removeParents"] = ",".join(remove_parents)
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if trashed is not None:
            body["trashed"] = trashed
        data = await self._json("PATCH", f"{DRIVE}/files/{_seg(file_id)}", params=params, body=body)
        return GFile.model_validate(data)

    async def delete(self, file_id: str) -> None:
        """``files.delete``: gone for good, skipping the trash."""
        await self.http.delete(f"{DRIVE}/files/{_seg(file_id)}", params=ALL_DRIVES)

    async def create(
        self, name: str, parent: str, data: bytes, mime_type: str, *, convert_to: str = ""
    ) -> GFile:
        """A new file in ``parent``: multipart up to :data:`SIMPLE_LIMIT`, else resumable.
        ``convert_to`` (a Google Docs type, such as a Doc's) is the metadata's ``mimeType``
        while the media stays ``mime_type``: Drive then imports the bytes, converting them
        into that type's document (guides/manage-uploads#import-docs)."""
        meta = {"name": name, "parents": [parent], "mimeType": convert_to or mime_type}
        if len(data) > SIMPLE_LIMIT:
            return await self._resumable("POST", f"{UPLOAD}/files", meta, data, mime_type)
        boundary = "tieline-" + secrets.token_hex(12)
        body = b"".join(
            [
                f"--{boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n".encode(),
                json.dumps(meta).encode(),
                f"\r\n--{boundary}\r\ncontent-type: {mime_type}\r\n\r\n".encode(),
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        r = await self.http.post(
            f"{UPLOAD}/files",
            params={"uploadType": "multipart", "fields": FILE_FIELDS, **ALL_DRIVES},
            content=body,
            headers={**JSON, "content-type": f"multipart/related; boundary={boundary}"},
        )
        return GFile.model_validate(r.json())

    async def replace(self, file_id: str, data: bytes, mime_type: str) -> GFile:
        """New bytes for an existing file (``files.update`` with media), its id, name and
        place kept: ``uploadType=media`` up to :data:`SIMPLE_LIMIT`, else resumable. For a
        Google Doc and media Drive imports (Markdown), the Doc's content is converted anew
        from it -- same id, comments and sharing."""
        path = f"{UPLOAD}/files/{_seg(file_id)}"
        if len(data) > SIMPLE_LIMIT:
            return await self._resumable("PATCH", path, {}, data, mime_type)
        r = await self.http.patch(
            path,
            params={"uploadType": "media", "fields": FILE_FIELDS, **ALL_DRIVES},
            content=data,
            headers={**JSON, "content-type": mime_type},
        )
        return GFile.model_validate(r.json())

    # -- comments ---------------------------------------------------------------------------
    async def comments(self, file_id: str) -> AsyncIterator[GComment]:
        """``comments.list``: a file's comments with their replies, every page (deleted
        ones left out)."""
        token: str | None = None
        while True:
            params: dict[str, str | int] = {
                "pageSize": COMMENTS_PAGE,
                "includeDeleted": "false",
                "fields": f"nextPageToken,comments({COMMENT_FIELDS})",
            }
            if token:
                params["pageToken"] = token
            data = await self._json("GET", f"{DRIVE}/files/{_seg(file_id)}/comments", params=params)
            page = GCommentList.model_validate(data)
            for c in page.comments:
                yield c
            token = page.next_page_token
            if not token:
                return

    async def create_comment(self, file_id: str, content: str, *, quoted: str | None) -> GComment:
        """``comments.create``. The API cannot anchor a comment in a Google Doc's text; the
        quoted text shows which passage it is about."""
        body: dict[str, Any] = {"content": content}
        if quoted:
            body["quotedFileContent"] = {"mimeType": "text/plain", "value": quoted}
        data = await self._json(
            "POST",
            f"{DRIVE}/files/{_seg(file_id)}/comments",
            params={"fields": COMMENT_FIELDS},
            body=body,
        )
        return GComment.model_validate(data)

    async def create_reply(
        self, file_id: str, comment_id: str, content: str, *, action: str | None = None
    ) -> GReply:
        """``replies.create``; ``action`` ``resolve`` or ``reopen`` closes or reopens the
        thread (with or without words)."""
        body: dict[str, Any] = {"content": content} if content else {}
        if action:
            body["action"] = action
        data = await self._json(
            "POST",
            f"{DRIVE}/files/{_seg(file_id)}/comments/{_seg(comment_id)}/replies",
            params={"fields": REPLY_FIELDS},
            body=body,
        )
        return GReply.model_validate(data)

    async def _resumable(
        self, method: str, path: str, meta: Mapping[str, Any], data: bytes, mime_type: str
    ) -> GFile:
        total = len(data)
        opened = await self.http.request(
            method,
            path,
            params={"uploadType": "resumable", "fields": FILE_FIELDS, **ALL_DRIVES},
            json=dict(meta),
            headers={
                **JSON,
                "x-upload-content-type": mime_type,
                "x-upload-content-length": str(total),
            },
        )
        session = opened.headers.get("location")
        if not session:
            raise ServiceUnavailable(
                "Google Drive opened no upload session (no Location)", service="Google"
            )
        # The session URI is the service's answer, not ours: the token may go only to the API.
        # The fields of the file the last piece is answered with, beside the session's own.
        target = httpx.URL(check_link(self.http, session)).copy_merge_params(
            {"fields": FILE_FIELDS}
        )
        offset = 0
        stalls = 0
        while True:
            piece = data[offset : offset + self.chunk]
            last = offset + len(piece) - 1
            try:
                r = await self.http.put(
                    target,
                    content=piece,
                    headers={**JSON, "content-range": f"bytes {offset}-{last}/{total}"},
                )
            except (ServiceUnavailable, TransportError):
                # The hub's retries are spent: ask the session how far it got (the guide's
                # "bytes */total" status query) and go on from there, or give up when that
                # fails too.
                r = await self.http.put(
                    target, content=b"", headers={**JSON, "content-range": f"bytes */{total}"}
                )
            if r.status_code != 308:
                return GFile.model_validate(r.json())
            held = _held(r.headers.get("range"))
            stalls = stalls + 1 if held <= offset else 0
            if stalls >= STALLS:
                raise ServiceUnavailable(
                    f"Google Drive stopped taking the upload at byte {held}", service="Google"
                )
            offset = held


def _in_drive(drive: str) -> dict[str, str]:
    """The parameters that keep a listing to one shared drive."""
    return {"driveId": drive, "includeItemsFromAllDrives": "true", **ALL_DRIVES}


def _held(header: str | None) -> int:
    """How many bytes a session holds, from ``Range: bytes=0-n`` (none: nothing yet)."""
    if not header or "-" not in header:
        return 0
    try:
        return int(header.rsplit("-", 1)[1]) + 1
    except ValueError:
        return 0
