"""What every CLI command shares: the configuration a command in this directory sees (the
same layers the server and ``doctor`` read), and the connectors installed."""

from __future__ import annotations

import os
from pathlib import Path

from connectors.sdk import Registry, default_registry
from connectors.sdk.errors import TielineError
from connectors.sdk.manifest import Manifest
from server.hub import config, paths
from server.hub.config import WORKSPACE_FILE


def workspace_root(cwd: Path) -> Path:
    """The folder a command runs for: the nearest one up to the clone's root that holds a
    ``.tieline.toml``, else the clone's root, else ``cwd`` -- as an editor opened there
    would see it."""
    here = cwd.resolve()
    for d in (here, *here.parents):
        if (d / WORKSPACE_FILE).is_file():
            return d
        if (d / ".git").exists():
            return d
    return here


def installed(cwd: Path | None = None, registry: Registry | None = None) -> Registry:
    """The connectors a command in ``cwd`` sees: the installed ones and those declared in
    the user's and the workspace's connector folders (``.tieline/connectors/*.toml``)."""
    reg = registry or default_registry()
    return reg.discover(paths.connector_dirs([workspace_root(cwd or Path.cwd())]))


def load_config(cwd: Path | None = None, registry: Registry | None = None) -> config.Loaded:
    reg = installed(cwd, registry)
    return config.load(
        workspace=workspace_root(cwd or Path.cwd()),
        environ=os.environ,
        manifests=reg.manifests(),
    )


def manifest_of(service: str, registry: Registry | None = None) -> Manifest:
    """The connector's manifest (read, not imported: signing in must work even while a
    connector's code fails its capability check)."""
    reg = installed(None, registry)
    if service not in reg:
        known = ", ".join(reg.ids()) or "none"
        raise TielineError(f"unknown service {service!r} (installed: {known})")
    return reg.manifest(service)
