"""Two-way sync of the snippet library with a snippet host (a :class:`SnippetStore`).

A snippet is linked to its copy on the host by a row in ``snippet_remotes`` holding the hash
of the content both sides last agreed on (the *base*). At a sync, each side whose content
differs from the base has changed:

* neither: nothing to do;
* only the host's: the local snippet takes the host's title and body;
* only the local one: the host's copy is updated (checked for secrets first);
* both, to the same content: the base moves on;
* both, differently: a **conflict**. Neither side is written; the host's version is kept in
  the link's ``conflict`` column and reported, until :func:`resolve` keeps one side.

Host snippets that have no local copy are downloaded and linked. Local snippets are never
uploaded by a sync: only :func:`share` (the user's action) puts one on a host, secret unless
asked, and only after the secret check. Updates never change a copy's visibility.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from connectors.sdk.capabilities import SnippetStore
from connectors.sdk.errors import NoSuchRecord, NotFound, StoreError, SyncConflict
from connectors.sdk.models import RemoteSnippet, Snippet

from .formats.folder import EXTENSIONS, LANGUAGES, safe_name
from .library import SnippetLibrary


def content_hash(title: str, body: str) -> str:
    """What both sides are compared by: the title and the body (one file's content)."""
    return hashlib.sha256(json.dumps([title.strip(), body]).encode()).hexdigest()


def file_name(s: Snippet) -> str:
    ext = EXTENSIONS.get(s.language.split(",")[0].strip(), "txt")
    return f"{safe_name(s.title, 'snippet')}.{ext}"


@dataclass
class Link:
    snippet_id: str
    remote_id: str
    base_hash: str
    remote_rev: str
    visibility: str
    url: str
    conflict: RemoteSnippet | None


@dataclass
class SyncReport:
    """What a sync did, by snippet id (local) or title (downloaded)."""

    pulled: list[str] = field(default_factory=list)  # local snippets updated from the host
    pushed: list[str] = field(default_factory=list)  # host copies updated from local
    downloaded: list[str] = field(default_factory=list)  # new local snippets
    conflicts: list[str] = field(default_factory=list)  # both changed: nothing written
    gone: list[str] = field(default_factory=list)  # deleted on the host: link dropped
    held_back: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # secrets


class SnippetSync:
    """Sync of one library with one host account (``connector``, ``account``)."""

    def __init__(
        self, lib: SnippetLibrary, host: SnippetStore, *, connector: str, account: str
    ) -> None:
        self.lib = lib
        self.host = host
        self.connector = connector
        self.account = account

    # -- links -----------------------------------------------------------------------------

    async def links(self) -> list[Link]:
        rows = await self.lib.db.fetchall(
            "SELECT snippet_id, remote_id, base_hash, remote_rev, visibility, url, conflict"
            " FROM snippet_remotes WHERE connector = ? AND account = ?",
            (self.connector, self.account),
        )
        return [
            Link(
                r["snippet_id"],
                r["remote_id"],
                r["base_hash"],
                r["remote_rev"],
                r["visibility"],
                r["url"],
                RemoteSnippet.model_validate_json(r["conflict"]) if r["conflict"] else None,
            )
            for r in rows
        ]

    async def link_of(self, snippet_id: str) -> Link | None:
        return next((lk for lk in await self.links() if lk.snippet_id == snippet_id), None)

    async def _save_link(
        self, snippet_id: str, remote: RemoteSnippet, base: str, conflict: RemoteSnippet | None
    ) -> None:
        await self.lib.db.execute(
            "INSERT INTO snippet_remotes (snippet_id, connector, account, remote_id, url,"
            " visibility, base_hash, remote_rev, conflict, synced_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (connector, account, remote_id) DO UPDATE SET"
            " url = excluded.url, visibility = excluded.visibility,"
            " base_hash = excluded.base_hash, remote_rev = excluded.remote_rev,"
            " conflict = excluded.conflict, synced_at = excluded.synced_at",
            (
                snippet_id,
                self.connector,
                self.account,
                remote.id,
                remote.url,
                remote.visibility,
                base,
                remote.revision,
                conflict.model_dump_json() if conflict else None,
                time.time(),
            ),
        )

    async def _drop_link(self, remote_id: str) -> None:
        await self.lib.db.execute(
            "DELETE FROM snippet_remotes WHERE connector = ? AND account = ? AND remote_id = ?",
            (self.connector, self.account, remote_id),
        )

    # -- the user's actions ----------------------------------------------------------------

    async def share(self, snippet_id: str, *, public: bool = False) -> RemoteSnippet:
        """Put a local snippet on the host (secret unless ``public``) and link it.

        Raises :class:`SecretFound` (nothing uploaded) when it looks like it holds a secret,
        and :class:`StoreError` when it is on this host already."""
        s = await self.lib.get(snippet_id)
        if await self.link_of(snippet_id) is not None:
            raise StoreError(f"“{s.title}” is on this host already; sync to update it")
        self.lib.scanner.check(s.title, s.body, what=f"“{s.title}”")
        remote = await self.host.create_snippet(s.title, file_name(s), s.body, public=public)
        await self._save_link(s.id, remote, content_hash(s.title, s.body), None)
        return remote

    async def resolve(self, snippet_id: str, keep: Literal["local", "host"]) -> None:
        """End a conflict by keeping one side; the other is overwritten with it."""
        link = await self.link_of(snippet_id)
        if link is None or link.conflict is None:
            raise NoSuchRecord(f"no sync conflict on snippet {snippet_id!r}")
        remote = link.conflict
        if keep == "host":
            await self.lib.update(snippet_id, title=remote.title, body=remote.content)
            await self._save_link(
                snippet_id, remote, content_hash(remote.title, remote.content), None
            )
            return
        s = await self.lib.get(snippet_id)
        self.lib.scanner.check(s.title, s.body, what=f"“{s.title}”")
        current = await self.host.get_snippet(link.remote_id)
        if current.revision != remote.revision:
            raise SyncConflict(f"“{s.title}” changed on the host again; sync first")
        updated = await self.host.update_snippet(
            link.remote_id,
            title=s.title,
            file_name=current.file_name,
            content=s.body,
            old_file_name=current.file_name,
        )
        await self._save_link(snippet_id, updated, content_hash(s.title, s.body), None)

    # -- the sync --------------------------------------------------------------------------

    async def sync(self) -> SyncReport:
        report = SyncReport()
        remotes = {r.id: r for r in await self.host.list_snippets()}
        links = await self.links()
        linked = {lk.remote_id for lk in links}
        for lk in links:
            await self._sync_one(lk, remotes.get(lk.remote_id), report)
        for rid, remote in remotes.items():
            if rid in linked:
                continue
            name, _, ext = remote.file_name.rpartition(".")
            s = await self.lib.add(
                title=remote.title or remote.file_name or rid,
                body=remote.content,
                language=LANGUAGES.get(ext.lower(), "") if name else "",
                allow_secrets=True,  # it is on the host already; downloading shares nothing
            )
            await self._save_link(s.id, remote, content_hash(s.title, s.body), None)
            report.downloaded.append(s.title)
        return report

    async def _sync_one(self, lk: Link, remote: RemoteSnippet | None, report: SyncReport) -> None:
        try:
            local = await self.lib.get(lk.snippet_id)
        except NoSuchRecord:
            await self._drop_link(lk.remote_id)  # deleted here: the host's copy stays
            return
        if remote is None:
            await self._drop_link(lk.remote_id)
            report.gone.append(local.id)
            return
        mine = content_hash(local.title, local.body)
        theirs = content_hash(remote.title, remote.content)
        local_changed, host_changed = mine != lk.base_hash, theirs != lk.base_hash
        if mine == theirs:
            if local_changed or lk.conflict is not None or remote.revision != lk.remote_rev:
                await self._save_link(local.id, remote, mine, None)
            return
        if local_changed and host_changed:
            await self._save_link(local.id, remote, lk.base_hash, remote)
            report.conflicts.append(local.id)
            return
        if host_changed:
            await self.lib.update(local.id, title=remote.title, body=remote.content)
            await self._save_link(local.id, remote, theirs, None)
            report.pulled.append(local.id)
            return
        findings = self.lib.scanner.scan(local.title, local.body)
        if findings:
            report.held_back.append((local.id, tuple(map(str, findings))))
            return
        try:
            updated = await self.host.update_snippet(
                lk.remote_id,
                title=local.title,
                file_name=remote.file_name,
                content=local.body,
                old_file_name=remote.file_name,
            )
        except NotFound:
            await self._drop_link(lk.remote_id)
            report.gone.append(local.id)
            return
        await self._save_link(local.id, updated, mine, None)
        report.pushed.append(local.id)


def host_syncs(hub: Any) -> list[tuple[str, SnippetSync]]:
    """A :class:`SnippetSync` for each signed-in account whose service hosts snippets,
    with the account's label (``GitHub (octocat@github.com)``)."""
    from connectors.sdk.capabilities import SnippetStore as Capability

    out = []
    for s in hub.sessions_with(Capability):
        store: SnippetStore = s.connector.capability(Capability)
        sync = SnippetSync(hub.snippets, store, connector=s.connector_id, account=s.account)
        out.append((f"{s.manifest.name} ({s.account})", sync))
    return out


async def conflicts(lib: SnippetLibrary) -> dict[str, str]:
    """Snippet id -> the host account whose copy conflicts with it (for display)."""
    rows = await lib.db.fetchall(
        "SELECT snippet_id, connector, account FROM snippet_remotes WHERE conflict IS NOT NULL"
    )
    return {r["snippet_id"]: f"{r['connector']} {r['account']}" for r in rows}
