"""Opening the hub after ``initialized``, editor settings, workspace folders coming and going,
and the first sync of each new session with progress."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from connectors.sdk.errors import ReauthRequired, TielineError

from ..server import TielineServer

log = logging.getLogger("tieline.lsp")
SECTION = "tieline"
#: How long ``shutdown`` waits for the hub to close (the store is WAL SQLite: what it has
#: committed survives an exit at any point).
CLOSE_WAIT = 5.0
#: How long after ``exit`` the process may still be alive before it is ended outright.
EXIT_WAIT = 3.0
#: How often the folders of connectors declared as data (``.tieline/connectors/*.toml``,
#: the user's ``connectors/``) are looked at for an added, edited or removed manifest. Polled
#: rather than watched: ``workspace/didChangeWatchedFiles`` is one handler per server, owned
#: by the notes feature, and not every client can register watchers; a few ``stat`` calls
#: every couple of seconds cost nothing measurable.
CONNECTOR_POLL = float(os.environ.get("TIELINE_CONNECTOR_POLL_SECONDS", "2") or 2)


def arm_exit_watchdog(
    seconds: float, code: int, end: Callable[[int], object] = os._exit
) -> threading.Thread:
    """End the process ``seconds`` after ``exit`` if it has not ended by then.

    The LSP says the server exits on ``exit``, and editors wait for it (JetBrains and the
    test clients kill it after a while, with a 143 the user sees as a crash). pygls exits by
    letting ``asyncio.run`` return, which first waits for every thread of the default
    executor: a keyring call stuck on D-Bus, or a blocking read, held exits for 15 s and
    more on a loaded machine. A daemon thread does not itself keep the process alive."""

    def watch() -> None:
        time.sleep(seconds)
        log.warning("still running %.0f s after exit; ending the process", seconds)
        logging.shutdown()
        end(code)

    thread = threading.Thread(target=watch, name="tieline-exit-watchdog", daemon=True)
    thread.start()
    return thread


def initialization_settings(ls: TielineServer) -> dict[str, Any] | None:
    """``initializationOptions`` (or its ``tieline`` member): settings from editors that set
    them at start and cannot answer ``workspace/configuration`` (LSP4IJ templates, Neovim)."""
    opts = ls.initialization_options
    if not isinstance(opts, dict) or not opts:
        return None
    inner = opts.get(SECTION)
    return inner if isinstance(inner, dict) else opts


async def fetch_settings(ls: TielineServer) -> dict[str, Any] | None:
    """Ask the editor for the ``tieline`` section, if it can answer ``workspace/configuration``."""
    caps = ls.client_capabilities
    if not (caps and caps.workspace and caps.workspace.configuration):
        return initialization_settings(ls)
    try:
        got = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            ),
            5,
        )
    except Exception as exc:  # an editor that answers badly must not stop the server
        log.warning("workspace/configuration failed: %s", exc)
        return None
    first = got[0] if got else None
    return first if isinstance(first, dict) else None


def announce_problems(ls: TielineServer, problems: list[str]) -> None:
    if problems:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message="Tieline settings: " + "; ".join(problems[:5]),
            )
        )


async def open_hub(ls: TielineServer) -> None:
    from server.hub.hub import Hub

    from . import notify

    try:
        hub = await Hub.open(folders=ls.folder_paths())
    except Exception as exc:
        log.error("the hub could not start: %s", exc)
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error, message=f"Tieline could not start: {exc}"
            )
        )
        ls.hub_ready.set()
        return
    settings = await fetch_settings(ls)
    announce_problems(ls, await hub.reconfigure(settings) if settings else hub.state.problems)
    ls.hub = hub
    notify.subscribe(ls, hub)
    from . import api_clients

    api_clients.subscribe(ls, hub)
    from .snippets import panel_changed

    hub.snippets.on_change = lambda what, snippet_id: panel_changed(ls)
    ls.hub_ready.set()
    from . import wikilinks

    await wikilinks.reconfigured(ls)  # the vaults are found now; their indexes build aside
    settle_heap()
    hub.start_background()
    watch_connector_files(ls)
    await connect_and_sync(ls)
    settle_heap()


def connector_files(folders: list[Any]) -> tuple[tuple[str, int, int], ...]:
    """``(path, mtime, size)`` of every file in the folders connectors are declared in."""
    from server.hub.paths import connector_dirs

    out: list[tuple[str, int, int]] = []
    for d in connector_dirs(folders):
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            try:
                st = e.stat()
            except OSError:
                continue
            out.append((e.path, st.st_mtime_ns, st.st_size))
    return tuple(out)


def watch_connector_files(ls: TielineServer) -> None:
    """Reload the configuration -- and with it the declared connectors -- when a manifest
    in their folders is added, edited or removed, as a settings change would."""
    if CONNECTOR_POLL <= 0:
        return

    async def poll() -> None:
        hub = ls.hub
        seen = connector_files(hub.paths) if hub else ()
        while ls.hub is not None:
            await asyncio.sleep(CONNECTOR_POLL)
            hub = ls.hub
            if hub is None:
                return
            now = await asyncio.to_thread(connector_files, hub.paths)
            if now == seen:
                continue
            seen = now
            log.info("connector manifests changed: reloading")
            try:
                await reload_settings(ls)
            except Exception:  # a reload that fails must not end the watching
                log.exception("reloading the connector manifests failed")

    task = asyncio.ensure_future(poll())
    ls.background.add(task)
    task.add_done_callback(ls.background.discard)


async def reload_settings(ls: TielineServer) -> None:
    """Read every configuration layer again (the editor's settings asked for anew), say what
    is wrong, and open the sessions wanted now."""
    hub = ls.hub
    if hub is None:
        return
    settings = await fetch_settings(ls)
    announce_problems(ls, await hub.reconfigure(settings))
    await connect_and_sync(ls)


def settle_heap() -> None:
    """Move every object alive now -- modules, classes, pydantic schemas, the hub, the first
    sync's index -- out of the collector's reach (``gc.freeze``). They live as long as the
    server, and a full collection that walked them all (~100,000 objects, tens of ms) would
    stop the event loop while the editor waits for a hover."""
    gc.freeze()


async def connect_and_sync(ls: TielineServer) -> None:
    """Open the sessions the workspace calls for and run each new one's first sync, with
    ``$/progress`` (one report for all of them)."""
    hub = ls.hub
    if hub is None:
        return
    from . import notify

    try:
        sessions = await hub.connect()
    except TielineError as exc:
        log.warning("could not connect: %s", exc.message)
        sessions = []
    if not sessions:
        notify.panels_changed(ls)
        notify.refresh_lenses(ls)
        return
    token = str(uuid.uuid4())
    names = ", ".join(dict.fromkeys(s.manifest.name for s in sessions))
    progress = await _progress_begin(ls, token, f"Syncing {names}")
    try:
        for i, session in enumerate(sessions):
            if progress:
                ls.work_done_progress.report(
                    token,
                    types.WorkDoneProgressReport(
                        message=f"{session.manifest.name} ({session.account})",
                        percentage=int(100 * i / len(sessions)),
                    ),
                )
            try:
                await hub.sync_now(session)
            except ReauthRequired:
                pass  # the notify module prompts to sign in again
            except TielineError as exc:
                log.warning("first sync of %s failed: %s", session.key, exc.message)
    finally:
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
    notify.panels_changed(ls)
    notify.refresh_lenses(ls)


async def _progress_begin(ls: TielineServer, token: str, title: str) -> bool:
    caps = ls.client_capabilities
    if not (caps and caps.window and caps.window.work_done_progress):
        return False
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), 5)
    except Exception:
        return False
    ls.work_done_progress.begin(
        token, types.WorkDoneProgressBegin(title=title, message="first sync", cancellable=False)
    )
    return True


def setup(server: TielineServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: TielineServer, params: types.InitializeParams) -> None:
        ls.initialization_options = params.initialization_options

    @server.feature(types.INITIALIZED)
    async def initialized(ls: TielineServer, params: types.InitializedParams) -> None:
        await open_hub(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def changed(ls: TielineServer, params: types.DidChangeConfigurationParams) -> None:
        hub = await ls.wait_hub()
        if hub is None:
            return
        settings = await fetch_settings(ls)
        if settings is None and isinstance(params.settings, dict):
            settings = params.settings.get(SECTION, params.settings)
        announce_problems(ls, await hub.reconfigure(settings))
        from . import ci_diagnostics

        ci_diagnostics.folders_changed(ls)  # ci.diagnostics may be off now
        from . import diagrams

        diagrams.feature(ls).reconfigured()  # another renderer, or diagnostics off
        from . import wikilinks

        await wikilinks.reconfigured(ls)  # notes.vaults may name other folders
        await connect_and_sync(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(
        ls: TielineServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        """pygls has already updated its folder list; each folder gets its own remotes and
        sessions, and the ones no folder needs any more close."""
        hub = await ls.wait_hub()
        if hub is None:
            return
        await hub.set_folders(ls.folder_paths())
        from . import ci_diagnostics

        ci_diagnostics.folders_changed(ls)  # a closed folder's CI failures go with it
        from . import tasks

        tasks.folders_changed(ls)  # and its tasks' errors
        from . import wikilinks

        await wikilinks.reconfigured(ls)  # a new folder may be a vault
        await connect_and_sync(ls)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: TielineServer, params: None) -> None:
        if ls.diagrams is not None:
            await ls.diagrams.aclose()
        if ls.hub is not None:
            hub, ls.hub = ls.hub, None
            try:
                await asyncio.wait_for(hub.close(), CLOSE_WAIT)
            except TimeoutError:
                log.warning("the hub took over %.0f s to close; exiting regardless", CLOSE_WAIT)

    @server.feature(types.EXIT)
    def exit_(ls: TielineServer, params: None) -> None:
        arm_exit_watchdog(EXIT_WAIT, 0 if ls.protocol._shutdown else 1)
