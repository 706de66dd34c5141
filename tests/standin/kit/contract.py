"""Contracts: what the real service publishes about the requests it accepts.

A stand-in that checks each request against the service's own description fails a test when
the connector sends something the service would refuse, which hand-written fakes never do.

Building a validator over a large description is the slow part (parsing 2-13 MB, resolving
references), so documents, validators and schemas are memoised per process and per file: a
pytest session pays once however many stand-ins and tests use them. ``build_seconds`` records
what each build cost.

Measured on the 2-core development machine (openapi-core 0.23.1, graphql-core 3.3.2; ranges are
quiet vs. loaded): parse + build, then the first request validated, then any later one.

- GitHub ``api.github.com.json`` (13 MB): 0.3-0.6 s, first check 0.1-0.2 s, later 10-30 ms;
- GitLab ``openapi3.yaml`` (2.3 MB): 2.5-4.5 s, first check 0.2-0.3 s, later 40-60 ms;
- Jira ``platform-v3.json`` (2.4 MB): 0.06-0.1 s, first check ~0.1 s, later 10-20 ms;
- Linear ``schema.graphql`` (1.2 MB): 1.6-2.8 s, first check 0.05-0.1 s, later 2-7 ms.

openapi-core 0.23 builds lazily (``OpenAPI.from_dict`` itself takes ~1 ms and each operation's
schemas are resolved on first use), so the ~12 s once quoted for GitHub's no longer applies;
GitLab's cost is almost all YAML parsing.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from .request import Request

if TYPE_CHECKING:  # imported where used: ~1 s that only validating stand-ins should pay
    from openapi_core import OpenAPI
    from openapi_core.datatypes import RequestParameters

build_seconds: dict[str, float] = {}
"""``"<kind> <file name>"`` -> seconds its first build took in this process."""


class Contract(Protocol):
    """What ``StandIn`` needs of a contract."""

    path: Path

    def available(self) -> bool:
        """Is the file there? (Fixtures skip, rather than fail, when it is not.)"""
        ...

    def warm(self) -> None:
        """Build now, so the first request does not pay for it."""
        ...

    def check(self, req: Request) -> list[str]:
        """Every way ``req`` breaks the contract; empty when it is allowed."""
        ...


def _timed(kind: str, path: Path, started: float) -> None:
    build_seconds[f"{kind} {path.name}"] = round(time.perf_counter() - started, 3)


# -- OpenAPI ----------------------------------------------------------------------------------
class _JsonishLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML as JSON would read it: ``2012-10-22T14:13:35Z`` stays a string (GitLab's examples
    are full of them, and a datetime object is not a JSON value). libyaml's parser when
    present: the pure-Python one needs ~4x longer for GitLab's 2.3 MB."""


_JsonishLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def _document(path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    text = path.read_text(encoding="utf-8")
    doc: dict[str, Any] = (
        yaml.load(text, Loader=_JsonishLoader)  # a safe loader (see above)
        if path.suffix in (".yaml", ".yml")
        else json.loads(text)
    )
    _timed("parse", path, started)
    return doc


@functools.cache
def _openapi(path: Path) -> OpenAPI:
    doc = _document(path)
    started = time.perf_counter()
    # No document validation: GitLab's has ``type: text``, Jira's an enum default of '', and
    # checking GitHub's costs ~25 s. Request validation works on all three regardless.
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    api = OpenAPI.from_dict(doc, config=Config(spec_validator_cls=None))
    _timed("build", path, started)
    return api


@dataclass
class _OpenAPIRequest:
    """openapi-core's request protocol. The host is the description's server URL, so its
    ``servers`` entry matches whatever port the stand-in runs on."""

    path: str
    method: str
    parameters: RequestParameters
    host_url: str
    body: bytes | None = None
    content_type: str = "application/json"


@dataclass
class _OpenAPIResponse:
    """openapi-core's response protocol."""

    status_code: int
    headers: Any
    content_type: str
    data: bytes


def openapi_request(req: Request, server: str, *, path: str | None = None) -> _OpenAPIRequest:
    """``req`` as openapi-core reads it, as if sent to ``server`` (at ``path`` if given)."""
    from openapi_core.datatypes import RequestParameters
    from werkzeug.datastructures import Headers, ImmutableMultiDict

    return _OpenAPIRequest(
        path=req.path if path is None else path,
        method=req.method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(req.query),
            header=Headers(req.headers),
            cookie=ImmutableMultiDict(),
        ),
        host_url=server,
        body=req.body or None,
        content_type=(req.headers.get("content-type") or "application/json").lower(),
    )


@dataclass
class OpenAPIContract:
    """Request validation against an OpenAPI 3 description (YAML or JSON).

    ``server_url`` is where the description says the API lives (default: its first
    ``servers`` entry): requests are validated as if sent there.
    """

    path: Path
    server_url: str | None = None
    _server: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path).resolve()

    def available(self) -> bool:
        return self.path.is_file()

    @property
    def document(self) -> dict[str, Any]:
        """The raw description (parsed once per process; do not mutate it)."""
        return _document(self.path)

    @property
    def openapi(self) -> OpenAPI:
        return _openapi(self.path)

    def warm(self) -> None:
        self.openapi  # noqa: B018 - built for its side effect

    @property
    def server(self) -> str:
        if self._server is None:
            self._server = self.server_url or self.document["servers"][0]["url"]
        return self._server

    def check(self, req: Request) -> list[str]:
        problems: list[str] = []
        for err in self.openapi.iter_request_errors(openapi_request(req, self.server)):
            detail = str(err)
            cause = err.__cause__
            if cause is not None and str(cause) not in detail:
                detail += f" ({cause})"
            problems.append(f"{req.method} {req.path}: {detail}")
        return problems

    def answer_errors(
        self,
        req: Request,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        path: str | None = None,
        openapi: OpenAPI | None = None,
    ) -> list[Exception]:
        """openapi-core's objections to a stand-in's own answer to ``req``: the bodies a
        stand-in builds must be bodies the service could send. Each stand-in words and
        filters them its own way (statuses the description leaves out, Jira's timestamps).
        ``path`` validates as another path (behind a gateway prefix); ``openapi`` is a
        variant of the description to check with (CircleCI's reads ``x-nullable``)."""
        from werkzeug.datastructures import Headers

        lower = {k.lower(): v for k, v in headers.items()}
        ctype = lower.get("content-type", "application/json").split(";")[0]
        answer = _OpenAPIResponse(status, Headers(dict(headers)), ctype, body)
        oreq = openapi_request(req, self.server, path=path)
        return list((openapi or self.openapi).iter_response_errors(oreq, answer))

    def answer_problems(
        self, req: Request, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        """:meth:`answer_errors` as messages, for a stand-in that checks every JSON answer it
        serves: bodies of statuses the operation does not document (a 401, a 429 the
        description leaves out) have no schema to break and are not judged."""
        lower = {k.lower(): v for k, v in headers.items()}
        if not body or "json" not in lower.get("content-type", "") or status >= 500:
            return []
        out = []
        for err in self.answer_errors(req, status, headers, body):
            if "Unknown response http status" in str(err):
                continue
            details = [str(x.message) for x in getattr(err.__cause__, "schema_errors", ())]
            out.append(f"answer to {req.method} {req.path}: {status}: {'; '.join(details) or err}")
        return out

    # -- the description's own examples, to start response bodies from ------------------------
    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref``s until ``node`` is not one."""
        doc = self.document
        while isinstance(node, dict) and "$ref" in node:
            target: Any = doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def example(self, path: str, method: str, status: str = "200", name: str | None = None) -> Any:
        """A deep copy of the documented example response body for an operation.

        Descriptions spell examples differently, and each way is unwrapped: ``examples`` (pick
        by ``name``, else the first) whose entries may be ``{value: {$ref: ...}}`` or refer to
        the example object itself (GitHub's), or one ``example``, which may be JSON written
        as a string (Atlassian's).
        """
        op = self.document["paths"][path][method.lower()]
        media = self.resolve(op["responses"][status])["content"]["application/json"]
        if "examples" in media:
            examples = media["examples"]
            chosen = self.resolve(examples[name] if name else next(iter(examples.values())))
            value = chosen["value"] if isinstance(chosen, dict) and "value" in chosen else chosen
        else:
            value = media["example"]
        value = self.resolve(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # else a plain string example
                value = json.loads(value)
        return copy.deepcopy(value)

    def component_example(self, name: str) -> Any:
        """A deep copy of ``#/components/examples/<name>``'s value."""
        node = self.document["components"]["examples"][name]["value"]
        return copy.deepcopy(self.resolve(node))


# -- GraphQL ----------------------------------------------------------------------------------
@functools.cache
def _schema(path: Path) -> Any:
    from graphql import build_schema  # imported here: only GraphQL stand-ins need it

    started = time.perf_counter()
    schema = build_schema(path.read_text(encoding="utf-8"))
    _timed("schema", path, started)
    return schema


@functools.lru_cache(maxsize=1024)
def _validated(path: Path, query: str) -> tuple[Any, tuple[str, ...]]:
    """``(document, problems)`` for a query text, memoised: a connector sends the same few
    documents over and over, and validating one against a large schema (Linear's: 650 types)
    costs ~40-80 ms, which every request paid. Variables are still coerced per request."""
    from graphql import GraphQLError, parse, validate

    try:
        doc = parse(query)
    except GraphQLError as exc:
        return None, (exc.message,)
    return doc, tuple(e.message for e in validate(_schema(path), doc))


@dataclass
class GraphQLContract:
    """Query validation against a GraphQL schema (SDL): syntax, fields and arguments the
    schema has, and variables that coerce to their declared types."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path).resolve()

    def available(self) -> bool:
        return self.path.is_file()

    @property
    def schema(self) -> Any:
        """graphql-core's ``GraphQLSchema`` (built once per process), also for executing."""
        return _schema(self.path)

    def warm(self) -> None:
        self.schema  # noqa: B018 - built for its side effect

    def check(self, req: Request) -> list[str]:
        """A GraphQL request: POST JSON ``{query, variables, operationName}`` or GET ``?query=``."""
        where = f"{req.method} {req.path}"
        if req.method == "GET":
            payload: Any = dict(req.args)
            if "variables" in payload:
                try:
                    payload["variables"] = json.loads(payload["variables"])
                except ValueError:
                    return [f"{where}: variables are not JSON"]
        else:
            try:
                payload = json.loads(req.body or b"null")
            except ValueError:
                return [f"{where}: body is not JSON"]
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return [f"{where}: no query"]
        return [
            f"{where}: {p}"
            for p in self.check_query(
                payload["query"], payload.get("variables"), payload.get("operationName")
            )
        ]

    def check_query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> list[str]:
        """Every way a query document breaks the schema (usable without a request)."""
        from graphql import OperationDefinitionNode
        from graphql.execution.values import get_variable_values

        doc, errors = _validated(self.path, query)
        if errors:
            return list(errors)
        ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is not None:
            ops = [o for o in ops if o.name is not None and o.name.value == operation_name]
        if len(ops) != 1:
            return [f"cannot pick one operation (operationName={operation_name!r})"]
        coerced = get_variable_values(
            self.schema, ops[0].variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return [e.message for e in coerced]
        return []
