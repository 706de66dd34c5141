"""What a workflow file says about starting it by hand: its ``workflow_dispatch`` inputs.

The REST API lists workflows but not their inputs; those live only in the YAML file
(``on.workflow_dispatch.inputs``), so the connector reads the file and parses it here with
``yaml.safe_load``. YAML 1.1, which PyYAML speaks, reads the bare key ``on`` as the boolean
``True``: both spellings are looked up. ``on`` may be a string (``on: workflow_dispatch``), a
list of event names, or a mapping of event to its settings (``null`` when it has none).
"""

from __future__ import annotations

from typing import Any, Literal, cast

import yaml

from connectors.sdk.ci import TriggerInput

InputType = Literal["string", "boolean", "choice", "number", "environment", "password"]
_TYPES: frozenset[str] = frozenset({"string", "boolean", "choice", "number", "environment"})


def _events(doc: Any) -> Any:
    if not isinstance(doc, dict):
        return None
    return doc.get(True, doc.get("on"))


def dispatch_inputs(text: str) -> tuple[TriggerInput, ...] | None:
    """The inputs of the workflow in ``text``, or ``None`` when it cannot be started by hand
    (no ``workflow_dispatch`` event, or not a workflow at all). Unparsable YAML is ``None``
    too: GitHub itself refuses to run such a file."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    on = _events(doc)
    if on == "workflow_dispatch":
        return ()
    if isinstance(on, list):
        return () if "workflow_dispatch" in on else None
    if not isinstance(on, dict) or "workflow_dispatch" not in on:
        return None
    settings = on["workflow_dispatch"]
    inputs = settings.get("inputs") if isinstance(settings, dict) else None
    if not isinstance(inputs, dict):
        return ()
    return tuple(_input(str(name), spec) for name, spec in inputs.items())


def _input(name: str, spec: Any) -> TriggerInput:
    spec = spec if isinstance(spec, dict) else {}
    kind = str(spec.get("type") or "string")
    options = spec.get("options") if kind == "choice" else None
    return TriggerInput(
        name=name,
        description=str(spec.get("description") or ""),
        type=cast(InputType, kind if kind in _TYPES else "string"),
        required=_bool(spec.get("required", False)),
        default=_text(spec.get("default")),
        options=tuple(str(o) for o in options) if isinstance(options, list) else (),
    )


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _text(value: Any) -> str | None:
    """A default the way the dispatch form sends it: booleans as ``true``/``false``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
