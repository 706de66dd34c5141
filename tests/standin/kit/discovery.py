"""Contracts from Google API discovery documents (``calendar.v3.json``, ``gmail.v1.json``).

Google describes each API in a discovery document rather than OpenAPI: methods under nested
``resources``, each with an ``httpMethod``, a ``path`` template relative to ``rootUrl`` +
``servicePath`` (``flatPath`` when the path uses ``{+reserved}`` expansion), typed
``parameters`` (``location`` path or query; ``type``, ``format``, ``enum``, ``repeated``,
``required``) and request/response schemas named by ``$ref`` into ``schemas``. This module
judges a request against that: the method found by verb and path, every parameter typed,
query parameters the method does not take refused (the API-wide ones -- ``fields``, ``key``,
``alt``, ``prettyPrint``, ``quotaUser`` ... -- allowed everywhere), and a JSON body checked
against the request schema, unknown fields included (Google answers ``Invalid JSON payload
received. Unknown name``). :meth:`DiscoveryContract.answer_errors` checks a stand-in's own
answer against the response schema, so a stand-in cannot serve a shape Google never sends.

Paths are matched against the path part of ``rootUrl + servicePath`` (``/calendar/v3/...``,
``/gmail/v1/...``), so a stand-in on any port serves them. Documents and their method
indexes are built once per process (a few ms each: they are ~150 KB).

Not checked: ``annotations.required`` (Google marks only some methods' required body fields
that way), media uploads (``/upload/...``), and ``minimum``/``maximum`` of body values.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .contract import _timed
from .request import Request

#: Query parameters every Google API takes, whether or not a document lists them
#: (https://cloud.google.com/apis/docs/system-parameters).
STANDARD_PARAMETERS = frozenset(
    {
        "$.xgafv",
        "access_token",
        "alt",
        "callback",
        "fields",
        "key",
        "oauth_token",
        "prettyPrint",
        "quotaUser",
        "upload_protocol",
        "uploadType",
        "userIp",
    }
)
_TEMPLATE = re.compile(r"\{(\+?)([^}]+)\}")
_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


@dataclass(frozen=True)
class Method:
    """One method of a discovery document, with its path compiled to a regex."""

    id: str
    http_method: str
    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]  # the path parameters, in the order of the regex's groups
    parameters: Mapping[str, Any]
    request: str | None
    response: str | None
    literal: int  # characters of the template outside {...}: the more, the more specific
    #: OAuth scopes any one of which lets a token call the method.
    scopes: tuple[str, ...] = ()

    def match(self, path: str) -> dict[str, str] | None:
        m = self.pattern.fullmatch(path)
        if m is None:
            return None
        return {name: unquote(value) for name, value in zip(self.names, m.groups(), strict=True)}


@dataclass(frozen=True)
class _Index:
    doc: Mapping[str, Any]
    methods: tuple[Method, ...]
    standard: frozenset[str]


def _walk(resources: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _walk(resource.get("resources", {}))


def _compile(prefix: str, template: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    parts: list[str] = []
    names: list[str] = []
    at = 0
    literal = 0
    for m in _TEMPLATE.finditer(template):
        parts.append(re.escape(template[at : m.start()]))
        literal += m.start() - at
        parts.append("(.+)" if m.group(1) else "([^/]+)")
        names.append(m.group(2))
        at = m.end()
    parts.append(re.escape(template[at:]))
    literal += len(template) - at
    return re.compile(re.escape(prefix) + "".join(parts)), tuple(names), literal


@functools.cache
def _index(path: Path) -> _Index:
    started = time.perf_counter()
    doc = json.loads(path.read_text(encoding="utf-8"))
    root = urlsplit(doc["rootUrl"]).path or "/"
    prefix = (root if root.endswith("/") else root + "/") + doc.get("servicePath", "")
    methods: list[Method] = []
    for m in _walk(doc.get("resources", {})):
        template = m.get("flatPath") or m["path"]
        pattern, names, literal = _compile(prefix, template)
        methods.append(
            Method(
                id=m["id"],
                http_method=m["httpMethod"].upper(),
                template=template,
                pattern=pattern,
                names=names,
                parameters=m.get("parameters", {}),
                request=(m.get("request") or {}).get("$ref"),
                response=(m.get("response") or {}).get("$ref"),
                literal=literal,
                scopes=tuple(m.get("scopes", ())),
            )
        )
    methods.sort(key=lambda x: -x.literal)  # /events/import before /events/{eventId}
    standard = STANDARD_PARAMETERS | frozenset(doc.get("parameters", {}))
    _timed("discovery", path, started)
    return _Index(doc, tuple(methods), standard)


# -- values ------------------------------------------------------------------------------------
def _is_base64(value: str) -> bool:
    padded = value + "=" * (-len(value) % 4)
    try:
        if "-" in value or "_" in value:
            base64.urlsafe_b64decode(padded.encode())
        else:
            base64.b64decode(padded.encode(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _string_errors(spec: Mapping[str, Any], value: str, where: str) -> list[str]:
    fmt = spec.get("format")
    if fmt in _INT_RANGES:
        return _integer_errors(spec, value, where)
    if fmt in ("date-time", "google-datetime") and not _DATE_TIME.match(value):
        return [f"{where}: {value!r} is not an RFC 3339 date-time"]
    if fmt in ("date-time", "google-datetime"):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return [f"{where}: {value!r} is not an RFC 3339 date-time"]
    if fmt == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return [f"{where}: {value!r} is not a date (YYYY-MM-DD)"]
    if fmt == "byte" and not _is_base64(value):
        return [f"{where}: {value!r} is not base64"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"{where}: {value!r} is not one of {', '.join(spec['enum'])}"]
    return []


def _integer_errors(spec: Mapping[str, Any], value: str | int, where: str) -> list[str]:
    try:
        number = int(value) if isinstance(value, int) else int(value.strip(), 10)
    except ValueError:
        return [f"{where}: {value!r} is not an integer"]
    low, high = _INT_RANGES.get(spec.get("format", ""), (None, None))
    if "minimum" in spec:
        low = int(spec["minimum"])
    if "maximum" in spec:
        high = int(spec["maximum"])
    if (low is not None and number < low) or (high is not None and number > high):
        return [f"{where}: {number} is out of range [{low}, {high}]"]
    return []


def parameter_errors(spec: Mapping[str, Any], value: str, where: str) -> list[str]:
    """Objections to one path or query parameter's text, as its spec types it."""
    kind = spec.get("type", "string")
    if kind == "integer":
        return _integer_errors(spec, value, where)
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return [f"{where}: {value!r} is not a number"]
        return []
    if kind == "boolean":
        return [] if value in ("true", "false") else [f"{where}: {value!r} is not true/false"]
    return _string_errors(spec, value, where)


def value_errors(
    schemas: Mapping[str, Any], spec: Mapping[str, Any], value: Any, where: str
) -> list[str]:
    """Objections to a JSON value against a discovery schema (``$ref`` followed)."""
    if "$ref" in spec:
        return value_errors(schemas, schemas[spec["$ref"]], value, where)
    kind = spec.get("type", "any")
    if kind == "any":
        return []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        props: Mapping[str, Any] = spec.get("properties", {})
        extra = spec.get("additionalProperties")
        out: list[str] = []
        for key, item in value.items():
            if key in props:
                out += value_errors(schemas, props[key], item, f"{where}.{key}")
            elif extra is not None:
                out += value_errors(schemas, extra, item, f"{where}.{key}")
            else:
                out.append(f"{where}: unknown field {key!r}")
        return out
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {type(value).__name__}"]
        items = spec.get("items", {})
        return [
            e for i, v in enumerate(value) for e in value_errors(schemas, items, v, f"{where}[{i}]")
        ]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string, got {type(value).__name__}"]
        return _string_errors(spec, value, where)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where}: expected an integer, got {type(value).__name__}"]
        return _integer_errors(spec, value, where)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return [f"{where}: expected a number, got {type(value).__name__}"]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
    return [f"{where}: the document names an unknown type {kind!r}"]


# -- the contract ------------------------------------------------------------------------------
@dataclass
class DiscoveryContract:
    """Request (and answer) validation against one Google discovery document."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path).resolve()

    def available(self) -> bool:
        return self.path.is_file()

    @property
    def index(self) -> _Index:
        return _index(self.path)

    @property
    def document(self) -> Mapping[str, Any]:
        """The raw document (parsed once per process; do not mutate it)."""
        return self.index.doc

    @property
    def revision(self) -> str:
        return str(self.document.get("revision", ""))

    def warm(self) -> None:
        self.index  # noqa: B018 - built for its side effect

    def find(self, method: str, path: str) -> tuple[Method, dict[str, str]] | None:
        """The method a verb and path name, with its path parameters decoded."""
        verb = method.upper()
        for m in self.index.methods:
            if m.http_method == verb and (args := m.match(path)) is not None:
                return m, args
        return None

    def serves(self, path: str) -> bool:
        """Does any of the document's methods have this path (whatever the verb)?"""
        return any(m.match(path) is not None for m in self.index.methods)

    def check(self, req: Request) -> list[str]:
        where = f"{req.method} {req.path}"
        found = self.find(req.method, req.path)
        if found is None:
            return [f"{where}: no method of {self.path.name} has this verb and path"]
        method, args = found
        params = method.parameters
        problems: list[str] = []
        for name, value in args.items():
            spec = params.get(name, {})
            if not value:
                problems.append(f"{where}: path parameter {name} is empty")
            problems += parameter_errors(spec, value, f"{where}: {name}")
        given: dict[str, list[str]] = {}
        for name, value in req.query:
            given.setdefault(name, []).append(value)
        for name, values in given.items():
            spec = params.get(name)
            if spec is None or spec.get("location") != "query":
                if name not in self.index.standard:
                    problems.append(f"{where}: {method.id} takes no query parameter {name!r}")
                continue
            if len(values) > 1 and not spec.get("repeated"):
                problems.append(f"{where}: {name} given {len(values)} times, not repeated")
            for v in values:
                problems += parameter_errors(spec, v, f"{where}: {name}")
        for name, spec in params.items():
            if spec.get("location") == "query" and spec.get("required") and name not in given:
                problems.append(f"{where}: required query parameter {name} is missing")
        problems += self._body_errors(method, req, where)
        return problems

    def _body_errors(self, method: Method, req: Request, where: str) -> list[str]:
        if method.request is None:
            return [f"{where}: {method.id} takes no body"] if req.body else []
        if not req.body:
            return [f"{where}: {method.id} needs a {method.request} body"]
        ctype = req.headers.get("content-type", "")
        if "json" not in ctype:
            return [f"{where}: body is {ctype or 'untyped'}, not application/json"]
        try:
            body = json.loads(req.body)
        except ValueError as exc:
            return [f"{where}: body is not JSON ({exc})"]
        schemas = self.document["schemas"]
        return value_errors(schemas, {"$ref": method.request}, body, f"{where}: body")

    def answer_errors(self, req: Request, status: int, body: Any) -> list[str]:
        """Objections to a stand-in's 2xx JSON answer to ``req``, against the method's
        response schema (error answers have no schema in a discovery document)."""
        if not 200 <= status < 300 or body is None or isinstance(body, bytes):
            return []
        found = self.find(req.method, req.path)
        if found is None or found[0].response is None:
            return []
        method = found[0]
        where = f"answer to {method.id}"
        return value_errors(self.document["schemas"], {"$ref": method.response}, body, where)


@dataclass
class DiscoveryContracts:
    """Several APIs behind one origin (Calendar and Gmail on www.googleapis.com): a request
    is judged by the document that has its path."""

    contracts: Sequence[DiscoveryContract]

    @property
    def path(self) -> Path:
        return self.contracts[0].path

    def available(self) -> bool:
        return all(c.available() for c in self.contracts)

    def warm(self) -> None:
        for c in self.contracts:
            c.warm()

    def owner(self, path: str) -> DiscoveryContract | None:
        return next((c for c in self.contracts if c.serves(path)), None)

    def check(self, req: Request) -> list[str]:
        owner = self.owner(req.path)
        if owner is None:
            names = ", ".join(c.path.name for c in self.contracts)
            return [f"{req.method} {req.path}: no method of {names} has this path"]
        return owner.check(req)

    def answer_errors(self, req: Request, status: int, body: Any) -> list[str]:
        owner = self.owner(req.path)
        return [] if owner is None else owner.answer_errors(req, status, body)


__all__ = [
    "STANDARD_PARAMETERS",
    "DiscoveryContract",
    "DiscoveryContracts",
    "Method",
    "parameter_errors",
    "value_errors",
]
