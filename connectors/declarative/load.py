"""Reading a declarative manifest file, with errors that point into it.

Every problem becomes one :class:`~connectors.sdk.errors.ManifestError` whose message names
the file, the line, the key, what is wrong and what was expected::

    .tieline/connectors/tt.toml:12: endpoints.get.select: invalid JMESPath 'items[' (...)
    .tieline/connectors/tt.toml:3: auth.kind: unknown key (expected one of: header, help, ...)
"""

from __future__ import annotations

import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from connectors.sdk.errors import ManifestError

from .locate import locate
from .spec import Spec


def read(path: Path, *, named: bool = True) -> tuple[Spec, str]:
    """The manifest at ``path`` and its text; :class:`ManifestError` saying what is wrong.
    ``named=False`` leaves the path out of the message (the caller names the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read the file: {exc}") from exc
    return parse(text, source=str(path) if named else ""), text


def parse(text: str, *, source: str = "<manifest>") -> Spec:
    """Validate a manifest's text. Problems are ``source:line: key: what`` (``line N: ...``
    with no ``source``), several joined by ``; ``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib says "Expected '=' after a key ... (at line 3, column 7)".
        raise ManifestError(f"{source + ': ' if source else ''}not valid TOML: {exc}") from exc
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(e, text, source) for e in exc.errors()]
        raise ManifestError("; ".join(problems)) from exc


def _describe(error: Any, text: str, source: str) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    key = ".".join(str(p) for p in loc) or "(top)"
    line = locate(text, loc)
    if source:
        where = f"{source}:{line}: " if line else f"{source}: "
    else:
        where = f"line {line}: " if line else ""
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        expected = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        return f"{where}{key}: unknown key{expected}"
    if kind == "missing":
        needed = _fields_at(loc, required=True)
        if _fields_at(loc):
            keys = f" with {', '.join(needed)}" if needed else ""
            return f"{where}{key}: missing (expected a [{key}] table{keys})"
        return f"{where}{key}: missing (expected a value)"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    shown = f" (got {got!r})" if kind not in ("value_error",) and _plain(got) else ""
    return f"{where}{key}: {message}{shown}"


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) < 80


def _fields_at(loc: tuple[Any, ...], *, required: bool = False) -> list[str]:
    """The keys the model at ``loc`` takes, or only those it needs (``[]`` when ``loc`` is
    not a model)."""
    model: Any = Spec
    for part in loc:
        model = _step(model, part)
        if model is None:
            return []
    model = _model_of(model)
    if model is None:
        return []
    return sorted(n for n, f in model.model_fields.items() if f.is_required() or not required)


def _step(annotation: Any, part: Any) -> Any:
    """The annotation one step down ``annotation`` at ``part`` (a field, an index, a key)."""
    model = _model_of(annotation)
    if model is not None and isinstance(part, str) and part in model.model_fields:
        return model.model_fields[part].annotation
    for arg in typing.get_args(annotation):
        if arg is type(None):
            continue
        origin = typing.get_origin(arg) or arg
        if origin in (tuple, list) and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict:
            return typing.get_args(arg)[1]
    origin = typing.get_origin(annotation)
    if origin in (tuple, list) and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None
