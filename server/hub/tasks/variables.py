"""VS Code's variables in ``tasks.json`` (``${workspaceFolder}``, ``${file}``, ``${env:HOME}``).

Resolved at each run, since ``${file}`` is whatever file the editor has active then (the
command that runs a task passes it). Supported, as VS Code defines them
(code.visualstudio.com/docs/reference/variables-reference): ``workspaceFolder``,
``workspaceFolderBasename``, ``workspaceRoot`` (the old name), ``file``, ``fileBasename``,
``fileBasenameNoExtension``, ``fileExtname``, ``fileDirname``, ``fileDirnameBasename``,
``fileWorkspaceFolder``, ``relativeFile``, ``relativeFileDirname``, ``cwd``, ``userHome``,
``pathSeparator`` and ``/``, ``lineNumber``, ``env:NAME``, and
``workspaceFolder:NAME`` for another folder by its name.

Not supported, and said so when a task using one is run (the task does not start):
``config:``, ``command:``, ``input:``, ``selectedText``, ``execPath``, ``defaultBuildTask``,
``columnNumber`` -- each needs the editor's own state or UI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from connectors.sdk.errors import TielineError

_VARIABLE = re.compile(r"\$\{([^{}]+)\}")


class UnsupportedVariable(TielineError):
    """A ``${...}`` Tieline cannot fill in (``-32602``: the task is not started)."""

    rpc_code = -32602


@dataclass(frozen=True)
class Context:
    """What the variables are resolved from at one run."""

    folder: Path
    file: Path | None = None
    line: int | None = None
    """1-based line of the cursor in ``file``."""
    folders: Mapping[str, Path] = field(default_factory=dict)
    """Every workspace folder by its name (``${workspaceFolder:NAME}``)."""
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def _need_file(ctx: Context, name: str) -> Path:
    if ctx.file is None:
        raise UnsupportedVariable(f"${{{name}}} needs an open file: run the task from one")
    return ctx.file


def _value(name: str, ctx: Context) -> str:
    folder = ctx.folder
    if name in ("workspaceFolder", "workspaceRoot", "fileWorkspaceFolder"):
        return str(folder)
    if name == "workspaceFolderBasename":
        return folder.name
    if name.startswith("workspaceFolder:"):
        other = ctx.folders.get(name.partition(":")[2])
        if other is None:
            raise UnsupportedVariable(f"${{{name}}}: no workspace folder of that name")
        return str(other)
    if name.startswith("env:"):
        return ctx.env.get(name[4:], "")
    if name == "cwd":
        return str(folder)  # VS Code: the task runner's start directory, the folder
    if name == "userHome":
        return str(Path.home())
    if name in ("pathSeparator", "/"):
        return os.sep
    if name == "lineNumber":
        if ctx.line is None:
            raise UnsupportedVariable("${lineNumber} needs the cursor's line: run from a file")
        return str(ctx.line)
    if name.startswith("file") or name.startswith("relativeFile"):
        f = _need_file(ctx, name)
        files = {
            "file": str(f),
            "fileBasename": f.name,
            "fileBasenameNoExtension": f.stem,
            "fileExtname": f.suffix,
            "fileDirname": str(f.parent),
            "fileDirnameBasename": f.parent.name,
        }
        if name in files:
            return files[name]
        try:
            rel = f.relative_to(folder)
        except ValueError:
            rel = f
        if name == "relativeFile":
            return str(rel)
        if name == "relativeFileDirname":
            return str(rel.parent)
    raise UnsupportedVariable(
        f"${{{name}}} is not supported in tasks run by Tieline (config:, command:, input: and "
        "the editor's selection need the editor itself)"
    )


def resolve(text: str, ctx: Context) -> str:
    """``text`` with every ``${...}`` filled in, or :class:`UnsupportedVariable`."""
    if "${" not in text:
        return text
    return _VARIABLE.sub(lambda m: _value(m.group(1), ctx), text)


__all__ = ["Context", "UnsupportedVariable", "resolve"]
