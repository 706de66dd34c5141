"""Zotero connector: a Zotero library as the sdk's ``References``.

Glue only: the wire calls live in :mod:`.client`, retries/caching/rate limits in the client
the hub injects.

- The library is the ``library`` setting (``users/<id>`` or ``groups/<id>``), else the key's
  own user from ``GET /keys/current``; on Zotero 7's local API (``api_url`` on localhost
  port 23119) it is ``users/0``, the app's signed-in library, and no key is needed.
- An item's citekey is its ``citationKey`` field (Zotero 7, Better BibTeX), else a
  ``Citation Key: x`` line of ``extra`` (how Better BibTeX pins one in older data), else none:
  the hub makes one up.
- ``library_items(since=V)`` asks only what changed since library version ``V``
  (``since`` plus ``If-Modified-Since-Version``: a 304 is ``unchanged``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from connectors.sdk import CheckResult, Connector, ConnectorContext, InvalidRequest, TielineError
from connectors.sdk.references import LibraryItem, LibrarySync, NewLibraryItem

from .client import ZoteroClient
from .models import ZCreator, ZItem, ZItemData

LOCAL_PORT = 23119
_LIBRARY = re.compile(r"^(users|groups)/\d+$")
_EXTRA_KEY = re.compile(r"^\s*citation key\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_YEAR = re.compile(r"\b(\d{4})\b")
#: Creator types that name who wrote the work, in the order a citation lists them.
_AUTHORS = ("author", "editor", "bookAuthor", "inventor", "programmer", "presenter")
#: Where each item type keeps what a citation calls its venue.
_VENUE = (
    "publication_title",
    "proceedings_title",
    "book_title",
    "website_title",
    "repository",
    "publisher",
    "university",
)
#: Zotero's field for the venue, by item type, when an item is added.
_VENUE_FIELD = {
    "journalArticle": "publicationTitle",
    "conferencePaper": "proceedingsTitle",
    "bookSection": "bookTitle",
    "book": "publisher",
    "preprint": "repository",
    "thesis": "university",
    "webpage": "websiteTitle",
}


def is_local(api_url: str) -> bool:
    """The desktop app's local API rather than the web API."""
    u = urlsplit(api_url)
    return u.hostname in ("localhost", "127.0.0.1", "::1") and u.port == LOCAL_PORT


def citekey_of(data: ZItemData) -> str | None:
    if data.citation_key.strip():
        return data.citation_key.strip()
    m = _EXTRA_KEY.search(data.extra)
    return m.group(1) if m else None


def _creator(c: ZCreator) -> str:
    if c.name:
        return c.name.strip()
    if c.first_name:
        return f"{c.last_name.strip()}, {c.first_name.strip()}"
    return c.last_name.strip()


def library_item(item: ZItem) -> LibraryItem:
    d = item.data
    rank = {t: i for i, t in enumerate(_AUTHORS)}
    people = [c for c in d.creators if c.creator_type in rank]
    if people:
        first_type = min(rank[c.creator_type] for c in people)
        authors = tuple(_creator(c) for c in people if rank[c.creator_type] == first_type)
    else:  # a film's director, an artwork's artist, contributors only: whoever is named
        authors = tuple(_creator(c) for c in d.creators)
    m = _YEAR.search(item.meta.parsed_date or d.date)
    return LibraryItem(
        key=item.key,
        citekey=citekey_of(d),
        item_type=d.item_type,
        title=d.title,
        authors=tuple(a for a in authors if a),
        date=d.date,
        year=int(m.group(1)) if m else None,
        venue=next((v for f in _VENUE if (v := getattr(d, f))), ""),
        doi=d.doi or None,
        url=d.url or None,
        version=item.version if item.version is not None else d.version,
    )


def wire_item(item: NewLibraryItem) -> dict[str, object]:
    """The JSON of a new item (``POST .../items``)."""
    creators: list[dict[str, str]] = []
    for name in item.authors:
        family, sep, given = name.partition(",")
        if sep:
            creators.append(
                {"creatorType": "author", "firstName": given.strip(), "lastName": family.strip()}
            )
        else:
            creators.append({"creatorType": "author", "name": name.strip()})
    out: dict[str, object] = {
        "itemType": item.item_type,
        "title": item.title,
        "creators": creators,
        "date": item.date,
        "url": item.url or "",
    }
    if item.doi and item.item_type in ("journalArticle", "conferencePaper", "preprint"):
        out["DOI"] = item.doi
    elif item.doi:
        out["extra"] = f"DOI: {item.doi}"
    if item.venue and item.item_type in _VENUE_FIELD:
        out[_VENUE_FIELD[item.item_type]] = item.venue
    if item.citekey:
        line = f"Citation Key: {item.citekey}"
        out["extra"] = f"{out['extra']}\n{line}" if out.get("extra") else line
    return out


class ZoteroConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = ZoteroClient(ctx.http)
        self._library: str | None = None
        self._version: int | None = None
        self.local = is_local(ctx.api_url or "")
        setting = str(ctx.settings.get("library") or "").strip().strip("/")
        if setting:
            if not _LIBRARY.match(setting):
                raise InvalidRequest(
                    f"Zotero: library must be users/<id> or groups/<id>, not {setting!r}"
                )
            self._library = setting
        elif self.local:
            self._library = "users/0"

    async def library(self) -> str:
        """``users/<id>`` or ``groups/<id>`` this connector reads and writes."""
        if self._library is None:
            key = await self.client.current_key()
            if key.user_id is None:
                raise InvalidRequest("Zotero: /keys/current named no user")
            self._library = f"users/{key.user_id}"
        return self._library

    # -- hooks ----------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        if self.local:
            base = urlsplit(self.ctx.api_url or "")
            ping = f"{base.scheme}://{base.netloc}/connector/ping"
            if not await self.client.ping(ping):
                return CheckResult(
                    ok=False,
                    detail="Zotero: the desktop app does not answer on port 23119 (is it running?)",
                )
            return CheckResult(ok=True, account="local", detail="Zotero desktop app (local API)")
        try:
            key = await self.client.current_key()
        except TielineError as exc:
            return CheckResult.failed(exc)
        if key.user_id is None:
            return CheckResult(ok=False, detail="Zotero: /keys/current named no user")
        return CheckResult(
            ok=True,
            account=key.username or str(key.user_id),
            name=key.display_name or key.username,
            detail=f"signed in to Zotero as {key.username or key.user_id}",
        )

    # -- References -----------------------------------------------------------------------
    async def library_items(self, *, since: int | None = None) -> LibrarySync:
        library = await self.library()
        items, version, unchanged = await self.client.items(library, since=since)
        if version is not None:
            self._version = version
        if unchanged:
            return LibrarySync(version=since, unchanged=True)
        gone = await self.client.deleted(library, since) if since is not None else []
        return LibrarySync(
            items=tuple(library_item(i) for i in items), deleted=tuple(gone), version=version
        )

    async def library_export(
        self, keys: Sequence[str] = (), *, fmt: Literal["bibtex", "biblatex"] = "biblatex"
    ) -> str:
        return await self.client.export(await self.library(), list(keys), fmt)

    async def add_library_item(self, item: NewLibraryItem) -> LibraryItem:
        library = await self.library()
        result = await self.client.create_items(
            library, [wire_item(item)], if_unmodified=self._version
        )
        if "0" in result.failed:
            why = result.failed["0"]
            raise InvalidRequest(
                f"Zotero refused the item: {why.get('message', why)}", status=why.get("code")
            )
        made = result.successful.get("0")
        if made is None:
            raise InvalidRequest("Zotero: the write answered no item")
        if made.version is not None:
            self._version = made.version
        return library_item(made)
