"""The links the settings ask for (``docsync.links``), each matched to a signed-in session
of its service, and the rounds the hub runs for them -- one at a time, so *Sync Now* and the
periodic round never work on the same folder together.

A link whose service has no session (not signed in, or a connector without ``Drive``) is
reported as such and skipped; its state stays in the store for when it comes back.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.sdk.errors import ConfigError, NoSuchRecord

from .engine import DocSync, Keep, LinkSpec, Report
from .localfs import Ignore
from .state import Conflict

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.sessions import Session

#: Called before each link's round with (index, count, link), for progress.
Progress = Callable[[int, int, LinkSpec], Awaitable[None] | None]


@dataclass(frozen=True)
class Outcome:
    """One link's round: its report, or why it did not run."""

    link: LinkSpec
    report: Report | None = None
    skipped: str | None = None


def specs(hub: Hub) -> list[LinkSpec]:
    return [
        LinkSpec(folder=lk.folder, service=lk.service, remote=lk.remote, account=lk.account or "")
        for lk in hub.config.docsync.links
    ]


def session_for(hub: Hub, spec: LinkSpec) -> Session | None:
    from connectors.sdk.capabilities import Drive

    found = [
        s
        for s in hub.sessions_with(Drive)
        if s.connector_id == spec.service
        and (not spec.account or spec.account in (s.account, s.login))
    ]
    return found[0] if len(found) == 1 or spec.account else None


class DocSyncs:
    """The folder sync of one hub."""

    _of: weakref.WeakKeyDictionary[Hub, DocSyncs] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, hub: Hub) -> DocSyncs:
        it = cls._of.get(hub)
        if it is None:
            it = cls._of[hub] = cls(hub)
        return it

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.lock = asyncio.Lock()

    def engine(self, spec: LinkSpec) -> DocSync | str:
        """The engine of a link, or why there is none (for a person)."""
        from connectors.sdk.capabilities import DocImport, Drive

        root = self.hub.root
        if root is None:
            return "no workspace folder is open"
        s = session_for(self.hub, spec)
        if s is None:
            return f"not signed in to {spec.service}" + (
                f" as {spec.account}" if spec.account else ""
            )
        drive: Drive = s.connector.capability(Drive)
        settings = self.hub.config.docsync
        importer: DocImport | None = (
            s.connector.capability(DocImport) if s.connector.provides(DocImport) else None
        )
        return DocSync(
            self.hub.store,
            drive,
            spec,
            root,
            ignore=Ignore(settings.ignore),
            importer=importer,
            import_docs=settings.import_docs,
            import_new=settings.import_new,
        )

    async def sync_all(self, progress: Progress | None = None) -> list[Outcome]:
        links = specs(self.hub)
        out = []
        async with self.lock:
            for i, spec in enumerate(links):
                if progress is not None:
                    maybe = progress(i, len(links), spec)
                    if maybe is not None:
                        await maybe
                engine = self.engine(spec)
                if isinstance(engine, str):
                    out.append(Outcome(spec, skipped=engine))
                    continue
                out.append(Outcome(spec, report=await engine.sync()))
        return out

    async def conflicts(self) -> list[tuple[LinkSpec, Conflict]]:
        out = []
        for spec in specs(self.hub):
            engine = self.engine(spec)
            if isinstance(engine, DocSync):
                out += [(spec, c) for c in await engine.conflicts()]
        return out

    async def resolve(self, folder: str, path: str, keep: Keep) -> None:
        """Resolve the conflict on ``path`` of the link of ``folder`` (workspace-relative)."""
        for spec in specs(self.hub):
            if spec.folder.strip("/") != folder.strip("/"):
                continue
            engine = self.engine(spec)
            if isinstance(engine, str):
                raise ConfigError(f"cannot resolve in {folder}: {engine}")
            async with self.lock:
                await engine.resolve(path, keep)
            return
        raise NoSuchRecord(f"no linked folder {folder!r}")


def add_link(workspace: Path, spec: LinkSpec) -> Path:
    """Append the link to the workspace's ``.tieline.toml`` (a ``[[docsync.links]]`` table),
    refusing to leave the file unreadable or to add a folder already linked."""
    from server.hub.config import WORKSPACE_FILE

    path = workspace / WORKSPACE_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        had = tomllib.loads(before)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it first") from None
    links = had.get("docsync", {}).get("links", [])
    if any(isinstance(lk, dict) and lk.get("folder") == spec.folder for lk in links):
        raise ConfigError(f"{spec.folder} is linked already (see {path})")
    block = ["", "[[docsync.links]]"]
    for key in ("folder", "service", "remote", "account"):
        value = getattr(spec, key)
        if value:
            block.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    after = before.rstrip("\n") + ("\n" if before.strip() else "") + "\n".join(block) + "\n"
    try:
        tomllib.loads(after)
    except tomllib.TOMLDecodeError:
        raise ConfigError(
            f"{path} keeps docsync in a form a table cannot be added to; add the link by hand"
        ) from None
    path.write_text(after.lstrip("\n"), encoding="utf-8")
    return path
