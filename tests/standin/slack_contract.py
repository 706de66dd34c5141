"""The Slack stand-in's contract: JSON Schemas generated from the argument and response types
of Slack's Node SDK (``tests/contracts/slack``; see its PROVENANCE), checked request by
request and answer by answer.

No Python validator reads TypeScript, so the types were turned into JSON Schema once
(ts-json-schema-generator) and are read here with ``jsonschema``. What the types do not say
is supplied here and said so: Slack's form encoding (every value a string, read as the type
the schema names), and the PKCE token request (the SDK's type predates PKCE).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .kit import BadRequest, Json, Request

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "slack"
PKCE_AUTHORIZE = "/oauth/v2/authorize"
TOKEN_METHOD = "oauth.v2.access"
#: What a PKCE token request may carry (docs.slack.dev/authentication/using-pkce); the SDK's
#: OAuthV2AccessArguments predates PKCE (see PROVENANCE).
TOKEN_FIELDS = {"client_id", "code", "code_verifier", "redirect_uri", "grant_type", "refresh_token"}


# -- the contract -----------------------------------------------------------------------------
@functools.cache
def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """``(requests document, method -> response schema)``, read once per process."""
    requests = json.loads((CONTRACTS / "requests.json").read_text(encoding="utf-8"))
    responses = {
        p.name.removesuffix(".json"): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((CONTRACTS / "responses").glob("*.json"))
    }
    return requests, responses


def _methods() -> dict[str, Any]:
    """Method -> its argument schema, for every method the contract covers."""
    methods: dict[str, Any] = _schemas()[0]["definitions"]["Requests"]["properties"]
    return methods


@functools.cache
def _request_validator(method: str) -> Any:
    from jsonschema import Draft7Validator

    doc, _ = _schemas()
    schema = {
        "definitions": doc["definitions"],
        **doc["definitions"]["Requests"]["properties"][method],
    }
    return Draft7Validator(schema)


@functools.cache
def _response_validator(method: str) -> Any:
    from jsonschema import Draft7Validator

    return Draft7Validator(_schemas()[1][method])


def _types_of(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, set[str]]:
    """Property -> the JSON types a schema (through $ref, allOf, anyOf, oneOf) allows it."""
    out: dict[str, set[str]] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if "$ref" in node:
            stack.append(definitions[node["$ref"].rsplit("/", 1)[-1]])
        for key in ("allOf", "anyOf", "oneOf"):
            stack.extend(node.get(key, ()))
        for name, prop in (node.get("properties") or {}).items():
            kinds = out.setdefault(name, set())
            sub = [prop]
            while sub:
                p = sub.pop()
                if "$ref" in p:
                    sub.append(definitions[p["$ref"].rsplit("/", 1)[-1]])
                    continue
                sub.extend(p.get("anyOf", ()))
                t = p.get("type")
                kinds.update([t] if isinstance(t, str) else (t or ()))
                if "const" in p or "enum" in p:
                    values = [p["const"]] if "const" in p else p["enum"]
                    kinds.update(type_name(v) for v in values)
    return out


def type_name(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string"}.get(
        type(value), "object"
    )


def _coerce(value: str, kinds: set[str]) -> Any:
    """A form field read as its schema's type: Slack's form encoding carries only strings."""
    if "string" in kinds:
        return value
    if "boolean" in kinds and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    if kinds & {"number", "integer"}:
        try:
            return int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    if kinds & {"object", "array"}:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def arguments(req: Request) -> dict[str, Any]:
    """A method call's arguments, typed: JSON as sent, form fields read by the schema."""
    ctype = req.headers.get("content-type", "")
    if "json" in ctype:
        body = req.json
        if not isinstance(body, dict):
            raise BadRequest("the JSON body is not an object")
        return {**req.args, **body}
    pairs = [*req.query, *parse_qsl(req.body.decode("utf-8"), keep_blank_values=True)]
    method = req.path.removeprefix("/api/")
    doc, _ = _schemas()
    props = doc["definitions"]["Requests"]["properties"]
    kinds = _types_of(props[method], doc["definitions"]) if method in props else {}
    return {k: _coerce(v, kinds.get(k, {"string"})) for k, v in pairs}


@dataclass
class SlackContract:
    """The kit's ``Contract`` over the generated schemas: requests by method, answers too."""

    path: Path = CONTRACTS / "requests.json"

    def available(self) -> bool:
        return self.path.is_file() and (CONTRACTS / "responses").is_dir()

    def warm(self) -> None:
        for method in _methods():
            _request_validator(method)
        for method in _schemas()[1]:
            _response_validator(method)

    def check(self, req: Request) -> list[str]:
        where = f"{req.method} {req.path}"
        if req.path == PKCE_AUTHORIZE:
            return [f"{where}: {p}" for p in _authorize_problems(req)]
        method = req.path.removeprefix("/api/")
        if not req.path.startswith("/api/"):
            return [f"{where}: not a Web API method path"]
        if req.method != "POST":
            return [f"{where}: Tieline posts every method (GET is for reads only)"]
        try:
            args = arguments(req)
        except BadRequest as exc:
            return [f"{where}: {exc}"]
        if method == TOKEN_METHOD:
            extra = set(args) - TOKEN_FIELDS
            missing = {"client_id", "code_verifier"} - set(args) if "code" in args else set()
            return [f"{where}: unexpected {sorted(extra)}"] * bool(extra) + [
                f"{where}: missing {sorted(missing)}"
            ] * bool(missing)
        if method not in _methods():
            return [f"{where}: a method this contract does not cover"]
        if "token" in args:
            return [f"{where}: the token belongs in the Authorization header, not the body"]
        return [
            f"{where}: {'/'.join(str(p) for p in e.absolute_path) or '(arguments)'}: {_said(e)}"
            for e in _request_validator(method).iter_errors(args)
        ]

    def answer_problems(self, method: str, body: Json) -> list[str]:
        if method not in _schemas()[1]:
            return []
        return [
            f"answer to {method}: {'/'.join(str(p) for p in e.absolute_path) or '(body)'}: "
            f"{e.message}"
            for e in _response_validator(method).iter_errors(body)
        ]


def _said(error: Any) -> str:
    """A schema error in words; for a union (chat.postMessage's arguments are one) the
    branch that came closest says what is wrong, not only "valid under none"."""
    if not error.context:
        return str(error.message)
    from jsonschema.exceptions import best_match

    closest = best_match(error.context)
    where = "/".join(str(p) for p in closest.absolute_path)
    return f"{closest.message}{f' (at {where})' if where else ''}"


def _authorize_problems(req: Request) -> list[str]:
    a = req.args
    out = []
    for name in ("client_id", "redirect_uri", "state", "code_challenge", "user_scope"):
        if not a.get(name):
            out.append(f"missing {name}")
    if a.get("code_challenge_method") != "S256":
        out.append("code_challenge_method must be S256")
    if a.get("scope"):
        out.append("a loopback (desktop) redirect may not ask for bot scopes (scope)")
    if not a.get("redirect_uri", "").startswith("http://127.0.0.1:"):
        out.append("redirect_uri is not a loopback address")
    return out
