"""Confluence connector: pages of Confluence Cloud (REST v2) and Data Center (REST v1) as
the sdk's neutral :mod:`~connectors.sdk.pages` blocks.

Glue only: the wire calls live in :mod:`.client`, the storage format in :mod:`.mapping`,
retries/caching/rate limits in the client the hub injects. One instance serves one site and
one account:

- ``deployment = cloud`` (default) reads and writes pages and spaces with REST v2, searches
  with CQL through REST v1 (v2 has no search), and uploads attachments through REST v1 (v2
  has no upload). ``datacenter`` speaks REST v1 throughout, at the site's context path.
- An OAuth (3LO, ``ctx.method == "pkce"``) token is not accepted by the site: its API is at
  ``{gateway_url}/ex/confluence/{cloudid}/wiki``; the cloud id is looked up once per
  instance in the token's accessible resources, matching the configured site.
- Pages are named by their numeric id; ``version`` is Confluence's version number. An
  update reads the current number, refuses when ``if_match`` names another, and writes
  number + 1; a 409 (someone saved meanwhile) is a :class:`SyncConflict`.
- v2 names a page's space by id and its last editor by account id; PageInfo carries the
  space *key* (what PageParent and the web UI use) and the editor's display name, each
  looked up once per id.
- Images: an attachment image is read as the attachment's download link on the site;
  :meth:`page_resource` fetches only URLs of this site (through the gateway for OAuth).
  Written images naming a key of ``attachments`` are uploaded as attachments of the page
  (create or update by file name) once the page is written, and referenced by file name.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from connectors.sdk import (
    CheckResult,
    ConfigError,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ServiceError,
    TielineError,
)
from connectors.sdk.atlassian import (
    GATEWAY,
    site_gateway,
    site_origin,
)
from connectors.sdk.errors import SyncConflict, classify_status
from connectors.sdk.pages import Block, PageDoc, PageInfo, PageParent, PageSpace
from connectors.sdk.paging import collect, offset_of
from connectors.sdk.redact import redact

from . import mapping
from .client import ConfluenceClient, cql_string
from .models import V1Content, V1SearchResult, V1Space, V2Attachment, V2Child, V2Page, V2Space

SERVICE = "Confluence"
_SPACE_PAGE = re.compile(r"/spaces/[^/]+/pages/(?:edit-v2/)?(?P<id>\d+)(?:/.*)?$")
_ACTION_PAGE = re.compile(r"/pages/(?:viewpage|editpage|viewinfo)\.action$")
V1_PAGE_EXPAND = "body.storage,version,space,ancestors"
V1_INFO_EXPAND = "version,space,ancestors"


class ConfluenceConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self._client: ConfluenceClient | None = None
        self._client_lock = asyncio.Lock()
        self._scopes: tuple[str, ...] | None = None
        self._space_keys: dict[str, str] = {}  # v2 space id -> key
        self._space_ids: dict[str, str] = {}  # key -> v2 space id
        self._people: dict[str, str] = {}  # Cloud account id -> display name

    # -- settings -------------------------------------------------------------------------
    @property
    def cloud(self) -> bool:
        return str(self.ctx.settings.get("deployment") or "cloud") != "datacenter"

    @property
    def site(self) -> str:
        """The site's address as configured (Data Center: with its context path)."""
        site = self.ctx.settings.get("site") or self.ctx.web_url or self.ctx.api_url
        if not site:
            raise ConfigError("set connectors.confluence.site to your Confluence's address")
        return str(site).rstrip("/")

    @property
    def wiki_web(self) -> str:
        """Where the site's pages are on the web: ``https://acme.atlassian.net/wiki`` on
        Cloud (whether or not the setting names ``/wiki``), the site itself on Data Center."""
        return f"{site_origin(self.site)}/wiki" if self.cloud else self.site

    @property
    def host(self) -> str:
        return self.ctx.host or (urlsplit(self.site).hostname or "")

    @property
    def oauth(self) -> bool:
        return self.ctx.method == "pkce"

    async def client(self) -> ConfluenceClient:
        """The API client for this account: at the site, or at the gateway for OAuth tokens."""
        if self._client is not None:
            return self._client
        async with self._client_lock:
            if self._client is None:
                self._client = await self._build_client()
        return self._client

    async def _build_client(self) -> ConfluenceClient:
        if not self.oauth:
            return ConfluenceClient(self.ctx.http, wiki=self.wiki_web, cloud=self.cloud)
        if not self.cloud:
            raise ConfigError(
                "Atlassian sign-in serves Confluence Cloud only; sign in to Confluence Data "
                "Center with a personal access token"
            )
        gateway = str(self.ctx.settings.get("gateway_url") or GATEWAY)
        base, self._scopes = await site_gateway(
            self.ctx.http, gateway, self.site, "confluence", service="Confluence"
        )
        return ConfluenceClient(self.ctx.http, wiki=f"{base}/wiki", cloud=True)

    # -- hooks ----------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we? ``/rest/api/user/current``: on Cloud the email when the profile
        shows it (else the account id), on Data Center the user name."""
        try:
            client = await self.client()
            me, response = await client.current_user()
        except TielineError as exc:
            return CheckResult.failed(exc)
        account = (me.email or me.account_id) if self.cloud else (me.username or me.user_key)
        if not account:
            return CheckResult(ok=False, detail="Confluence: /user/current named no account")
        name = me.display_name or me.public_name
        return CheckResult(
            ok=True,
            account=account,
            name=name,
            detail=f"signed in to {self.host} as {name or account}",
            rate_limit_remaining=_int(response.headers.get("x-ratelimit-remaining")),
            rate_limit_limit=_int(response.headers.get("x-ratelimit-limit")),
            scopes=self._scopes,
        )

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """Confluence's error bodies: v2's ``{"errors": [{"status", "code", "title",
        "detail"}]}`` and v1's (and Data Center's) ``{"statusCode", "message"}``, which the
        stack's generic reading does not open; said in the class the status calls for. A 429
        is left to the stack, which reads its Retry-After."""
        status = response.status_code
        if status < 400 or status == 429:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        said = _error_message(body)
        rule = classify_status(status)
        if not said or rule is None:
            return None
        req = response.request
        text = redact(
            f"{SERVICE}: {status} {response.reason_phrase} on {req.method} {req.url.path}: {said}"
        )
        if issubclass(rule.error, ServiceError):
            return rule.error(text, status=status, service=SERVICE)
        return rule.error(text)

    # -- Pages: reading -----------------------------------------------------------------------
    def page_id_from_url(self, url: str) -> str | None:
        """``/wiki/spaces/KEY/pages/123/Slug`` and ``/pages/viewpage.action?pageId=123`` on
        this site. ``/display/KEY/Title`` names a page by title and tiny links (``/x/AbC``)
        encode the id: neither gives an id without a request, so both are ``None``."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        if (parts.hostname or "").lower() != self.host.lower():
            return None
        m = _SPACE_PAGE.search(parts.path)
        if m:
            return m.group("id")
        if _ACTION_PAGE.search(parts.path):
            ids = parse_qs(parts.query).get("pageId") or []
            if ids and ids[0].isdigit():
                return ids[0]
        return None

    async def search_pages(self, query: str, *, limit: int = 20) -> Sequence[PageInfo]:
        """Pages whose title matches ``query`` (CQL ``title ~``), Confluence's relevance
        order."""
        if not query.strip():
            return []
        client = await self.client()
        cql = f"type=page AND title~{cql_string(query.strip())}"
        limit = max(1, min(limit, 100))
        if self.cloud:
            rows = await client.v1_search(cql, limit, expand="content.space,content.version")
            out = []
            for row in rows:
                hit = V1SearchResult.model_validate(row)
                if hit.content is not None and hit.content.type == "page":
                    out.append(self._v1_info(hit.content, fallback_space=_space_of(hit)))
            return out[:limit]
        rows = await client.v1_search(cql, limit, expand=V1_INFO_EXPAND)
        return [self._v1_info(V1Content.model_validate(r)) for r in rows][:limit]

    async def page_info(self, page_id: str) -> PageInfo:
        page_id = _page_id(page_id)
        client = await self.client()
        if self.cloud:
            return await self._v2_info(await client.v2_page(page_id, body=False))
        return self._v1_info(await client.v1_content(page_id, V1_INFO_EXPAND))

    async def page_spaces(self) -> Sequence[PageSpace]:
        client = await self.client()
        if self.cloud:

            async def fetch_v2(cursor: str | None) -> tuple[list[V2Space], str | None]:
                return await client.v2_spaces(cursor)

            spaces = await collect(fetch_v2, max_pages=200)
            for s in spaces:
                self._remember_space(s.id, s.key)
            return [
                PageSpace(key=s.key, name=s.name or s.key, url=self._web(s.links.webui))
                for s in spaces
            ]

        async def fetch_v1(cursor: str | None) -> tuple[list[V1Space], str | None]:
            page, nxt = await client.v1_list(f"{client.v1}/space", offset_of(cursor))
            return [V1Space.model_validate(r) for r in page.results], nxt

        return [
            PageSpace(key=s.key, name=s.name or s.key, url=self._web(s.links.webui))
            for s in await collect(fetch_v1, max_pages=200)
        ]

    async def get_page(self, page_id: str) -> PageDoc:
        page_id = _page_id(page_id)
        client = await self.client()
        if self.cloud:
            page = await client.v2_page(page_id)
            storage = page.body.storage.value if page.body and page.body.storage else ""
            info = await self._v2_info(page)

            async def fetch_children(cursor: str | None) -> tuple[list[V2Child], str | None]:
                rows, nxt = await client.v2_children(page_id, cursor)
                return [V2Child.model_validate(r) for r in rows], nxt

            kids = await collect(fetch_children)
            children = [
                PageInfo(
                    id=c.id,
                    title=c.title,
                    url=self._page_url(c.id),
                    space=info.space,
                    parent_id=page_id,
                )
                for c in kids
                if (c.type or "page") == "page"
            ]
        else:
            content = await client.v1_content(page_id, V1_PAGE_EXPAND)
            storage = content.body.storage.value if content.body and content.body.storage else ""
            info = self._v1_info(content)

            async def fetch_v1_children(cursor: str | None) -> tuple[list[V1Content], str | None]:
                got, nxt = await client.v1_list(
                    f"{client.v1}/content/{quote(page_id, safe='')}/child/page",
                    offset_of(cursor),
                    {"expand": "version"},
                )
                return [V1Content.model_validate(r) for r in got.results], nxt

            children = [
                self._v1_info(c, fallback_space=info.space, parent=page_id)
                for c in await collect(fetch_v1_children)
            ]
        resolve = await self._attachment_urls(page_id) if "ri:attachment" in storage else None
        blocks = mapping.storage_to_blocks(storage, attachment_url=resolve)
        return PageDoc(page=info, blocks=tuple(blocks), children=tuple(children))

    async def page_resource(self, url: str) -> bytes:
        """An image a page names, read with this account's credentials: only a URL of this
        site (its origin; on Data Center under its context path too). With an OAuth token
        the same path is read through the gateway, which the token is good for."""
        target = url.strip()
        if target.startswith("/"):
            target = f"{site_origin(self.site)}{target}"
        if site_origin(target) != site_origin(self.site):
            raise InvalidRequest("Confluence: not an address of this site", service=SERVICE)
        path = urlsplit(target).path
        if not self.cloud and not (path + "/").startswith(urlsplit(self.site).path + "/"):
            raise InvalidRequest("Confluence: not an address of this site", service=SERVICE)
        client = await self.client()
        if self.oauth:
            rest = target[len(self.wiki_web) :] if target.startswith(self.wiki_web) else None
            if rest is None:
                raise InvalidRequest("Confluence: not an address of this wiki", service=SERVICE)
            target = f"{client.wiki}{rest}"
        return await client.download(target)

    # -- Pages: writing -----------------------------------------------------------------------
    async def create_page(
        self,
        parent: PageParent,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
    ) -> PageInfo:
        if not title.strip():
            raise InvalidRequest("Confluence: a page needs a title", service=SERVICE)
        client = await self.client()
        key = parent.space
        if not key and parent.page_id:
            key = (await self.page_info(parent.page_id)).space
        if not key:
            raise InvalidRequest("Confluence: name the space the page goes in", service=SERVICE)
        names = attachment_names(attachments or {})
        storage = mapping.blocks_to_storage(blocks, attachments=names)
        if self.cloud:
            space_id = await self._space_id(key)
            page = await client.v2_create_page(space_id, title, storage, parent_id=parent.page_id)
            await self._upload(page.id, attachments or {}, names)
            return await self._v2_info(page)
        content = await client.v1_create_page(key, title, storage, parent_id=parent.page_id)
        await self._upload(content.id, attachments or {}, names)
        return self._v1_info(content)

    async def update_page(
        self,
        page_id: str,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
        if_match: str | None = None,
    ) -> PageInfo:
        page_id = _page_id(page_id)
        client = await self.client()
        current = await self.page_info(page_id)
        if if_match is not None and current.version != if_match:
            raise SyncConflict(
                f"Confluence: page {page_id} is at version {current.version}, not {if_match}: "
                "it changed since it was read"
            )
        names = attachment_names(attachments or {})
        storage = mapping.blocks_to_storage(blocks, attachments=names)
        number = int(current.version or 0) + 1
        try:
            if self.cloud:
                page = await client.v2_update_page(page_id, title, storage, version=number)
            else:
                content = await client.v1_update_page(
                    page_id, current.space, title, storage, version=number
                )
        except ServiceError as exc:
            if exc.status == 409:
                raise SyncConflict(
                    f"Confluence: page {page_id} changed while it was being saved ({exc.message})"
                ) from exc
            raise
        # After the body, so a conflict leaves the page's attachments as they were too; the
        # body names the files, which Confluence resolves when the page is shown.
        await self._upload(page_id, attachments or {}, names)
        return await self._v2_info(page) if self.cloud else self._v1_info(content)

    # -- helpers ------------------------------------------------------------------------------
    async def _upload(
        self, page_id: str, attachments: Mapping[str, bytes], names: Mapping[str, str]
    ) -> None:
        client = await self.client()
        for key, data in attachments.items():
            name = names[key]
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            await client.put_attachment(page_id, name, data, kind)

    async def _attachment_urls(self, page_id: str) -> Callable[[str], str]:
        """File name -> download URL for a page's attachments (its ``downloadLink`` /
        ``_links.download`` on the site), falling back to the documented
        ``/download/attachments/{page}/{file}`` for a name the listing lacks."""
        client = await self.client()
        links: dict[str, str] = {}
        if self.cloud:

            async def fetch(cursor: str | None) -> tuple[list[V2Attachment], str | None]:
                rows, nxt = await client.v2_attachments(page_id, cursor)
                return [V2Attachment.model_validate(r) for r in rows], nxt

            for a in await collect(fetch):
                if a.download_link:
                    links[a.title] = self._web(a.download_link) or ""
        else:

            async def fetch_v1(cursor: str | None) -> tuple[list[V1Content], str | None]:
                got, nxt = await client.v1_list(
                    f"{client.v1}/content/{quote(page_id, safe='')}/child/attachment",
                    offset_of(cursor),
                )
                return [V1Content.model_validate(r) for r in got.results], nxt

            for c in await collect(fetch_v1):
                if c.links.download:
                    links[c.title] = self._web(c.links.download) or ""
        base = f"{self.wiki_web}/download/attachments/{quote(page_id, safe='')}/"
        return lambda name: links.get(name) or base + quote(name, safe="")

    def _web(self, link: str | None) -> str | None:
        """A link the API gives relative to the wiki (``/spaces/KEY``) as a web URL."""
        if not link:
            return None
        if link.startswith(("http://", "https://")):
            return link
        return f"{self.wiki_web}/{link.lstrip('/')}"

    def _page_url(self, page_id: str) -> str:
        return f"{self.wiki_web}/pages/viewpage.action?pageId={quote(page_id, safe='')}"

    def _remember_space(self, space_id: str, key: str) -> None:
        self._space_keys[space_id] = key
        self._space_ids[key] = space_id

    async def _space_key(self, space_id: str | None) -> str:
        if not space_id:
            return ""
        if space_id not in self._space_keys:
            space = await (await self.client()).v2_space(space_id)
            self._remember_space(space.id, space.key)
        return self._space_keys[space_id]

    async def _space_id(self, key: str) -> str:
        if key not in self._space_ids:
            found, _ = await (await self.client()).v2_spaces(keys=key)
            match = next((s for s in found if s.key == key), None)
            if match is None:
                raise InvalidRequest(f"Confluence: no space {key!r} on this site", service=SERVICE)
            self._remember_space(match.id, match.key)
        return self._space_ids[key]

    async def _v2_info(self, page: V2Page) -> PageInfo:
        v = page.version
        return PageInfo(
            id=page.id,
            title=page.title,
            url=self._web(page.links.webui) or self._page_url(page.id),
            space=await self._space_key(page.space_id),
            parent_id=page.parent_id,
            modified=v.created_at if v else None,
            version=str(v.number) if v else None,
            modified_by=await self._person(v.author_id) if v else "",
        )

    async def _person(self, account_id: str | None) -> str:
        """A v2 author id as the person's display name, looked up once per id; the id itself
        when the profile cannot be read (a deleted user, a token without user scopes)."""
        if not account_id:
            return ""
        if account_id not in self._people:
            try:
                user = await (await self.client()).user(account_id)
                self._people[account_id] = user.display_name or user.public_name or account_id
            except ServiceError:
                self._people[account_id] = account_id
        return self._people[account_id]

    def _v1_info(
        self, c: V1Content, *, fallback_space: str = "", parent: str | None = None
    ) -> PageInfo:
        v = c.version
        by = v.by if v else None
        return PageInfo(
            id=c.id,
            title=c.title,
            url=self._web(c.links.webui) or self._page_url(c.id),
            space=c.space.key if c.space else fallback_space,
            parent_id=c.ancestors[-1].id if c.ancestors else parent,
            modified=v.when if v else None,
            version=str(v.number) if v else None,
            modified_by=(by.display_name or by.username or by.account_id or "") if by else "",
        )


def attachment_names(attachments: Mapping[str, Any]) -> dict[str, str]:
    """The file name each attachment key is uploaded under: its last path segment, made
    unique within the page (``2-diagram.png`` for a second ``diagram.png``)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for key in attachments:
        base = PurePosixPath(key.replace("\\", "/")).name or "attachment"
        name, n = base, 1
        while name.casefold() in used:
            n += 1
            name = f"{n}-{base}"
        used.add(name.casefold())
        out[key] = name
    return out


def _page_id(page_id: str) -> str:
    if not page_id.isdigit():
        raise InvalidRequest(f"Confluence: {page_id!r} is not a page id", service=SERVICE)
    return page_id


def _space_of(hit: V1SearchResult) -> str:
    """A search hit's space key from its container's ``/spaces/KEY`` (or ``/display/KEY``)."""
    url = hit.container.display_url if hit.container else None
    m = re.search(r"/(?:spaces|display)/([^/?#]+)", url or "")
    return m.group(1) if m else ""


def _error_message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    errors = body.get("errors")
    if isinstance(errors, list):
        for e in errors:
            if isinstance(e, dict):
                bits = [str(e[k]) for k in ("title", "detail") if e.get(k)]
                parts.append(" - ".join(bits) or str(e.get("code") or ""))
    if body.get("message"):
        parts.append(str(body["message"]))
    return "; ".join(p for p in parts if p)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
