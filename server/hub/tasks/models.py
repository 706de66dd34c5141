"""A workspace task as discovered, before anything about the editor's state is filled in.

Every source (VS Code's ``tasks.json``, a Makefile, ``package.json``, a ``justfile``) comes
down to the same thing: a program and its arguments, a directory and extra environment.
Only ``tasks.json`` tasks are *templated* (``${workspaceFolder}``, ``${file}``, ...: see
:mod:`.variables`); the others' names go into ``argv`` as they are, one argument each,
never through a shell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["vscode", "make", "npm", "just"]
#: How each source is named in the panel.
SOURCE_NAMES: dict[str, str] = {
    "vscode": "tasks.json",
    "make": "make",
    "npm": "package.json",
    "just": "just",
}


class Task(BaseModel):
    """One task of one workspace folder."""

    model_config = ConfigDict(frozen=True)

    source: Source
    name: str
    """As the tool names it: the target, the script, the recipe, the task's label."""
    folder: Path
    """The workspace folder it was found in."""
    argv: tuple[str, ...]
    """The program and its arguments. A ``shell`` task is ``(shell, *shell_args, line)``."""
    cwd: str
    """Where it runs (templated for ``vscode`` tasks)."""
    env: dict[str, str] = Field(default_factory=dict)
    """Added to the server's environment."""
    templated: bool = False
    """``argv``, ``cwd`` and ``env`` may hold ``${...}`` variables, resolved at each run."""
    detail: str | None = None
    """What it does, in a word or a command line (for the panel's tooltip)."""
    group: str | None = None
    """``build`` or ``test`` (tasks.json's ``group``)."""
    unsupported: tuple[str, ...] = ()
    """What of its definition Tieline ignores (``dependsOn``, a problem matcher...)."""

    @property
    def id(self) -> str:
        """``<source>:<name>``: unique within its folder."""
        return f"{self.source}:{self.name}"


class Discovered(BaseModel):
    """The tasks of one folder, and what could not be read (shown, never raised)."""

    folder: Path
    tasks: list[Task] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


__all__ = ["SOURCE_NAMES", "Discovered", "Source", "Task"]
