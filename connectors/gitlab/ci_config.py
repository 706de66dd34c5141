"""What a hand-started GitLab pipeline asks for, read from the project's ``.gitlab-ci.yml``.

GitLab's "Run pipeline" form offers two kinds of input, and so does Tieline:

- **Prefilled variables** (docs.gitlab.com/ci/pipelines/#prefill-variables-in-manual-pipelines):
  top-level ``variables:`` entries that have a ``description``; ``value`` is the default
  and ``options`` (GitLab 15.7+) a fixed list to choose from. Entries without a description
  are not offered (GitLab's form does not show them either); a person may still send any
  variable.
- **CI/CD inputs** (docs.gitlab.com/ci/inputs/): the header document ``spec: inputs:``
  before a ``---``, each with an optional ``type`` (``string``, ``number``, ``boolean``,
  ``array``), ``default`` (an input without one is required), ``description`` and
  ``options``. They are sent as the pipeline's ``inputs`` (GitLab 17.x+), typed.

Variables may also come from ``include:``d files, which only GitLab resolves: for a file
with ``include:`` the connector asks GitLab's CI lint for the merged configuration and reads
its variables from that (:func:`parse` reads both; the merged YAML's keys are Ruby symbols,
``:variables:``, which are read as plain names).

GitLab's own tags (``!reference [.setup, script]``) are not YAML that ``safe_load`` knows;
the loader reads any tagged node as its plain value, since only ``spec`` and ``variables``
matter here. A file that is not YAML, or not a mapping, offers nothing rather than failing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from connectors.sdk.ci import TriggerInput

CI_FILE = ".gitlab-ci.yml"


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` that reads GitLab's custom tags as untagged values."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None


_Loader.add_multi_constructor("!", _untagged)


@dataclass(frozen=True)
class CIConfig:
    """The inputs and the prefilled variables of one ``.gitlab-ci.yml``."""

    inputs: tuple[TriggerInput, ...] = ()
    variables: tuple[TriggerInput, ...] = ()
    #: ``spec:inputs`` types by name, so string values from the editor are sent typed.
    input_types: Mapping[str, str] = field(default_factory=dict)
    #: Does the pipeline ``include:`` other files (whose variables only GitLab can merge)?
    includes: bool = False

    @property
    def offered(self) -> tuple[TriggerInput, ...]:
        """Everything the form asks for: inputs first (they shape the pipeline), then
        variables; a variable named like an input is the input's."""
        names = {i.name for i in self.inputs}
        return self.inputs + tuple(v for v in self.variables if v.name not in names)


def parse(text: str) -> CIConfig:
    """Read ``.gitlab-ci.yml`` (one document, or a ``spec`` header and the pipeline)."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError:
        return CIConfig()
    header: Mapping[str, Any] = {}
    body: Mapping[str, Any] = {}
    docs = [_plain_keys(d) for d in docs]
    for doc in docs:
        if not isinstance(doc, Mapping):
            continue
        if "spec" in doc and not header:
            header = doc
        else:
            body = doc
            break
    spec = header.get("spec")
    raw_inputs = spec.get("inputs") if isinstance(spec, Mapping) else None
    inputs: list[TriggerInput] = []
    types: dict[str, str] = {}
    if isinstance(raw_inputs, Mapping):
        for name, conf in raw_inputs.items():
            conf = conf if isinstance(conf, Mapping) else {}
            kind = str(conf.get("type") or "string")
            types[str(name)] = kind
            inputs.append(_input(str(name), conf, kind))
    variables: list[TriggerInput] = []
    raw_vars = body.get("variables")
    if isinstance(raw_vars, Mapping):
        for name, conf in raw_vars.items():
            if isinstance(conf, Mapping) and conf.get("description") is not None:
                variables.append(_variable(str(name), conf))
    return CIConfig(tuple(inputs), tuple(variables), types, includes="include" in body)


def _plain_keys(node: Any) -> Any:
    """``{":variables": {":A": ...}}`` (the lint's merged YAML) as ``{"variables": ...}``."""
    if isinstance(node, Mapping):
        return {
            (k[1:] if isinstance(k, str) and k.startswith(":") else k): _plain_keys(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_plain_keys(v) for v in node]
    return node


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _input(name: str, conf: Mapping[str, Any], kind: str) -> TriggerInput:
    options = tuple(_text(o) for o in conf.get("options") or ())
    has_default = "default" in conf
    default = conf.get("default")
    return TriggerInput(
        name=name,
        description=str(conf.get("description") or ""),
        type="choice"
        if options
        else {"boolean": "boolean", "number": "number"}.get(kind, "string"),
        required=not has_default,
        default=_text(default) if has_default and default is not None else None,
        options=options,
    )


def _variable(name: str, conf: Mapping[str, Any]) -> TriggerInput:
    options = tuple(_text(o) for o in conf.get("options") or ())
    value = conf.get("value")
    return TriggerInput(
        name=name,
        description=str(conf.get("description") or ""),
        type="choice" if options else "string",
        default=_text(value) if value is not None else None,
        options=options,
    )


def typed_input(kind: str, value: str) -> Any:
    """An input's string from the editor as the JSON value its ``type`` says: ``number``
    as a number, ``boolean`` as ``true``/``false``, ``array`` parsed as JSON (or split on
    commas when it is not JSON). GitLab rejects an input of the wrong type."""
    if kind == "boolean":
        return value.strip().lower() in ("true", "1", "yes", "on")
    if kind == "number":
        try:
            n = float(value)
        except ValueError:
            return value  # GitLab says what it expected
        return int(n) if n.is_integer() else n
    if kind == "array":
        try:
            parsed = json.loads(value)
        except ValueError:
            return [v.strip() for v in value.split(",") if v.strip()]
        return parsed if isinstance(parsed, list) else [parsed]
    return value
