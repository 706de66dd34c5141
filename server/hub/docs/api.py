"""One-call entry points for the CLI (``tieline docs ...``) and scripts: read the same
configuration layers as the server, load the sets, answer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx

from .. import config as config_mod
from .. import paths
from ..http import NetworkSettings
from .fetch import docs_client
from .library import DocsLibrary
from .model import DocResult, SetInfo


def library_for(
    cfg: config_mod.Config,
    *,
    workspace: Path | None = None,
    cache_dir: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DocsLibrary:
    """A library for ``cfg`` (not loaded yet). ``cache_dir`` is the HTTP cache's folder
    (default: the hub's, under the data directory); ``transport`` replaces the network."""
    net = NetworkSettings(
        ca_bundle=Path(cfg.network.ca_bundle) if cfg.network.ca_bundle else None,
        timeout=cfg.network.timeout,
    )
    cache = cache_dir if cache_dir is not None else paths.data_dir() / "http-cache"
    return DocsLibrary(
        cfg.docs,
        data_dir=paths.data_dir(),
        client=lambda: docs_client(cache, net, transport),
        root=workspace,
    )


async def open_library(
    *, workspace: Path | None = None, config: config_mod.Config | None = None
) -> DocsLibrary:
    """The configured sets of ``workspace`` (its ``.tieline.toml`` included), loaded."""
    cfg = config or config_mod.load(workspace=workspace).config
    library = library_for(cfg, workspace=workspace)
    await library.load()
    return library


async def search(
    query: str,
    *,
    workspace: Path | None = None,
    language: str | None = None,
    sets: Sequence[str] | None = None,
    limit: int = 20,
    config: config_mod.Config | None = None,
) -> list[DocResult]:
    """Entries matching ``query`` in the installed sets, best first."""
    library = await open_library(workspace=workspace, config=config)
    try:
        return library.search(query, language=language, sets=sets, limit=limit)
    finally:
        await library.aclose()


async def update(
    set_id: str | None = None,
    *,
    workspace: Path | None = None,
    config: config_mod.Config | None = None,
) -> list[SetInfo]:
    """Fetch URL-backed indexes again (all, or ``set_id``) and say what is installed."""
    library = await open_library(workspace=workspace, config=config)
    try:
        return await library.update(set_id)
    finally:
        await library.aclose()
