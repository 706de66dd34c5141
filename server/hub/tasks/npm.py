"""``package.json`` scripts, run with the package manager the folder uses.

Which one: the ``packageManager`` field (Corepack's, ``pnpm@9.1.0``) when it names one,
else the lockfile beside ``package.json`` -- ``pnpm-lock.yaml`` (pnpm), ``yarn.lock``
(yarn), ``bun.lock``/``bun.lockb`` (bun), ``package-lock.json``/``npm-shrinkwrap.json``
(npm) -- else npm. A script runs as ``<manager> run <name>``, the name one argument.
Only the folder's own ``package.json`` is read (a monorepo's packages are not walked);
names starting with ``-`` are skipped (a package manager would read them as options).
"""

from __future__ import annotations

import json
from pathlib import Path

from .models import Discovered, Task

LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})


def manager(folder: Path, package: dict[str, object]) -> str:
    """The package manager ``folder`` uses (see the module docstring)."""
    field = package.get("packageManager")
    if isinstance(field, str):
        name = field.split("@", 1)[0].strip()
        if name in MANAGERS:
            return name
    for lock, name in LOCKFILES:
        if (folder / lock).is_file():
            return name
    return "npm"


def discover(folder: Path, out: Discovered) -> None:
    """Add ``folder/package.json``'s scripts to ``out``."""
    path = folder / "package.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        out.problems.append(f"package.json could not be read: {exc}")
        return
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return
    pm = manager(folder, data)
    for name, command in scripts.items():
        if not isinstance(name, str) or not name or name.startswith("-"):
            continue
        if not isinstance(command, str):
            continue
        out.tasks.append(
            Task(
                source="npm",
                name=name,
                folder=folder,
                argv=(pm, "run", name),
                cwd=str(folder),
                detail=f"{pm} run {name}: {command}",
            )
        )


__all__ = ["LOCKFILES", "MANAGERS", "discover", "manager"]
