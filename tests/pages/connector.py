"""The pages tests' Pages connector, written only against ``connectors.sdk``: pages of
blocks held in a :class:`Site` the test fills and reads (``WORLD``), or, in a server
process, in the JSON file ``$PAGESFAKE_FILE`` (read at every call, written after a change),
so the server and the test share one "service". Versions are counters, as Confluence's."""

from __future__ import annotations

import base64
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import TypeAdapter

from connectors.sdk import CheckResult, Connector, InvalidRequest, NotFound
from connectors.sdk.errors import SyncConflict
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

HOST = "https://pagesfake.example.test"
FILES = f"{HOST}/files/"
_blocks = TypeAdapter(tuple[Block, ...])


@dataclass
class Site:
    pages: dict[str, PageInfo] = field(default_factory=dict)
    blocks: dict[str, tuple[Block, ...]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    spaces: list[PageSpace] = field(default_factory=list)
    #: Attachments handed with each create/update, by page id (the last ones).
    uploads: dict[str, dict[str, bytes]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def file(self, data: bytes) -> str:
        url = f"{FILES}f{next(self._ids)}"
        self.files[url] = data
        return url

    def page(
        self,
        title: str,
        blocks: Sequence[Block] = (),
        *,
        parent: str | None = None,
        space: str = "ENG",
    ) -> PageInfo:
        pid = f"pg{next(self._ids)}"
        info = PageInfo(
            id=pid,
            title=title,
            url=f"{HOST}/wiki/{pid}",
            space=space,
            parent_id=parent,
            version="1",
            modified=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            modified_by="Ada Lovelace",
        )
        self.pages[pid] = info
        self.blocks[pid] = tuple(blocks)
        return info

    def bump(self, pid: str, blocks: Sequence[Block] | None = None) -> PageInfo:
        """Someone edited the page on the service."""
        info = self.pages[pid]
        info = info.model_copy(update={"version": str(int(info.version or "0") + 1)})
        self.pages[pid] = info
        if blocks is not None:
            self.blocks[pid] = tuple(blocks)
        return info

    def save(self, path: Path) -> None:
        body = {
            "pages": {k: v.model_dump(mode="json") for k, v in self.pages.items()},
            "blocks": {k: [b.model_dump(mode="json") for b in v] for k, v in self.blocks.items()},
            "files": {u: base64.b64encode(d).decode() for u, d in self.files.items()},
            "spaces": [s.model_dump(mode="json") for s in self.spaces],
            "uploads": {
                k: {n: base64.b64encode(d).decode() for n, d in v.items()}
                for k, v in self.uploads.items()
            },
            "next": next(self._ids),
        }
        path.write_text(json.dumps(body))

    @classmethod
    def load(cls, path: Path) -> Site:
        raw = json.loads(path.read_text())
        return cls(
            pages={k: PageInfo.model_validate(v) for k, v in raw["pages"].items()},
            blocks={k: _blocks.validate_python(v) for k, v in raw["blocks"].items()},
            files={u: base64.b64decode(d) for u, d in raw["files"].items()},
            spaces=[PageSpace.model_validate(s) for s in raw["spaces"]],
            uploads={
                k: {n: base64.b64decode(d) for n, d in v.items()} for k, v in raw["uploads"].items()
            },
            _ids=itertools.count(int(raw["next"])),
        )


WORLD = Site()


def _world() -> Site:
    where = os.environ.get("PAGESFAKE_FILE")
    return Site.load(Path(where)) if where else WORLD


def _saved(w: Site) -> None:
    where = os.environ.get("PAGESFAKE_FILE")
    if where:
        w.save(Path(where))


def _written(blocks: Sequence[Block], attachments: Mapping[str, bytes], w: Site) -> list[Block]:
    """Blocks as stored: an image naming an attachment points at the uploaded file."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Image) and b.url in attachments:
            out.append(b.model_copy(update={"url": w.file(attachments[b.url])}))
        elif isinstance(b, Quote):
            out.append(Quote(blocks=tuple(_written(b.blocks, attachments, w))))
        elif isinstance(b, ListBlock):
            items = tuple(
                i.model_copy(update={"blocks": tuple(_written(i.blocks, attachments, w))})
                for i in b.items
            )
            out.append(b.model_copy(update={"items": items}))
        else:
            out.append(b)
    return out


class PagesFake(Connector):
    manifest_path = Path(__file__).with_name("pagesfake.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    def page_id_from_url(self, url: str) -> str | None:
        prefix = f"{HOST}/wiki/"
        if url.startswith(prefix):
            rest = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0].strip("/")
            return rest or None
        return None

    async def search_pages(self, query: str, *, limit: int = 20) -> Sequence[PageInfo]:
        q = query.lower()
        return [p for p in _world().pages.values() if q in p.title.lower()][:limit]

    async def page_info(self, page_id: str) -> PageInfo:
        try:
            return _world().pages[page_id]
        except KeyError:
            raise NotFound(f"no page {page_id}") from None

    async def page_spaces(self) -> Sequence[PageSpace]:
        return list(_world().spaces)

    async def get_page(self, page_id: str) -> PageDoc:
        w = _world()
        if page_id not in w.pages:
            raise NotFound(f"no page {page_id}")
        children = tuple(p for p in w.pages.values() if p.parent_id == page_id)
        return PageDoc(page=w.pages[page_id], blocks=w.blocks[page_id], children=children)

    async def page_resource(self, url: str) -> bytes:
        if not url.startswith(FILES):
            raise InvalidRequest("not a file of this site")
        try:
            return _world().files[url]
        except KeyError:
            raise NotFound("no such file") from None

    async def create_page(
        self,
        parent: PageParent,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
    ) -> PageInfo:
        w = _world()
        if not parent.space and parent.page_id is None:
            raise InvalidRequest("a page needs a space or a parent")
        info = w.page(
            title,
            _written(blocks, attachments or {}, w),
            parent=parent.page_id,
            space=parent.space or "ENG",
        )
        w.uploads[info.id] = dict(attachments or {})
        _saved(w)
        return info

    async def update_page(
        self,
        page_id: str,
        title: str,
        blocks: Sequence[Block],
        *,
        attachments: Mapping[str, bytes] | None = None,
        if_match: str | None = None,
    ) -> PageInfo:
        w = _world()
        if page_id not in w.pages:
            raise NotFound(f"no page {page_id}")
        if if_match is not None and w.pages[page_id].version != if_match:
            raise SyncConflict(f"page {page_id} is at version {w.pages[page_id].version}")
        w.pages[page_id] = w.pages[page_id].model_copy(update={"title": title})
        info = w.bump(page_id, _written(blocks, attachments or {}, w))
        w.uploads[page_id] = dict(attachments or {})
        _saved(w)
        return info
