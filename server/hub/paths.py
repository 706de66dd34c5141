"""Where Tieline keeps its files. ``TIELINE_HOME`` moves all of them (tests, portable use)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import platformdirs


def _home() -> Path | None:
    v = os.environ.get("TIELINE_HOME")
    return Path(v) if v else None


def config_dir() -> Path:
    h = _home()
    return h / "config" if h else Path(platformdirs.user_config_dir("tieline"))


def data_dir() -> Path:
    h = _home()
    return h / "data" if h else Path(platformdirs.user_data_dir("tieline"))


def log_dir() -> Path:
    h = _home()
    return h / "logs" if h else Path(platformdirs.user_log_dir("tieline"))


def cache_dir() -> Path:
    """Files Tieline can always make again (drawn diagrams): safe to delete."""
    h = _home()
    return h / "cache" if h else Path(platformdirs.user_cache_dir("tieline"))


def user_config_file() -> Path:
    return config_dir() / "config.toml"


#: Where connectors declared as data live, in the user's config folder and in a workspace.
CONNECTORS_DIR = "connectors"
WORKSPACE_CONNECTORS_DIR = Path(".tieline") / "connectors"


def connector_dirs(workspace_folders: Sequence[Path] = ()) -> list[Path]:
    """The folders connector manifests are discovered in: the user's first, then each
    workspace folder's ``.tieline/connectors`` (a workspace's wins over the user's)."""
    return [
        config_dir() / CONNECTORS_DIR,
        *(f / WORKSPACE_CONNECTORS_DIR for f in workspace_folders),
    ]


def database_file() -> Path:
    return data_dir() / "tieline.db"


def ensure(path: Path) -> Path:
    """Create ``path`` (a directory) with owner-only permissions if missing."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
