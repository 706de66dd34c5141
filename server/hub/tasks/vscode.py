"""Tasks of VS Code's ``.vscode/tasks.json`` (schema 2.0.0).

The file is JSONC (comments, trailing commas), read with ``json5`` (a superset, so every
tasks.json VS Code accepts parses). What is taken, as VS Code's task schema defines it
(code.visualstudio.com/docs/editor/tasks-appendix):

- ``tasks[]`` of ``type`` ``shell`` or ``process`` (``type`` absent counts as ``process``
  as VS Code does); ``label`` (or the old ``taskName``), ``command`` and ``args`` (strings
  or ``{value, quoting}``), ``options.cwd``, ``options.env``, ``options.shell``
  (``executable``, ``args``), ``group``, ``detail``, and the ``linux``/``osx`` sections
  over the rest; top-level ``options`` (and its ``linux``/``osx``) under each task's own;
- a ``shell`` task is one command line handed to the shell (``$SHELL -c``, else
  ``/bin/sh -c``): ``command`` as written, then each argument quoted the way its
  ``quoting`` says (``escape``, ``strong``, ``weak``) -- by default an argument with
  whitespace is quoted strongly, as VS Code does, and others go as written;
- a ``process`` task runs ``command`` with ``args`` as its argument vector, no shell.

Not supported (the task is listed and runs; what is ignored is named in its tooltip):
``dependsOn``/``dependsOrder`` (the task runs alone; one with only ``dependsOn`` and no
command is skipped), ``problemMatcher`` (Tieline reads ``path:line`` errors itself, with the
CI failure parsers), ``isBackground``, ``presentation``, ``runOptions``. Tasks of other
types (``npm``, ``typescript``, an extension's ``type``) need that extension and are
skipped, as are Windows-only tasks (``windows`` sections are not read).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import json5

from .models import Discovered, Task

#: Keys of a task Tieline knows it ignores, and how the tooltip names them.
_IGNORED = {
    "dependsOn": "dependsOn",
    "problemMatcher": "problemMatcher (errors are read from the output)",
    "isBackground": "isBackground",
    "runOptions": "runOptions",
}
_PLATFORM = "osx" if sys.platform == "darwin" else "linux"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on ``base``, dictionaries (``options``, ``env``) merged key by key."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _platform(obj: dict[str, Any]) -> dict[str, Any]:
    section = obj.get(_PLATFORM)
    return _merge(obj, section) if isinstance(section, dict) else obj


def _text(value: Any) -> tuple[str, str | None] | None:
    """A command or argument: a string, or ``{value, quoting}`` (value may be a list of
    strings, joined by spaces as VS Code does)."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        v = value.get("value")
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            v = " ".join(v)
        q = value.get("quoting")
        if isinstance(v, str):
            return v, q if isinstance(q, str) else None
    return None


def quote_arg(value: str, quoting: str | None) -> str:
    """One argument of a shell task, quoted as ``quoting`` says (POSIX shells)."""
    if quoting == "escape":
        return "".join("\\" + c if c in " \t\"'\\$`&|;<>()*?[]#~!{}" else c for c in value)
    if quoting == "weak":
        return '"' + "".join("\\" + c if c in '"\\`' else c for c in value) + '"'
    if quoting == "strong" or (quoting is None and any(c.isspace() for c in value)):
        return shlex.quote(value)
    return value


def _shell(options: dict[str, Any]) -> tuple[str, ...]:
    spec = options.get("shell")
    if isinstance(spec, dict) and isinstance(spec.get("executable"), str):
        args = spec.get("args")
        extra = tuple(a for a in args if isinstance(a, str)) if isinstance(args, list) else ()
        return (spec["executable"], *(extra or ("-c",)))
    return (os.environ.get("SHELL") or "/bin/sh", "-c")


def _task(raw: dict[str, Any], defaults: dict[str, Any], folder: Path) -> Task | str | None:
    """One task, a problem to report, or ``None`` to skip quietly."""
    raw = _platform(raw)
    label = raw.get("label", raw.get("taskName"))
    if not isinstance(label, str) or not label.strip():
        return "a task without a label was skipped"
    kind = raw.get("type", "process")
    if kind not in ("shell", "process"):
        return f"{label!r}: tasks of type {kind!r} need their VS Code extension; skipped"
    command = _text(raw.get("command"))
    if command is None or not command[0].strip():
        if raw.get("dependsOn"):
            return f"{label!r} only runs other tasks (dependsOn), which Tieline does not; skipped"
        return f"{label!r} has no command; skipped"
    args = [a for a in (_text(x) for x in raw.get("args") or []) if a is not None]
    own = raw.get("options")
    options = _merge(defaults, own if isinstance(own, dict) else {})
    cwd = options.get("cwd") if isinstance(options.get("cwd"), str) else "${workspaceFolder}"
    env_raw = options.get("env")
    env = {
        str(k): str(v)
        for k, v in (env_raw.items() if isinstance(env_raw, dict) else ())
        if isinstance(v, str | int | float)
    }
    if kind == "shell":
        line = " ".join([command[0], *(quote_arg(v, q) for v, q in args)])
        argv: tuple[str, ...] = (*_shell(options), line)
        detail = line
    else:
        argv = (command[0], *(v for v, _ in args))
        detail = shlex.join(argv)
    group = raw.get("group")
    if isinstance(group, dict):
        group = group.get("kind")
    unsupported = tuple(name for key, name in _IGNORED.items() if raw.get(key))
    return Task(
        source="vscode",
        name=label,
        folder=folder,
        argv=argv,
        cwd=cwd,
        env=env,
        templated=True,
        detail=raw.get("detail") if isinstance(raw.get("detail"), str) else detail,
        group=group if isinstance(group, str) else None,
        unsupported=unsupported,
    )


def discover(folder: Path, out: Discovered) -> None:
    """Add the tasks of ``folder/.vscode/tasks.json`` (if any) to ``out``."""
    path = folder / ".vscode" / "tasks.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(f".vscode/tasks.json could not be read: {exc}")
        return
    try:
        data = json5.loads(text)
    except ValueError as exc:
        out.problems.append(f".vscode/tasks.json is not valid JSON with comments: {exc}")
        return
    if not isinstance(data, dict) or not isinstance(data.get("tasks", []), list):
        out.problems.append(".vscode/tasks.json: expected an object with a list of tasks")
        return
    top = _platform({k: v for k, v in data.items() if k in ("options", "linux", "osx")})
    defaults = top["options"] if isinstance(top.get("options"), dict) else {}
    seen: set[str] = set()
    for raw in data.get("tasks", []):
        if not isinstance(raw, dict):
            continue
        got = _task(raw, defaults, folder)
        if isinstance(got, str):
            out.problems.append(f".vscode/tasks.json: {got}")
        elif got is not None and got.name not in seen:
            seen.add(got.name)
            out.tasks.append(got)


__all__ = ["discover", "quote_arg"]
