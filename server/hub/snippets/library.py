"""The snippet library: snippets in the hub's database, searched through its FTS5 index.

Every write goes through :class:`SnippetLibrary`, which checks a snippet for secrets first
(:mod:`.secrets`): a snippet that looks like it holds one is refused with
:class:`SecretFound` unless the caller says the user allowed it. The index follows the table
by triggers (migration ``0002``), inside the same transaction as the write.

SQLite-only: the library is a local feature of one person's embedded database. On a
PostgreSQL store the ``snippets`` table exists but its FTS5 index does not (see
:mod:`server.hub.store.dialect`), so search is unavailable there.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.sdk.errors import NoSuchRecord, StoreError
from connectors.sdk.models import Snippet, SnippetSource

from ..store.database import Database, Row
from .query import RANK, WINDOW, match_expression, words
from .secrets import SecretScanner

_COLUMNS = (
    "id, title, description, language, prefix, tags, body, source, meta, created_at, updated_at"
)
#: Fields :meth:`SnippetLibrary.update` may change.
EDITABLE = frozenset({"title", "description", "language", "prefix", "tags", "body", "meta"})


class Hit:
    """A search result: what a result list shows, read straight from the row, its bm25
    score (lower is better; 0 when unranked), and the whole :class:`Snippet` on demand
    (:attr:`snippet`): a keystroke's search builds no models for the rows it only lists."""

    __slots__ = ("_row", "_snippet", "score")

    def __init__(self, row: Row, score: float) -> None:
        self._row = row
        self.score = score
        self._snippet: Snippet | None = None

    @property
    def id(self) -> str:
        return str(self._row["id"])

    @property
    def title(self) -> str:
        return str(self._row["title"])

    @property
    def prefix(self) -> str:
        return str(self._row["prefix"])

    @property
    def language(self) -> str:
        return str(self._row["language"])

    @property
    def description(self) -> str:
        return str(self._row["description"])

    @property
    def body(self) -> str:
        return str(self._row["body"])

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(json.loads(self._row["tags"]))

    @property
    def snippet(self) -> Snippet:
        if self._snippet is None:
            self._snippet = from_row(self._row)
        return self._snippet

    def __repr__(self) -> str:
        return f"Hit({self.id!r}, {self.title!r}, score={self.score:.3g})"


def _ts(dt: datetime) -> float:
    return dt.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def from_row(row: Row | Mapping[str, Any]) -> Snippet:
    """A snippet from its row, unvalidated (``model_construct``): every row was validated on
    its way in, and a search builds up to hundreds of these per keystroke."""
    source = json.loads(row["source"]) if row["source"] else None
    return Snippet.model_construct(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        language=row["language"],
        prefix=row["prefix"],
        tags=tuple(json.loads(row["tags"])),
        body=row["body"],
        source=SnippetSource.model_construct(**source) if source else None,
        meta=json.loads(row["meta"]),
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
    )


def _clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for t in tags:
        t = t.strip()
        if t and t not in out:
            out.append(t)
    return tuple(out)


def _language_filter(language: str | None) -> tuple[str, list[Any]]:
    """A snippet matches a document's language when it has none, or lists that language
    (``language`` may be VS Code's comma-separated scope, ``javascript,typescript``)."""
    if not language:
        return "", []
    return (
        " AND (s.language = '' OR instr(',' || replace(s.language, ' ', '') || ',', ?) > 0)",
        [f",{language},"],
    )


class SnippetLibrary:
    """Typed access to the snippet tables of one database.

    SQL text is built only from this module's constant fragments (column lists, filters);
    every value is a bound parameter, hence the ``S608`` exemptions.
    """

    def __init__(
        self,
        db: Database,
        *,
        scanner: SecretScanner | None = None,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[str, str], None] | None = None,
    ) -> None:
        self.db = db
        self.scanner = scanner or SecretScanner()
        self._clock = clock
        #: Called with ``(what, snippet id)`` after a committed change: "created", "updated",
        #: "deleted" (the LSP layer refreshes its panel).
        self.on_change = on_change

    def _changed(self, what: str, snippet_id: str) -> None:
        if self.on_change is not None:
            self.on_change(what, snippet_id)

    # -- writes -----------------------------------------------------------------------------

    async def add(
        self,
        *,
        title: str,
        body: str,
        description: str = "",
        language: str = "",
        prefix: str = "",
        tags: Iterable[str] = (),
        source: SnippetSource | None = None,
        meta: Mapping[str, Any] | None = None,
        allow_secrets: bool = False,
        snippet_id: str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> Snippet:
        """Save a new snippet and return it. Raises :class:`SecretFound` when it looks like it
        holds a secret and ``allow_secrets`` is false; nothing is written then."""
        title = title.strip()
        if not title:
            raise StoreError("a snippet needs a title")
        if not allow_secrets:
            self.scanner.check(title, description, body)
        now = self._clock()
        created = _ts(created_at) if created_at else now
        snippet = Snippet(
            id=snippet_id or uuid.uuid4().hex[:12],
            title=title,
            description=description,
            language=language.strip(),
            prefix=prefix.strip(),
            tags=_clean_tags(tags),
            body=body,
            source=source,
            meta=dict(meta or {}),
            created_at=_dt(created),
            updated_at=_dt(_ts(updated_at) if updated_at else created),
        )
        try:
            await self.db.execute(
                f"INSERT INTO snippets ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                self._row(snippet),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"a snippet with the id {snippet.id!r} exists already") from exc
        self._changed("created", snippet.id)
        return snippet

    @staticmethod
    def _row(s: Snippet) -> tuple[Any, ...]:
        return (
            s.id,
            s.title,
            s.description,
            s.language,
            s.prefix,
            json.dumps(list(s.tags), ensure_ascii=False),
            s.body,
            s.source.model_dump_json() if s.source else None,
            json.dumps(s.meta, ensure_ascii=False, separators=(",", ":")),
            _ts(s.created_at),
            _ts(s.updated_at),
        )

    async def update(
        self, snippet_id: str, *, allow_secrets: bool = False, **changes: Any
    ) -> Snippet:
        """Change some fields of a snippet (``title``, ``body``, ``tags`` ...) and return it.

        Raises :class:`NoSuchRecord` for an unknown id and :class:`SecretFound` as :meth:`add`.
        """
        unknown = set(changes) - EDITABLE
        if unknown:
            raise StoreError(f"a snippet has no editable field {', '.join(sorted(unknown))}")
        current = await self.get(snippet_id)
        if "tags" in changes:
            changes["tags"] = _clean_tags(changes["tags"])
        if "title" in changes:
            changes["title"] = str(changes["title"]).strip()
            if not changes["title"]:
                raise StoreError("a snippet needs a title")
        updated = current.model_copy(update=changes | {"updated_at": _dt(self._clock())})
        if not allow_secrets:
            self.scanner.check(updated.title, updated.description, updated.body)
        row = self._row(updated)
        await self.db.execute(
            "UPDATE snippets SET title = ?, description = ?, language = ?, prefix = ?, tags = ?,"
            " body = ?, meta = ?, updated_at = ? WHERE id = ?",
            (*row[1:7], row[8], row[10], snippet_id),
        )
        self._changed("updated", snippet_id)
        return updated

    async def delete(self, snippet_id: str) -> None:
        """Delete a snippet (and its links to snippet hosts); :class:`NoSuchRecord` if none."""
        if not await self.db.execute("DELETE FROM snippets WHERE id = ?", (snippet_id,)):
            raise NoSuchRecord(f"no snippet {snippet_id!r}")
        self._changed("deleted", snippet_id)

    # -- reads ------------------------------------------------------------------------------

    async def get(self, snippet_id: str) -> Snippet:
        sql = f"SELECT {_COLUMNS} FROM snippets WHERE id = ?"  # noqa: S608
        row = await self.db.fetchone(sql, (snippet_id,))
        if row is None:
            raise NoSuchRecord(f"no snippet {snippet_id!r}")
        return from_row(row)

    async def find_same(self, title: str, body: str, language: str) -> str | None:
        """The id of a snippet with exactly this title, body and language, if one exists
        (so importing a file twice does not save its snippets twice)."""
        row = await self.db.fetchone(
            "SELECT id FROM snippets WHERE title = ? AND body = ? AND language = ?",
            (title.strip(), body, language.strip()),
        )
        return str(row[0]) if row else None

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM snippets")
        return int(row[0]) if row else 0

    async def all(self, *, language: str | None = None) -> list[Snippet]:
        """Every snippet (for ``language``: the ones usable there), newest first."""
        where, params = _language_filter(language)
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM snippets s WHERE 1{where} ORDER BY s.updated_at DESC",  # noqa: S608
            params,
        )
        return [from_row(r) for r in rows]

    async def search(
        self, text: str, *, language: str | None = None, tag: str | None = None, limit: int = 20
    ) -> list[Hit]:
        """The snippets best matching ``text`` (every word, as a prefix), best first.

        An empty ``text`` lists the newest. ``language`` keeps those usable in that language;
        ``tag`` those carrying that tag. At most :data:`~.query.WINDOW` matches are ranked
        (the newest, when more match: see :mod:`.query`).
        """
        where, params = _language_filter(language)
        if tag:
            where += " AND EXISTS (SELECT 1 FROM json_each(s.tags) WHERE value = ?)"
            params.append(tag)
        cols = ", ".join(f"s.{c.strip()}" for c in _COLUMNS.split(","))
        if not words(text):
            rows = await self.db.fetchall(
                f"SELECT {cols}, 0.0 AS score FROM snippets s WHERE 1{where}"  # noqa: S608
                " ORDER BY s.updated_at DESC LIMIT ?",
                (*params, limit),
            )
            return [Hit(r, 0.0) for r in rows]
        expr = match_expression(text, language, tag=tag)
        edge = await self.db.fetchone(
            "SELECT rowid FROM snippets_fts WHERE snippets_fts MATCH ?"
            " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (expr, WINDOW - 1),
        )
        window = " AND rowid >= ?" if edge is not None else ""
        bound = [edge[0]] if edge is not None else []
        # Rank in the index alone, then read only the rows that made the cut. The exact
        # checks after it rarely drop a row (the MATCH already filtered by the same words),
        # so a few more than ``limit`` are ranked to make up for them.
        rows = await self.db.fetchall(
            f"SELECT {cols}, r.score AS score FROM ("  # noqa: S608
            f" SELECT rowid, {RANK} AS score FROM snippets_fts"
            f" WHERE snippets_fts MATCH ?{window} ORDER BY score LIMIT ?"
            ") r JOIN snippets s ON s.seq = r.rowid"
            f" WHERE 1{where} ORDER BY r.score, s.updated_at DESC LIMIT ?",
            (expr, *bound, limit + 10, *params, limit),
        )
        return [Hit(r, float(r["score"])) for r in rows]
