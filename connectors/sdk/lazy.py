"""PEP 562 lazy exports for a package ``__init__``: each name is imported on first use.

Used where importing a package must stay cheap (the language server answers ``initialize``
before it needs pydantic models, Pygments or httpx). The package keeps its names under
``TYPE_CHECKING`` for type checkers and hands a name → submodule table to :func:`attach`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


def attach(
    package: str, table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, loading ``name`` from ``table[name]``."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        mod = sys.modules[package]
        return sorted(set(vars(mod)) | set(getattr(mod, "__all__", ())))

    return __getattr__, __dir__


def lazy_module(name: str) -> ModuleType:
    """Module ``name``, executed on first attribute access (the standard library's
    :class:`importlib.util.LazyLoader`): for a module used only by handlers, which must
    not load before the server answers ``initialize``. Type checkers should see a plain
    import under ``TYPE_CHECKING``."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
