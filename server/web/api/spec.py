"""The route table and the OpenAPI 3.1 document made from it.

Each endpoint is declared once, as an :class:`Endpoint`: its method and path, the scope it
needs, the pydantic models of its query, body and response, and the statuses it can answer
with besides the ones every endpoint has (401, 403, and 422 when it takes input). The
document is generated from these declarations and the models' JSON Schemas (pydantic's own,
so what is validated is what is documented); nothing about the API is written down twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .auth import SCOPES
from .problems import TYPES, Problem

REF = "#/components/schemas/{model}"
#: Ids are printable: no control characters or spaces (no route matches a path with them).
PATH_PARAM = {"type": "string", "minLength": 1, "pattern": "^[^\\u0000-\\u0020\\u007f]+$"}
SECURITY = "bearer"


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API (see the module's docstring)."""

    method: str
    path: str
    operation_id: str
    summary: str
    #: The scope the token needs; ``None``: any valid token.
    scope: str | None
    handler: Callable[..., Awaitable[Any]]
    description: str = ""
    tag: str = ""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    #: Path parameters: name -> description (all strings).
    params: dict[str, str] = field(default_factory=dict)
    status: int = 200
    #: The success body; ``None`` with ``media`` JSON: no body (204).
    response: type[BaseModel] | None = None
    media: str = "application/json"
    #: Statuses besides 401/403/422 (problem+json bodies).
    errors: tuple[int, ...] = ()
    #: ``GET`` answers carry an ETag and honour ``If-None-Match`` with 304.
    etag: bool = False
    headers: tuple[Header, ...] = ()
    #: The path in Starlette's syntax when it differs (``{id:path}`` takes slashes).
    route_path: str | None = None
    #: OpenAPI links from the success answer: name -> (operationId, {parameter: expression}),
    #: so a client (and a stateful test) knows which operation takes what this one returned.
    links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def takes_input(self) -> bool:
        return bool(self.query or self.body or self.params)


_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    204: "No content",
    304: "Not modified: the representation has the ETag sent in If-None-Match",
    401: "No credentials, or invalid ones (RFC 6750)",
    403: "The token lacks the scope this operation needs (insufficient_scope)",
    404: "No such resource",
    409: "Conflict with the current state",
    415: "The body must be application/json",
    422: "The request is not valid (query, path or body)",
    429: "A service asked to slow down; retry after Retry-After seconds",
    502: "A service answered with an error, or refused Tieline's credentials",
    503: "A service is unavailable, or none is signed in that could answer",
}

INTRO = """\
Tieline's local REST API over the hub's capabilities: issues and pull requests from every
service signed in to (as mirrored by the last sync), CI status, snippets, the calendar
agenda, and the event feed (recent events, a Server-Sent Events stream, and REST hooks).

**Authentication.** Every operation, this document included, needs
`Authorization: Bearer <token>`. Without one, or with an invalid one, the answer is 401
with `WWW-Authenticate: Bearer`; a token without the operation's scope gets 403 with
`error="insufficient_scope"` and the scope named. Scopes are per capability, read or write:
{scopes}.

**Errors** are RFC 9457 problem details (`application/problem+json`) whose `type` is a
stable URN per class of error: {types}.

**Pagination.** Lists of items are ordered newest change first and paginated by cursor:
the `next_cursor` field (null on the last page) and a `Link: <...>; rel="next"` header.
List and item answers carry an `ETag`; send it back in `If-None-Match` to get 304.

**REST hooks.** `POST /hooks` subscribes a target URL to an event kind or glob and returns
its id; `DELETE /hooks/{{id}}` unsubscribes. Events are POSTed to the target as JSON (the
shape of an `Event`); a target that answers **410 Gone** is unsubscribed automatically.
"""


def document(endpoints: list[Endpoint], *, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``endpoints``."""
    inputs = {m for e in endpoints for m in (e.query, e.body) if m is not None}
    outputs = {e.response for e in endpoints if e.response is not None} | {Problem}
    keyed: list[tuple[type[BaseModel], Any]] = [(m, "validation") for m in inputs]
    keyed += [(m, "serialization") for m in outputs]
    keyed.sort(key=lambda k: (k[0].__name__, k[1]))
    refs, defs = models_json_schema(keyed, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(e, refs)
    scopes = ", ".join(f"`{s}`" for s in SCOPES)
    types = ", ".join(f"`{s}` ({TYPES[s][0]})" for s in TYPES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tieline API",
            "version": version,
            "description": INTRO.format(scopes=scopes, types=types),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{SECURITY: []}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                SECURITY: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A Tieline access token. Scopes: "
                    + "; ".join(f"{k}: {v}" for k, v in SCOPES.items()),
                }
            },
        },
    }


def _operation(e: Endpoint, refs: Mapping[tuple[Any, Any], Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": e.operation_id,
        "summary": e.summary,
        "security": [{SECURITY: [e.scope] if e.scope else []}],
    }
    if e.description:
        op["description"] = e.description
    if e.tag:
        op["tags"] = [e.tag]
    if e.scope:
        op["x-scope"] = e.scope
    params: list[dict[str, Any]] = [
        {"name": n, "in": "path", "required": True, "description": d, "schema": PATH_PARAM}
        for n, d in e.params.items()
    ]
    if e.query is not None:
        params += query_parameters(e.query)
    for h in e.headers:
        if h.name.lower() in ("if-none-match", "last-event-id"):
            params.append({"name": h.name, "in": "header", "required": False,
                           "description": h.description, "schema": h.schema})  # fmt: skip
    if params:
        op["parameters"] = params
    if e.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(e.body, "validation")]}},
        }
    responses: dict[str, Any] = {}
    ok: dict[str, Any] = {"description": _DESCRIPTIONS.get(e.status, "OK")}
    if e.response is not None:
        ok["content"] = {e.media: {"schema": refs[(e.response, "serialization")]}}
    elif e.media != "application/json":
        ok["content"] = {e.media: {"schema": {"type": "string"}}}
    answer_headers = {
        h.name: {"description": h.description, "schema": h.schema}
        for h in e.headers
        if h.name.lower() not in ("if-none-match", "last-event-id")
    }
    if e.etag:
        answer_headers["ETag"] = {
            "description": "The representation's tag",
            "schema": {"type": "string"},
        }
    if answer_headers:
        ok["headers"] = answer_headers
    if e.links:
        ok["links"] = {
            name: {"operationId": op_id, "parameters": params}
            for name, (op_id, params) in e.links.items()
        }
    responses[str(e.status)] = ok
    if e.etag:
        responses["304"] = {"description": _DESCRIPTIONS[304]}
    statuses = {401, 403, *e.errors}
    if e.takes_input:
        statuses.add(422)
    if e.body is not None:
        statuses.add(415)
    problem = {MEDIA: {"schema": refs[(Problem, "serialization")]}}
    for status in sorted(statuses):
        r: dict[str, Any] = {"description": _DESCRIPTIONS[status], "content": problem}
        if status == 401:
            r["headers"] = {
                "WWW-Authenticate": {
                    "description": "Bearer challenge (RFC 6750)",
                    "required": True,
                    "schema": {"type": "string"},
                }
            }
        if status == 429:
            r["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        responses[str(status)] = r
    op["responses"] = responses
    return op


MEDIA = "application/problem+json"


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """A query model's fields as OpenAPI parameters. A query string cannot carry null, so
    ``X | None`` is documented as ``X`` (and left out when not given)."""
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        variants = prop.get("anyOf")
        if variants:
            kept = [v for v in variants if v.get("type") != "null"]
            if len(kept) == 1:
                prop.pop("anyOf")
                prop = {**kept[0], **prop}
        if prop.get("default", 0) is None:
            prop.pop("default")
        p: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if description:
            p["description"] = description
        p["schema"] = prop
        out.append(p)
    return out


__all__ = ["Endpoint", "Header", "document", "query_parameters"]
