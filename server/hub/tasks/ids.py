"""How a workspace task and its output document are named outside the hub.

A task is ``<source>:<name>`` within its workspace folder (``make:build``, ``npm:test``,
``vscode:Build app``, ``just:lint``); a folder is a short digest of its path, so ids stay
the same while the editor runs and across restarts. The output of a task's latest run is a
log document of the same ``tieline-log:`` scheme as CI job logs, told apart by its
authority: ``tieline-log://task/<folder>/<task>/<name>.log``, read with the same
``workspace/textDocumentContent`` and ``tieline/log`` machinery.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from connectors.sdk.errors import TielineError

from ..ci.ids import LOG_SCHEME

#: The authority that makes a ``tieline-log:`` URI a task's output.
AUTHORITY: Final = "task"


class BadTaskRequest(TielineError):
    """A request naming no task or task output as they are named (``-32602``)."""

    rpc_code = -32602


def folder_key(folder: Path) -> str:
    """A workspace folder as ten hex digits of its absolute path's SHA-256."""
    return hashlib.sha256(str(folder.absolute()).encode()).hexdigest()[:10]


def task_item_id(folder: Path, task_id: str) -> str:
    """``tasks/<folder>/<task>``, the task's id in the Tasks panel and in commands."""
    return f"tasks/{folder_key(folder)}/{quote(task_id, safe='')}"


def parse_task_item_id(value: str) -> tuple[str, str]:
    """``(folder key, task id)`` of :func:`task_item_id`'s id."""
    parts = value.split("/")
    if len(parts) != 3 or parts[0] != "tasks" or not parts[1] or not parts[2]:
        raise BadTaskRequest(
            f"{value!r} is not a task id (tasks/<folder>/<task>, as the Tasks panel gives them)"
        )
    return parts[1], unquote(parts[2])


def output_uri(folder: Path, task_id: str, name: str) -> str:
    """The output document of the task's latest run. ``name`` only titles the editor's tab
    (``.log`` picks log colouring)."""
    title = quote(name.replace("/", " ").strip() or "task", safe="") + ".log"
    return f"{LOG_SCHEME}://{AUTHORITY}/{folder_key(folder)}/{quote(task_id, safe='')}/{title}"


def is_task_log_uri(uri: str) -> bool:
    return uri.startswith(f"{LOG_SCHEME}://{AUTHORITY}/")


def parse_output_uri(uri: str) -> tuple[str, str]:
    """``(folder key, task id)`` an output URI names (a ``?page=N`` query is allowed)."""
    parts = urlsplit(uri)
    segs = parts.path.lstrip("/").split("/")
    if parts.scheme != LOG_SCHEME or parts.netloc != AUTHORITY or len(segs) != 3 or not all(segs):
        raise BadTaskRequest(
            f"{uri!r} is not a task output URI ({LOG_SCHEME}://{AUTHORITY}/folder/task/name.log)"
        )
    return segs[0], unquote(segs[1])


def page_of(uri: str) -> int:
    """The page a document URI asks for (``?page=N``, 1 when absent)."""
    for pair in urlsplit(uri).query.split("&"):
        key, _, value = pair.partition("=")
        if key == "page":
            if not value.isdigit() or int(value) < 1:
                raise BadTaskRequest(f"{uri!r}: page must be a number from 1")
            return int(value)
    return 1


__all__ = [
    "AUTHORITY",
    "BadTaskRequest",
    "folder_key",
    "is_task_log_uri",
    "output_uri",
    "page_of",
    "parse_output_uri",
    "parse_task_item_id",
    "task_item_id",
]
