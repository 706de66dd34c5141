"""The Python standard library's names, read from this interpreter: the default Python set
when docs.python.org's ``objects.inv`` has not been fetched (no network yet, or never).

Each public module of ``sys.stdlib_module_names`` (and its public submodules) is imported in a
child process -- some modules act on import, all of them cost memory the language server
should not keep -- and every public function, class, method and exception it defines is
written down with its signature and the first paragraph of its docstring. The result is cached
as JSON per interpreter version under the data directory, so the import walk runs once.

Links: ``library/<module>.html#<module>.<name>`` on docs.python.org when the module itself (or
its C accelerator, such as ``_json``) defines the name, which is how the Python docs name their
anchors; a name re-exported from an undocumented submodule (``asyncio.gather``, defined in
``asyncio.tasks``) links to docs.python.org's search for it instead. Once the real inventory
is fetched (``docs.stdlib = "auto"`` and a network), its exact links replace these.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import io
import json
import os
import pkgutil
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from connectors.sdk.errors import TielineError

from .model import DocEntry

FORMAT = 3
#: Not documentation (tests, IDLE, demos), or modules that act when imported.
SKIP = frozenset(
    [
        "antigravity",
        "this",
        "__hello__",
        "__phello__",
        "idlelib",
        "test",
        "lib2to3",
        "turtledemo",
        "pydoc_data",
        "ensurepip",
        "venv",
        "tkinter",
        "turtle",
        "xxsubtype",
        "xxlimited",
        "ntpath",  # os.path on Windows, documented as os.path
        "genericpath",
        "nturl2path",
    ]
)
#: Where ``builtins`` names are documented.
BUILTIN_TYPES = [
    "str",
    "bytes",
    "bytearray",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "int",
    "float",
    "complex",
    "memoryview",
    "range",
]
BUILD_TIMEOUT = 180.0
SUMMARY_CHARS = 400


def docs_root() -> str:
    return f"https://docs.python.org/{sys.version_info.major}.{sys.version_info.minor}/"


def cache_file(cache_dir: Path) -> Path:
    v = sys.version_info
    return cache_dir / f"stdlib-{v.major}.{v.minor}.{v.micro}-{FORMAT}.json"


class StdlibError(TielineError):
    """The standard library's index could not be built."""


async def ensure_built(cache_dir: Path) -> Path:
    """The cached index's file, built first (in a child process) if there is none."""
    path = cache_file(cache_dir)
    if not await asyncio.to_thread(path.is_file):
        await _build_in_child(path)
    return path


def read(path: Path, *, set_id: str = "python") -> list[DocEntry]:
    """The entries of a built index."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows: list[list[str]] = data["entries"]
    except (OSError, ValueError, KeyError) as exc:
        raise StdlibError(f"unreadable standard library index {path.name}") from exc
    return [DocEntry(n, k, u, set_id, s) for n, k, u, s in rows]


async def load_or_build(cache_dir: Path, *, set_id: str = "python") -> list[DocEntry]:
    """The cached index's entries, built first if there is none."""
    path = await ensure_built(cache_dir)
    return await asyncio.to_thread(read, path, set_id=set_id)


async def _build_in_child(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",  # isolated: no user site, no PYTHON* variables, no cwd on sys.path
        "-c",
        f"import sys; sys.path.insert(0, {str(_ROOT)!r}); "
        "from server.hub.docs.stdlib import main; main(sys.argv[1])",
        str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(path.parent),
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), BUILD_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise StdlibError("building the standard library index took too long") from None
    if proc.returncode != 0 or not await asyncio.to_thread(path.is_file):
        tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise StdlibError(f"building the standard library index failed: {tail[0][:200]}")


_ROOT = Path(__file__).resolve().parents[3]


# -- the child process -------------------------------------------------------------------------


def main(out: str) -> None:
    warnings.simplefilter("ignore")
    rows = build()
    tmp = Path(out + ".tmp")
    tmp.write_text(json.dumps({"format": FORMAT, "entries": rows}), encoding="utf-8")
    os.replace(tmp, out)


def build() -> list[tuple[str, str, str, str]]:
    """Every ``(name, kind, url, summary)`` this interpreter's standard library documents."""
    root = docs_root()
    rows: list[tuple[str, str, str, str]] = []
    rows += _builtins(root)
    seen: set[str] = set()
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in SKIP or name == "builtins":
            continue
        for mod_name, module in _walk(name, depth=2):
            if mod_name in seen:
                continue
            seen.add(mod_name)
            rows += _module_rows(root, mod_name, module)
    return rows


def _import(name: str) -> Any | None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return importlib.import_module(name)
        except BaseException:  # a module may raise anything (SystemExit too) on a platform
            return None


def _walk(name: str, depth: int) -> list[tuple[str, Any]]:
    module = _import(name)
    if module is None:
        return []
    public = "os.path" if name == "posixpath" else name
    out = [(public, module)]
    path = getattr(module, "__path__", None)
    if path is not None and depth > 0:
        for info in pkgutil.iter_modules(path):
            if info.name.startswith("_") or info.name in ("test", "tests"):
                continue
            out += _walk(f"{name}.{info.name}", depth - 1)
    return out


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    para = doc.split("\n\n", 1)[0].strip()
    return para[:SUMMARY_CHARS]


def _signature(name: str, obj: Any) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"
    except Exception:  # text signatures of C functions may name what the module lacks
        return ""


def _describe(name: str, obj: Any) -> str:
    sig = _signature(name.rsplit(".", 1)[-1], obj) if callable(obj) else ""
    summary = _summary(obj)
    return f"`{sig}`\n\n{summary}".strip() if sig else summary


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isroutine(obj):
        return "function"
    return "data"


def _owned(module_name: str, real: str, obj: Any) -> bool:
    """Whether ``obj``, found in ``real`` (the module's own ``__name__``), is defined there
    or in one of its private parts -- not imported from another public module."""
    owner = getattr(obj, "__module__", None)
    if not isinstance(owner, str):
        return False
    if owner in (real, module_name):
        return True
    head = real.split(".", 1)[0]
    private = any(p.startswith("_") for p in owner.split("."))
    return owner.startswith(head + ".") or (private and owner.lstrip("_") in (real, head))


def _direct(real: str, obj: Any) -> bool:
    owner = getattr(obj, "__module__", "")
    return owner == real or (owner.startswith("_") and owner.lstrip("_") == real)


def _link(root: str, module_name: str, full: str, direct: bool) -> str:
    if direct:
        return f"{root}library/{module_name.lower()}.html#{full}"
    return f"{root}search.html?q={quote(full)}"


def _module_rows(root: str, module_name: str, module: Any) -> list[tuple[str, str, str, str]]:
    """The module's own rows. A submodule whose names its package re-exports
    (``asyncio.queues``, ``json.decoder``) is an implementation detail the docs do not
    name: its names are the package's, listed there, and it adds no rows."""
    real = module.__name__
    parent = sys.modules.get(real.rpartition(".")[0]) if "." in real else None
    shared = 0
    rows = [
        (
            module_name,
            "module",
            f"{root}library/{module_name.lower()}.html#module-{module_name}",
            _summary(module),
        )
    ]
    names = getattr(module, "__all__", None)
    if not isinstance(names, list | tuple):
        names = [n for n in dir(module) if not n.startswith("_")]
    for attr in names:
        if not isinstance(attr, str) or attr.startswith("_"):
            continue
        obj = getattr(module, attr, None)
        if obj is None or inspect.ismodule(obj) or not _owned(module_name, real, obj):
            continue
        kind = _kind(obj)
        if kind == "data":
            continue
        if parent is not None and getattr(parent, attr, None) is obj:
            shared += 1
            continue
        full = f"{module_name}.{attr}"
        direct = _direct(real, obj)
        rows.append((full, kind, _link(root, module_name, full, direct), _describe(full, obj)))
        if inspect.isclass(obj):
            rows += _members(root, module_name, full, obj, direct)
    return [] if shared and len(rows) == 1 else rows


def _members(
    root: str, module_name: str, full: str, cls: type, direct: bool
) -> list[tuple[str, str, str, str]]:
    rows = []
    for attr, value in vars(cls).items():
        if attr.startswith("_"):
            continue
        member = f"{full}.{attr}"
        if isinstance(value, property):
            rows.append((member, "attribute", _link(root, module_name, member, direct), ""))
        elif inspect.isroutine(value) or isinstance(value, classmethod | staticmethod):
            fn = getattr(cls, attr, value)
            rows.append(
                (member, "method", _link(root, module_name, member, direct), _describe(member, fn))
            )
    return rows


def _builtins(root: str) -> list[tuple[str, str, str, str]]:
    import builtins

    rows = []
    for attr in dir(builtins):
        if attr.startswith("_"):
            continue
        obj = getattr(builtins, attr)
        kind = _kind(obj)
        if kind == "data":
            continue
        page = "exceptions" if kind == "exception" else "functions"
        rows.append((attr, kind, f"{root}library/{page}.html#{attr}", _describe(attr, obj)))
    for type_name in BUILTIN_TYPES:
        cls = getattr(builtins, type_name)
        for attr, value in vars(cls).items():
            if attr.startswith("_") or not (inspect.isroutine(value) or callable(value)):
                continue
            member = f"{type_name}.{attr}"
            rows.append(
                (
                    member,
                    "method",
                    f"{root}library/stdtypes.html#{member}",
                    _describe(member, getattr(cls, attr)),
                )
            )
    return rows
