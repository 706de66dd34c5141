"""GitHub's OpenAPI description, loaded once per process: request validation and examples.

Building openapi-core's validator over the 13 MB description is the slow part; we skip
openapi-core's own *spec* validation (GitHub publishes a valid document and checking it costs
~25 s) and memoise the result, so a pytest session or a stand-in process pays once.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

PEERS = Path(__file__).resolve().parents[1] / "peers" / "node_modules"
SPEC_PATH = PEERS / "@octokit" / "openapi" / "generated" / "api.github.com.json"
FIXTURES = PEERS / "@octokit" / "fixtures" / "scenarios" / "api.github.com"
SERVER = "https://api.github.com"


def available() -> bool:
    """True when the Node peers (installed by ``scripts/test-peers.sh``) are present."""
    return SPEC_PATH.is_file()


@functools.cache
def document() -> dict[str, Any]:
    """The raw OpenAPI document as a dict (parsed once)."""
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return data


@functools.cache
def validator() -> OpenAPI:
    """openapi-core's request validator over GitHub's description (built once)."""
    return OpenAPI.from_dict(document(), config=Config(spec_validator_cls=None))


@dataclass
class _Request:
    """openapi-core's request protocol. Host is always GitHub's server URL so the
    description's ``servers`` entry matches whatever port the stand-in runs on."""

    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None = None
    content_type: str = "application/json"
    host_url: str = field(default=SERVER)


def violations(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes | None,
    content_type: str | None,
) -> list[str]:
    """Every way this request breaks GitHub's description (empty when it is allowed)."""
    req = _Request(
        path=path,
        method=method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        ),
        body=body or None,
        content_type=(content_type or "application/json").lower(),
    )
    problems: list[str] = []
    for err in validator().iter_request_errors(req):
        detail = str(err)
        cause = err.__cause__
        if cause is not None and str(cause) not in detail:
            detail += f" ({cause})"
        problems.append(f"{method.upper()} {path}: {detail}")
    return problems


def _resolve(node: Any) -> Any:
    doc = document()
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        target: Any = doc
        for p in parts:
            target = target[p]
        node = target
    return node


def example(path: str, method: str, status: str = "200", name: str | None = None) -> Any:
    """A deep copy of the documented example response body for an operation.

    GitHub wraps some examples as ``{value: {$ref: '#/components/examples/X'}}`` (or refers to
    the example object itself); both are unwrapped here.
    """
    op = document()["paths"][path][method.lower()]
    resp = _resolve(op["responses"][status])
    examples = resp["content"]["application/json"]["examples"]
    chosen = _resolve(examples[name] if name else next(iter(examples.values())))
    value = chosen["value"] if isinstance(chosen, dict) and "value" in chosen else chosen
    return copy.deepcopy(_resolve(value))


def component_example(name: str) -> Any:
    """A deep copy of ``#/components/examples/<name>``'s value."""
    return copy.deepcopy(_resolve(document()["components"]["examples"][name]["value"]))
