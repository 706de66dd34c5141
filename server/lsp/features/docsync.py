"""Folder sync in the editor: *Link Folder to Drive…*, *Sync Now* (with ``$/progress``
where the client shows it), *Show Conflicts* and *Resolve Conflict…*, a round of every
linked folder every ``docsync.interval`` seconds, a message with the three ways out for
each conflict a round finds, and where the links stand in ``tieline/status`` (its
``docsync`` block, protocol 1.5), with ``tieline/status/changed`` whenever that changes.

Nothing here decides anything about files: the hub's :mod:`server.hub.docsync` does; this
module asks the person, and tells them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import ConfigError, TielineError

from ..common import arg, hub_or_fail
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, path_of

if TYPE_CHECKING:
    from server.hub.docsync.engine import Keep, LinkSpec
    from server.hub.docsync.links import DocSyncs, Outcome
    from server.hub.docsync.state import Conflict
    from server.hub.hub import Hub

    from .. import tieline_protocol as proto

log = logging.getLogger("tieline.lsp")

LINK = "tieline.docsync.link"
SYNC = "tieline.docsync.syncNow"
SHOW = "tieline.docsync.showConflicts"
RESOLVE = "tieline.docsync.resolve"

#: Seconds between checks whether a round is due (a link signed in since, the interval).
TICK = 5.0
KEEPS: dict[str, Keep] = {"Keep mine": "mine", "Keep theirs": "theirs", "Keep both": "both"}
LATER = "Later"
NO_DRIVE = "Sign in to a drive (OneDrive, SharePoint, Google Drive) to link a folder to it."


def syncs(hub: Hub) -> DocSyncs:
    from server.hub.docsync.links import DocSyncs

    return DocSyncs.of(hub)


def docsync_status(hub: Hub) -> proto.DocSyncStatus | None:
    """What ``tieline/status`` says of folder sync (None: no folder is linked)."""
    from datetime import UTC, datetime

    from .. import tieline_protocol as proto

    st = syncs(hub).status()
    if not st.links:
        return None

    def when(t: float | None) -> datetime | None:
        return datetime.fromtimestamp(t, UTC) if t else None

    return proto.DocSyncStatus(
        state=st.state,
        linked=len(st.links),
        conflicts=st.conflicts,
        last_sync=when(st.last_sync),
        last_error=st.last_error,
        links=[
            proto.DocSyncLink(
                folder=lk.link.folder,
                service=lk.link.service,
                remote=lk.link.remote,
                state=lk.state,
                last_sync=when(lk.last_sync),
                conflicts=lk.conflicts,
                last_error=lk.last_error,
            )
            for lk in st.links
        ],
    )


def _info(
    ls: TielineServer, message: str, level: types.MessageType = types.MessageType.Info
) -> None:
    ls.window_show_message(types.ShowMessageParams(type=level, message=message))


def _folder_arg(hub: Hub, value: str) -> str:
    """A folder named by a workspace-relative path, an absolute path or a ``file:`` URI,
    as the workspace-relative path a link keeps."""
    root = hub.root
    if root is None:
        raise FeatureError(code=INVALID_PARAMS, message="open a workspace folder first")
    path = path_of(value) if value.startswith("file:") else Path(value)
    if path is None:
        raise FeatureError(code=INVALID_PARAMS, message=f"not a local folder: {value}")
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(root.resolve())
        except ValueError:
            raise FeatureError(
                code=INVALID_PARAMS, message=f"{value} is not inside the workspace"
            ) from None
    rel = path.as_posix().strip("/")
    if not rel or rel == "." or ".." in rel.split("/"):
        raise FeatureError(code=INVALID_PARAMS, message="name a folder inside the workspace")
    return rel


def _top_folders(hub: Hub, limit: int = 8) -> list[str]:
    """The workspace's first-level folders a person would link (``docs`` first)."""
    root = hub.root
    if root is None:
        raise FeatureError(code=INVALID_PARAMS, message="open a workspace folder first")
    names = sorted(
        (p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda n: (n != "docs", n.lower()),
    )
    if not names:
        raise FeatureError(code=INVALID_PARAMS, message="the workspace has no folder to link")
    return names[:limit]


async def _choose(ls: TielineServer, message: str, titles: list[str]) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=message,
            actions=[types.MessageActionItem(title=t) for t in titles],
        )
    )
    return choice.title if choice is not None else None


def _conflict_text(spec: LinkSpec, c: Conflict) -> str:
    where = f"{spec.folder}/{c.path}"
    if c.kind == "edit":
        return (
            f"{where} changed here and in {spec.service}: both kept, "
            f"{spec.service}'s version as {c.copy}."
        )
    if c.kind == "deleted_there":
        return (
            f"{where} was deleted in {spec.service} but edited here: your edit was restored there."
        )
    return f"{where} was deleted here but edited in {spec.service}: its version was restored here."


def _summary(outcomes: list[Outcome]) -> dict[str, Any]:
    out = []
    for o in outcomes:
        r = o.report
        entry: dict[str, Any] = {"folder": o.link.folder, "service": o.link.service}
        if r is None:
            entry["skipped"] = o.skipped
        else:
            entry |= {
                "pulled": r.pulled,
                "pushed": r.pushed,
                "deletedHere": r.deleted_here,
                "deletedThere": r.deleted_there,
                "movedHere": [list(m) for m in r.moved_here],
                "movedThere": [list(m) for m in r.moved_there],
                "madeHere": r.made_here,
                "madeThere": r.made_there,
                "conflicts": [c.path for c in r.conflicts],
                "heldBack": r.held_back,
                "stopped": r.stopped,
            }
        out.append(entry)
    return {"links": out}


class Rounds:
    """Runs rounds and tells the person what needs them: each conflict once (with the ways
    out), each stop once until a round succeeds again."""

    def __init__(self, ls: TielineServer, hub: Hub) -> None:
        self.ls = ls
        self.hub = hub
        self.last = 0.0
        self.ran: set[str] = set()
        self.told_stop: dict[str, str] = {}
        #: Export paths already said to be held back, per link (said once, not every round).
        self.told_held: dict[str, set[str]] = {}
        #: A rate-limited service's time (epoch seconds) before which no round starts.
        self.not_before = 0.0

    async def run(self, *, progress: str | None = None) -> list[Outcome]:
        from .lifecycle import _progress_begin

        token = str(uuid.uuid4())
        shown = progress is not None and await _progress_begin(self.ls, token, progress)

        def step(i: int, n: int, spec: LinkSpec) -> None:
            if shown:
                self.ls.work_done_progress.report(
                    token,
                    types.WorkDoneProgressReport(message=spec.label, percentage=int(100 * i / n)),
                )

        try:
            outcomes = await syncs(self.hub).sync_all(step)
        finally:
            if shown:
                self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
        self.last = time.monotonic()
        for o in outcomes:
            if o.report is not None:
                self.ran.add(o.link.key)
                if o.report.retry_at:
                    self.not_before = max(self.not_before, o.report.retry_at)
                self.tell(o)
        return outcomes

    def tell(self, o: Outcome) -> None:
        r = o.report
        assert r is not None
        if r.stopped:
            if self.told_stop.get(o.link.key) != r.stopped:
                self.told_stop[o.link.key] = r.stopped
                _info(self.ls, f"Tieline: {r.stopped}", types.MessageType.Warning)
        else:
            self.told_stop.pop(o.link.key, None)
        for c in r.conflicts:
            self.later(self.offer(o.link, c))
        held = set(r.held_back)
        fresh = held - self.told_held.get(o.link.key, set())
        self.told_held[o.link.key] = held
        if fresh:
            names = ", ".join(sorted(fresh)[:3]) + (" …" if len(fresh) > 3 else "")
            _info(
                self.ls,
                f"Tieline: edits to exported documents in {o.link.folder} stay here: {names}."
                " Turn on docsync.import_docs to import them into the documents, where the"
                " service can.",
            )

    def later(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self.ls.background.add(task)
        task.add_done_callback(self.ls.background.discard)

    async def offer(self, spec: LinkSpec, c: Conflict) -> None:
        """The conflict, with keep mine / theirs / both (in the background: no round waits
        for the answer, and *Later* leaves it for *Resolve Conflict…*)."""
        choice = await _choose(self.ls, f"Tieline: {_conflict_text(spec, c)}", [*KEEPS, LATER])
        if choice in KEEPS:
            try:
                await syncs(self.hub).resolve(spec.folder, c.path, KEEPS[choice])
            except TielineError as exc:
                _info(self.ls, f"Tieline: {exc.message}", types.MessageType.Error)

    def due(self) -> bool:
        from server.hub.docsync.links import specs

        links = specs(self.hub)
        if not links or time.time() < self.not_before:
            return False
        if time.monotonic() - self.last >= self.hub.config.docsync.interval:
            return True
        fresh = [s for s in links if s.key not in self.ran]
        return any(not isinstance(syncs(self.hub).engine(s), str) for s in fresh)


_rounds: weakref.WeakKeyDictionary[Hub, Rounds] = weakref.WeakKeyDictionary()


def rounds(ls: TielineServer, hub: Hub) -> Rounds:
    """The rounds of a hub (one per hub: what it told stays told across commands)."""
    r = _rounds.get(hub)
    if r is None:
        r = _rounds[hub] = Rounds(ls, hub)
    return r


def setup(server: TielineServer) -> None:
    @server.command(LINK)
    @guarded(LINK)
    async def link(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[folder, service?, remote?, account?]``: writes a ``[[docsync.links]]`` table to
        the workspace's ``.tieline.toml`` and syncs it. Without a service, the one drive
        signed in to (or a choice among them); without a remote, ``/<folder's name>``."""
        from connectors.sdk.capabilities import Drive
        from server.hub.docsync.engine import LinkSpec
        from server.hub.docsync.links import add_link, specs

        from .lifecycle import fetch_settings

        hub = await hub_or_fail(ls)
        if args and isinstance(args[0], str) and args[0]:
            folder = _folder_arg(hub, args[0])
        else:  # from the command palette: one of the workspace's folders
            picked = await _choose(ls, "Link which folder to a drive?", _top_folders(hub))
            if picked is None:
                return {"linked": False, "cancelled": True}
            folder = picked
        service = args[1] if len(args) > 1 and isinstance(args[1], str) and args[1] else None
        remote = args[2] if len(args) > 2 and isinstance(args[2], str) and args[2] else None
        account = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
        drives = hub.sessions_with(Drive)
        if service is None:
            if not drives:
                raise ConfigError(NO_DRIVE)
            names = list(dict.fromkeys(s.connector_id for s in drives))
            service = (
                names[0]
                if len(names) == 1
                else await _choose(ls, f"Link {folder} to which drive?", names)
            )
            if service is None:
                return {"linked": False, "cancelled": True}
        spec = LinkSpec(
            folder=folder,
            service=service,
            remote=remote or "/" + folder.rsplit("/", 1)[-1],
            account=account,
        )
        assert hub.root is not None
        written = add_link(hub.root, spec)
        problems = await hub.reconfigure(await fetch_settings(ls))
        if all(s.key != spec.key for s in specs(hub)):
            raise ConfigError(
                f"the link was written to {written} but is not in effect "
                f"(editor settings may set docsync.links): {'; '.join(problems)}"
            )
        outcomes = await rounds(ls, hub).run(progress=f"Syncing {spec.label}")
        return {"linked": True, "file": str(written)} | _summary(outcomes)

    @server.command(SYNC)
    @guarded(SYNC)
    async def sync_now(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.docsync.links import specs

        hub = await hub_or_fail(ls)
        if not specs(hub):
            raise ConfigError("no folder is linked to a drive: run Link Folder to Drive… first")
        outcomes = await rounds(ls, hub).run(progress="Syncing linked folders")
        return _summary(outcomes)

    @server.command(SHOW)
    @guarded(SHOW)
    async def show(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        found = await syncs(hub).conflicts()
        if not found:
            _info(ls, "Tieline: no sync conflicts.")
        else:
            lines = "; ".join(_conflict_text(spec, c) for spec, c in found)
            _info(ls, f"Tieline: {len(found)} sync conflict(s): {lines}", types.MessageType.Warning)
        return {
            "conflicts": [
                {
                    "folder": spec.folder,
                    "path": c.path,
                    "kind": c.kind,
                    "copy": c.copy,
                    "service": spec.service,
                    "command": {"command": RESOLVE, "arguments": [spec.folder, c.path]},
                }
                for spec, c in found
            ]
        }

    @server.command(RESOLVE)
    @guarded(RESOLVE)
    async def resolve(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[folder?, path?, keep?]`` (keep: ``mine``, ``theirs``, ``both``); what is left
        out is asked for."""
        hub = await hub_or_fail(ls)
        found = await syncs(hub).conflicts()
        if len(args) >= 2:
            folder = arg(list(args), 0, str, "folder")
            path = arg(list(args), 1, str, "path")
            match = [(s, c) for s, c in found if s.folder == folder and c.path == path]
        else:
            match = found
        if not match:
            raise FeatureError(code=INVALID_PARAMS, message="no such sync conflict")
        if len(match) > 1:
            labels = [f"{s.folder}/{c.path}" for s, c in match][:8]
            picked = await _choose(ls, "Resolve which conflict?", labels)
            if picked is None:
                return {"resolved": False, "cancelled": True}
            match = [match[labels.index(picked)]]
        spec, c = match[0]
        keep = args[2] if len(args) > 2 else None
        if keep not in ("mine", "theirs", "both"):
            title = await _choose(ls, _conflict_text(spec, c), list(KEEPS))
            if title is None:
                return {"resolved": False, "cancelled": True}
            keep = KEEPS[title]
        await syncs(hub).resolve(spec.folder, c.path, keep)
        return {"resolved": True, "folder": spec.folder, "path": c.path, "keep": keep}


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """A round of every linked folder each ``docsync.interval`` seconds, and at once when a
    link's service is signed in to for the first time since the server started."""
    from server.hub.docsync.links import STATUS_CHANGED

    from .panels import status_changed

    r = rounds(ls, hub)
    hub.bus.subscribe(STATUS_CHANGED, lambda _e: status_changed(ls, "docsync"))
    r.later(syncs(hub).load_status())  # what the last process left: conflicts, a stop

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK)
            if ls.hub is not hub:
                return  # shut down, or a new hub took over
            if r.due() and not syncs(hub).lock.locked():
                with contextlib.suppress(Exception):  # a round must never end the loop
                    await r.run()

    task = asyncio.ensure_future(tick())
    ls.background.add(task)
