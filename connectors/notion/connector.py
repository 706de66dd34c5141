"""Notion connector: pages as the sdk's neutral block tree (the ``Pages`` capability).

Glue only: the wire calls live in :mod:`.client`, the block mapping in :mod:`.mapping`;
retries, caching, rate limits and error mapping in the client the hub injects. How Notion
fits the shared models:

- A page's id is its dashed UUID; :meth:`NotionConnector.page_id_from_url` reads one from
  ``notion.so``/``www.notion.so``/``<workspace>.notion.site`` links (the 32 hex digits after
  the slug, or a ``?p=`` peek).
- ``version`` is the page's ``last_edited_time``. Notion rounds it to the minute, so two
  edits within one minute share a version: an update compares it (``if_match``) with the
  page's current one and refuses with :class:`SyncConflict` when they differ.
- Reading: a page's children are listed 100 at a time and every block with children is read
  in turn (nested list items, toggles, quotes, tables); ``child_page`` blocks, wherever they
  sit, become ``PageDoc.children``.
- Writing: one append carries at most 100 blocks and two levels of nesting, so the tree is
  sent in batches of 100, a block's children inline only when they have none of their own
  (and are at most 100), and otherwise appended to the created block in a follow-up call.
  An update replaces the page's content in place: the new blocks are appended, then the
  old ones deleted (child pages and databases are kept: deleting their block would move
  them to the trash, so they end up above the new content).
- Images written from ``attachments`` go through Notion's single-part file upload (at most
  20 MB each) and are placed as ``file_upload`` image blocks.
- Notion has no spaces: a new page's parent is another page (:meth:`page_spaces` is empty).
- ``modified_by`` is resolved (``GET /v1/users/{id}``, once per person) for ``page_info``
  and ``get_page``; search results leave it empty rather than spend a request per page.
"""

from __future__ import annotations

import contextlib
import mimetypes
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ServiceError,
    TielineError,
)
from connectors.sdk.errors import (
    NotFound,
    PermissionDenied,
    ReauthRequired,
    SyncConflict,
    classify_status,
)
from connectors.sdk.pages import (
    Block,
    Image,
    ListBlock,
    PageDoc,
    PageInfo,
    PageParent,
    PageSpace,
    Quote,
)
from connectors.sdk.redact import redact

from .client import MAX_APPEND, SERVICE, NotionClient
from .mapping import CHILD_PAGES, blocks_to_notion, notion_to_blocks, plain
from .models import NPage

CONNECTOR = "notion"
_HEX32 = re.compile(r"([0-9a-f]{32})$")
_DASHED = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
PAGE_HOSTS = ("notion.so", "www.notion.so")
#: Where Notion keeps the files pages show (signed, expiring URLs).
FILE_HOSTS = (
    "prod-files-secure.s3.us-west-2.amazonaws.com",
    "s3.us-west-2.amazonaws.com",
    "file.notion.so",
)
#: Block types whose children are not content of this page.
_NO_DESCENT = (*CHILD_PAGES, "child_database")
#: Notion error codes (developers.notion.com/reference/status-codes) and what they mean here.
CODES: dict[str, type[TielineError]] = {
    "unauthorized": ReauthRequired,
    "restricted_resource": PermissionDenied,
    "object_not_found": NotFound,
    "validation_error": InvalidRequest,
    "invalid_json": InvalidRequest,
    "invalid_request_url": InvalidRequest,
    "invalid_request": InvalidRequest,
    "missing_version": InvalidRequest,
    "conflict_error": SyncConflict,
}

Json = dict[str, Any]


def uuid(raw: str) -> str:
    """32 hex digits (dashed or not, any case) as a dashed lower-case UUID."""
    h = raw.replace("-", "").lower()
    if not re.fullmatch(r"[0-9a-f]{32}", h):
        raise InvalidRequest(f"{raw!r} is not a Notion page id", service=SERVICE)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def page_id_from_url(url: str) -> str | None:
    """The page a Notion link names, or ``None`` (not a Notion page link)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not (
        host in PAGE_HOSTS or (host.endswith(".notion.site") and host != ".notion.site")
    ):
        return None
    peek = parse_qs(parts.query).get("p", [""])[0].lower()
    if _HEX32.fullmatch(peek) or _DASHED.fullmatch(peek):
        return uuid(peek)
    last = PurePosixPath(parts.path).name.lower()
    found = _DASHED.search(last) or _HEX32.search(last)
    return uuid(found.group(1)) if found else None


def _images(blocks: Sequence[Block]) -> Iterator[Image]:
    for b in blocks:
        if isinstance(b, Image):
            yield b
        elif isinstance(b, Quote):
            yield from _images(b.blocks)
        elif isinstance(b, ListBlock):
            for item in b.items:
                yield from _images(item.blocks)


def _kids(block: Json) -> list[Json]:
    return list((block.get(block.get("type", "")) or {}).get("children") or ())


def _without_kids(block: Json) -> Json:
    kind = block["type"]
    body = {k: v for k, v in block[kind].items() if k != "children"}
    return {**block, kind: body}


def split(block: Json) -> tuple[Json, list[Json]]:
    """``block`` as one append may carry it, and the children to append to it afterwards.

    A table keeps (up to 100 of) its rows: Notion cannot create one without them."""
    children = _kids(block)
    if not children:
        return block, []
    kind = block["type"]
    if kind == "table":
        first, rest = children[:MAX_APPEND], children[MAX_APPEND:]
        return {**block, kind: {**block[kind], "children": first}}, rest
    if len(children) <= MAX_APPEND and not any(_kids(c) for c in children):
        return block, []
    return _without_kids(block), children


#: Leading bytes of the image formats Notion takes, for attachments named without a suffix.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"<svg", "image/svg+xml"),
    (b"<?xml", "image/svg+xml"),
)


def sniff(data: bytes) -> str:
    """An image's content type from its first bytes (``application/octet-stream``: none)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((t for magic, t in _MAGIC if data.startswith(magic)), "application/octet-stream")


def _time(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


class NotionConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = NotionClient(ctx.http)
        self._names: dict[str, str] = {}

    # -- hooks --------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """``GET /v1/users/me``: the integration's bot, which names its workspace."""
        try:
            me = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        workspace = me.workspace_name
        return CheckResult(
            ok=True,
            account=workspace or me.id,
            name=me.name,
            detail=f"signed in to Notion{f' workspace {workspace}' if workspace else ''}"
            f" as {me.name or me.id}",
            scopes=None,  # Notion grants per page, not by scope
        )

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """Notion's error body ``{"object": "error", "status", "code", "message"}``: the
        message, in the class its code calls for (a ``conflict_error`` is a
        :class:`SyncConflict`). A 429 is left to the stack, which reads its Retry-After."""
        status = response.status_code
        if status < 400 or status == 429:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("object") != "error":
            return None
        code = str(body.get("code") or "")
        req = response.request
        text = redact(
            f"{SERVICE}: {status} {code or response.reason_phrase} on {req.method} "
            f"{req.url.path}: {body.get('message') or ''}".rstrip(": ")
        )
        error = CODES.get(code)
        if error is None:
            rule = classify_status(status)
            if rule is None:
                return None
            error = rule.error
        if issubclass(error, ServiceError):
            return error(text, status=status, service=SERVICE)
        return error(text)

    # -- Pages: reading -------------------------------------------------------------------
    def page_id_from_url(self, url: str) -> str | None:
        return page_id_from_url(url)

    async def page_spaces(self) -> Sequence[PageSpace]:
        return ()

    async def _who(self, page: NPage) -> str:
        uid = page.last_edited_by.id if page.last_edited_by else ""
        if not uid:
            return ""
        if uid not in self._names:
            try:
                user = await self.client.user(uid)
            except (NotFound, PermissionDenied):  # a bot, or no user-information capability
                self._names[uid] = ""
            else:
                self._names[uid] = user.name or user.email
        return self._names[uid]

    def _info(self, page: NPage, *, who: str = "") -> PageInfo:
        parent = page.parent.page_id or page.parent.block_id
        return PageInfo(
            id=page.id,
            title=page.title,
            url=page.url,
            parent_id=parent,
            modified=_time(page.last_edited_time),
            version=page.last_edited_time,
            modified_by=who,
        )

    async def search_pages(self, query: str, *, limit: int = 20) -> Sequence[PageInfo]:
        out: list[PageInfo] = []
        cursor: str | None = None
        while len(out) < limit:
            found = await self.client.search(query, cursor, page_size=limit - len(out))
            for raw in found.results:
                if raw.get("object") != "page":
                    continue
                page = NPage.model_validate(raw)
                if not (page.archived or page.in_trash):
                    out.append(self._info(page))
            if not found.has_more or not found.next_cursor:
                break
            cursor = found.next_cursor
        return out[:limit]

    async def page_info(self, page_id: str) -> PageInfo:
        page = await self.client.page(uuid(page_id))
        return self._info(page, who=await self._who(page))

    async def _tree(self, block_id: str, pages: list[PageInfo], page_id: str) -> list[Json]:
        """The children of a block, each with its own children nested (``<type>.children``);
        child pages met on the way are added to ``pages``."""
        blocks = await self.client.all_children(block_id)
        for block in blocks:
            kind = str(block.get("type", ""))
            if kind in CHILD_PAGES:
                title = str((block.get(kind) or {}).get("title") or "")
                pages.append(
                    PageInfo(
                        id=str(block["id"]),
                        title=title,
                        url=f"{self.web}/{str(block['id']).replace('-', '')}",
                        parent_id=page_id,
                        modified=_time(block.get("last_edited_time")),
                    )
                )
            elif block.get("has_children") and kind not in _NO_DESCENT:
                kids = await self._tree(str(block["id"]), pages, page_id)
                block[kind] = {**(block.get(kind) or {}), "children": kids}
        return blocks

    async def get_page(self, page_id: str) -> PageDoc:
        page = await self.client.page(uuid(page_id))
        pages: list[PageInfo] = []
        tree = await self._tree(page.id, pages, page.id)
        return PageDoc(
            page=self._info(page, who=await self._who(page)),
            blocks=notion_to_blocks(tree),
            children=tuple(pages),
        )

    async def page_resource(self, url: str) -> bytes:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        api = urlsplit(self.ctx.api_url)
        ours = (parts.scheme, parts.netloc) == (api.scheme, api.netloc)
        notion = parts.scheme == "https" and (
            host in FILE_HOSTS or host.endswith(".notion-static.com")
        )
        if not (ours or notion):
            raise InvalidRequest(
                f"Notion: {host or url!r} is not where Notion keeps a page's files",
                service=SERVICE,
            )
        return await self.client.download(url)

    # -- Pages: writing -------------------------------------------------------------------
    async def _uploads(
        self, blocks: Sequence[Block], attachments: Mapping[str, bytes] | None
    ) -> dict[str, str]:
        """Upload the attachments the blocks' images name: attachment key -> upload id."""
        attachments = attachments or {}
        out: dict[str, str] = {}
        for image in _images(blocks):
            key = image.url
            if key in out:
                continue
            if key not in attachments:
                if urlsplit(key).scheme not in ("http", "https"):
                    raise InvalidRequest(
                        f"Notion: the image {key!r} is neither an attachment nor a web address",
                        service=SERVICE,
                    )
                continue
            name = PurePosixPath(key).name or "image"
            ctype = mimetypes.guess_type(name)[0] or sniff(attachments[key])
            try:
                done = await self.client.upload(name, ctype, attachments[key])
            except ValueError as exc:
                raise InvalidRequest(str(exc), service=SERVICE) from exc
            out[key] = done.id
        return out

    async def _append(self, parent_id: str, blocks: Sequence[Json]) -> None:
        for start in range(0, len(blocks), MAX_APPEND):
            batch = [split(b) for b in blocks[start : start + MAX_APPEND]]
            made = await self.client.append(parent_id, [b for b, _ in batch])
            if len(made) != len(batch):
                raise InvalidRequest(
                    f"Notion created {len(made)} of {len(batch)} blocks", service=SERVICE
                )
            for created, (_, later) in zip(made, batch, strict=True):
                if later:
                    await self._append(str(created["id"]), later)

    async def create_page(
        self,
        parent: PageParent,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
    ) -> PageInfo:
        if not parent.page_id:
            raise InvalidRequest(
                "Notion: a new page goes under a page; name the parent page", service=SERVICE
            )
        parent_id = page_id_from_url(parent.page_id) or uuid(parent.page_id)
        wire = blocks_to_notion(blocks, await self._uploads(blocks, attachments))
        first = [split(b) for b in wire[:MAX_APPEND]]
        inline = all(not later for _, later in first)
        page = await self.client.create_page(
            parent_id, title, [b for b, _ in first] if inline else []
        )
        await self._append(page.id, wire[MAX_APPEND:] if inline else wire)
        if wire:
            page = await self.client.page(page.id)
        return self._info(page)

    async def update_page(
        self,
        page_id: str,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
        if_match: str | None = None,
    ) -> PageInfo:
        pid = uuid(page_id)
        page = await self.client.page(pid)
        if if_match is not None and page.last_edited_time != if_match:
            raise SyncConflict(
                f"Notion: {page.title or pid} was changed at {page.last_edited_time} "
                f"(this copy is of {if_match}); neither was overwritten"
            )
        wire = blocks_to_notion(blocks, await self._uploads(blocks, attachments))
        old = [
            str(b["id"])
            for b in await self.client.all_children(pid)
            if b.get("type") not in _NO_DESCENT
        ]
        # The new content first, then the old goes: a failure midway leaves both, never
        # neither.
        await self._append(pid, wire)
        for block_id in old:
            with contextlib.suppress(NotFound):  # deleted meanwhile
                await self.client.delete_block(block_id)
        if title != page.title:
            await self.client.set_title(pid, title)
        return self._info(await self.client.page(pid))


__all__ = ["NotionConnector", "page_id_from_url", "plain", "split", "uuid"]
