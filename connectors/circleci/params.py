"""CircleCI pipeline parameters as the sdk's trigger inputs, and inputs back as parameters.

A config declares ``parameters:`` with a ``type`` (``string``, ``boolean``, ``integer``,
``enum``, ``env_var_name``, and the config-only ``executor`` and ``steps``), a ``default``
(none: the parameter is required) and a ``description``. An editor's form sends strings;
CircleCI refuses ``"true"`` for a boolean or ``"3"`` for an integer, so :func:`typed` turns
them back into the JSON type the parameter declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.sdk import InvalidRequest, TriggerInput

#: Pipeline parameter types the API can set (``executor``/``steps`` are config-only).
INPUT_TYPES: dict[str, str] = {
    "string": "string",
    "env_var_name": "string",
    "boolean": "boolean",
    "integer": "number",
    "enum": "choice",
}


def declared_parameters(source: str) -> Mapping[str, Any]:
    """``parameters:`` of a CircleCI config (YAML, read with ``safe_load``), or nothing when
    the config is not readable YAML or declares none."""
    import yaml  # imported here: only triggers() needs it

    try:
        doc = yaml.safe_load(source) if source else None
    except yaml.YAMLError:
        return {}
    params = doc.get("parameters") if isinstance(doc, dict) else None
    if not isinstance(params, dict):
        return {}
    return {str(k): v for k, v in params.items() if isinstance(v, dict)}


def usable(spec: Mapping[str, Any]) -> bool:
    return str(spec.get("type", "string")) in INPUT_TYPES


def trigger_input(name: str, spec: Mapping[str, Any]) -> TriggerInput:
    kind = str(spec.get("type", "string"))
    default = spec.get("default")
    if isinstance(default, bool):
        shown: str | None = "true" if default else "false"
    else:
        shown = None if default is None else str(default)
    options = tuple(str(o) for o in spec.get("enum") or ()) if kind == "enum" else ()
    return TriggerInput(
        name=name,
        description=str(spec.get("description") or ""),
        type=INPUT_TYPES[kind],
        required="default" not in spec,
        default=shown,
        options=options,
    )


def typed(name: str, value: str, kind: str | None) -> Any:
    """An input's string as the JSON type its parameter declares (CircleCI refuses ``"true"``
    for a boolean parameter)."""
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false"):
            raise InvalidRequest(f"CircleCI: parameter {name} takes true or false, not {value!r}")
        return lowered == "true"
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise InvalidRequest(
                f"CircleCI: parameter {name} takes a whole number, not {value!r}"
            ) from None
    return value
