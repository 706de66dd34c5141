"""What the Jira stand-in answers with, and what it checks where no OpenAPI file exists.

Response bodies for Jira Cloud start from the examples in Atlassian's platform v3 OpenAPI
(``tests/contracts/jira/platform-v3.json``: ``/myself``'s user, ``/project/search``'s
project, ``/field``'s fields, ``createmeta``'s issue type, ``addComment``'s comment,
``createIssue``'s answer), overlaid with the stand-in's state. Where those examples use
values the real service does not (the transitions example's status categories
``in-flight``/``completed``), the documented ones are used: ``new``, ``indeterminate``,
``done`` (StatusCategory in the same file; developer.atlassian.com "Status categories").

Two surfaces have no published machine-readable contract, so their requests are checked
against the *documented* shapes here (:class:`DocumentedContract`), and their bodies are
built from the same documentation:

- Jira Data Center / Server REST v2, from the "Jira Data Center REST API" reference
  (developer.atlassian.com/server/jira/platform/rest/ and docs.atlassian.com/software/jira/
  docs/api/REST/9.12.0/): ``/myself`` (name, key), ``/project`` (an unpaged list),
  ``POST /search`` (startAt, maxResults, total), ``createmeta/{project}/issuetypes``
  (``values``), ``user/assignable/search`` and ``user/search`` (``username``), wiki markup
  bodies, and the sprint field's legacy ``toString`` form ("Deprecation notice - toString
  representation of sprints", developer.atlassian.com). Cross-checked against the
  hand-written v2 bodies in atlassian-python-api's sdist (``tests/responses/jira/``,
  Apache-2.0), used as shapes only.
- Atlassian's OAuth gateway: ``GET /oauth/token/accessible-resources`` and the
  ``/ex/jira/{cloudid}`` prefix ("OAuth 2.0 (3LO) apps", developer.atlassian.com/cloud/
  jira/platform/oauth-2-3lo-apps/). Requests under the prefix are checked against the v3
  OpenAPI with the prefix removed.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from .kit import OpenAPIContract, Request

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "contracts" / "jira" / "platform-v3.json"
V3 = OpenAPIContract(CONTRACT_PATH, server_url="https://your-domain.atlassian.net")
GATEWAY_PREFIX = re.compile(r"^/ex/jira/(?P<cloudid>[^/]+)(?=/)")
SPRINT_FIELD = "customfield_10020"
SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"


def _example(path: str, method: str, status: str = "200") -> Any:
    """The operation's example body. Jira's file holds examples as JSON *strings*."""
    op = V3.document["paths"][path][method]
    raw = op["responses"][status]["content"]["application/json"]["example"]
    return json.loads(raw) if isinstance(raw, str) else copy.deepcopy(raw)


@functools.cache
def _examples() -> dict[str, Any]:
    return {
        "user": _example("/rest/api/3/myself", "get"),
        "project": _example("/rest/api/3/project/search", "get")["values"][0],
        "fields": _example("/rest/api/3/field", "get"),
        "issuetype": _example("/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes", "get")[
            "issueTypes"
        ][0],
        "comment": _example("/rest/api/3/issue/{issueIdOrKey}/comment", "post", "201"),
        "created": _example("/rest/api/3/issue", "post", "201"),
    }


def example(name: str) -> Any:
    """A deep copy of one of the examples above."""
    return copy.deepcopy(_examples()[name])


# -- documented contracts ------------------------------------------------------------------------
Q_INT = {"type": "integer"}
Q_STR = {"type": "string"}
Q_BOOL = {"type": "boolean"}


@dataclass(frozen=True)
class Operation:
    """One documented operation: its query parameters (name -> JSON schema of the value,
    a set of required names) and the JSON schema of its body (``None``: no body allowed)."""

    method: str
    path: str  # a regex, full match
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    body: dict[str, Any] | None = None


def _obj(
    props: dict[str, Any], required: tuple[str, ...] = (), *, extra: bool = False
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": extra,
    }


ISSUE_KEY = r"[^/]+"
DC_OPERATIONS = (
    Operation("GET", r"/rest/api/2/myself", {"expand": Q_STR}),
    Operation(
        "GET",
        r"/rest/api/2/project",
        {"expand": Q_STR, "recent": Q_INT, "includeArchived": Q_BOOL, "browseArchive": Q_BOOL},
    ),
    Operation("GET", r"/rest/api/2/field"),
    Operation(
        "GET",
        rf"/rest/api/2/issue/{ISSUE_KEY}",
        {"fields": Q_STR, "expand": Q_STR, "properties": Q_STR, "updateHistory": Q_BOOL},
    ),
    Operation(
        "POST",
        r"/rest/api/2/search",
        body=_obj(
            {
                "jql": {"type": "string"},
                "startAt": {"type": "integer", "minimum": 0},
                "maxResults": {"type": "integer", "minimum": 0},
                "fields": {"type": "array", "items": {"type": "string"}},
                "expand": {"type": "array", "items": {"type": "string"}},
                "validateQuery": {"type": "boolean"},
                "properties": {"type": "array", "items": {"type": "string"}},
                "fieldsByKeys": {"type": "boolean"},
            }
        ),
    ),
    Operation(
        "POST",
        r"/rest/api/2/issue",
        {"updateHistory": Q_BOOL},
        body=_obj(
            {
                "fields": {"type": "object"},
                "update": {"type": "object"},
                "transition": {"type": "object"},
                "properties": {"type": "array"},
                "historyMetadata": {"type": "object"},
            },
            ("fields",),
        ),
    ),
    Operation(
        "POST",
        rf"/rest/api/2/issue/{ISSUE_KEY}/comment",
        {"expand": Q_STR},
        body=_obj(
            {
                # v2 bodies are wiki markup strings, never ADF documents.
                "body": {"type": "string"},
                "visibility": {"type": "object"},
                "properties": {"type": "array"},
            },
            ("body",),
        ),
    ),
    Operation(
        "GET",
        rf"/rest/api/2/issue/createmeta/{ISSUE_KEY}/issuetypes",
        {"startAt": Q_INT, "maxResults": Q_INT},
    ),
    Operation(
        "GET",
        r"/rest/api/2/user/assignable/search",
        {
            "username": Q_STR,
            "project": Q_STR,
            "issueKey": Q_STR,
            "startAt": Q_INT,
            "maxResults": Q_INT,
            "actionDescriptorId": Q_INT,
        },
    ),
    Operation(
        "GET",
        r"/rest/api/2/user/search",
        {
            "username": Q_STR,
            "startAt": Q_INT,
            "maxResults": Q_INT,
            "includeActive": Q_BOOL,
            "includeInactive": Q_BOOL,
        },
        required=frozenset({"username"}),
    ),
    Operation(
        "GET",
        rf"/rest/api/2/issue/{ISSUE_KEY}/transitions",
        {"expand": Q_STR, "transitionId": Q_STR},
    ),
    Operation(
        "POST",
        rf"/rest/api/2/issue/{ISSUE_KEY}/transitions",
        body=_obj(
            {
                "transition": _obj({"id": {"type": "string"}}, ("id",), extra=True),
                "fields": {"type": "object"},
                "update": {"type": "object"},
                "historyMetadata": {"type": "object"},
                "properties": {"type": "array"},
            },
            ("transition",),
        ),
    ),
)
GATEWAY_OPERATIONS = (Operation("GET", r"/oauth/token/accessible-resources"),)


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw) if re.fullmatch(r"-?\d+", raw) else raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


@dataclass
class DocumentedContract:
    """Request checks for operations known only from documentation: the method and path
    must be a documented operation, every query parameter a documented one of the right
    type, required ones present, and the JSON body valid against the documented schema."""

    operations: tuple[Operation, ...]
    path: Path = Path("documented shapes (tests/standin/jira_shapes.py)")

    def available(self) -> bool:
        return True

    def warm(self) -> None:
        pass

    def find(self, method: str, path: str) -> Operation | None:
        return next(
            (o for o in self.operations if o.method == method and re.fullmatch(o.path, path)), None
        )

    def check(self, req: Request) -> list[str]:
        where = f"{req.method} {req.path}"
        op = self.find(req.method, req.path)
        if op is None:
            return [f"{where}: not a documented operation"]
        problems: list[str] = []
        names = {k for k, _ in req.query}
        for name in sorted(names - set(op.query)):
            problems.append(f"{where}: undocumented query parameter {name!r}")
        for name in sorted(op.required - names):
            problems.append(f"{where}: missing required query parameter {name!r}")
        for name, raw in req.query:
            schema = op.query.get(name)
            if schema is not None:
                err = jsonschema.exceptions.best_match(
                    jsonschema.Draft202012Validator(schema).iter_errors(_coerce(raw, schema))
                )
                if err is not None:
                    problems.append(f"{where}: query {name}={raw!r}: {err.message}")
        if op.body is None:
            if req.body:
                problems.append(f"{where}: takes no body")
            return problems
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            return [*problems, f"{where}: body is not JSON"]
        for err in jsonschema.Draft202012Validator(op.body).iter_errors(body):
            at = "/".join(str(p) for p in err.absolute_path) or "(body)"
            problems.append(f"{where}: body {at}: {err.message}")
        return problems


DC_CONTRACT = DocumentedContract(DC_OPERATIONS)
GATEWAY_CONTRACT = DocumentedContract(GATEWAY_OPERATIONS)


@dataclass
class CloudContract:
    """Jira Cloud as a client sees it: the platform v3 OpenAPI at the site or under the OAuth
    gateway's ``/ex/jira/{cloudid}`` prefix, plus the gateway's own documented route."""

    path: Path = CONTRACT_PATH

    def available(self) -> bool:
        return V3.available()

    def warm(self) -> None:
        V3.warm()

    def check(self, req: Request) -> list[str]:
        if req.path.startswith("/oauth/"):
            return GATEWAY_CONTRACT.check(req)
        m = GATEWAY_PREFIX.match(req.path)
        if m is None:
            return V3.check(req)
        inner = copy.copy(req)
        inner.path = req.path[m.end() :]
        return [p.replace(inner.path, req.path, 1) for p in V3.check(inner)]


CLOUD_CONTRACT = CloudContract()


def response_problems(req: Request, status: int, headers: dict[str, str], data: bytes) -> list[str]:
    """Every way the stand-in's own answer to ``req`` breaks the v3 OpenAPI's response
    schema: the bodies it builds must be bodies Jira could send."""
    if req.path.startswith("/oauth/") or not data:
        return []
    m = GATEWAY_PREFIX.match(req.path)
    path = req.path[m.end() :] if m is not None else req.path
    out = []
    for err in V3.answer_errors(req, status, headers, data, path=path):
        cause = err.__cause__
        schema_errors = list(getattr(cause, "schema_errors", None) or ())
        real = [e for e in schema_errors if not _jira_timestamp(e)]
        if schema_errors and not real:
            continue
        detail = "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in real)
        out.append(f"response to {req.method} {req.path}: {detail or err}")
    return out


_JIRA_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")


def _jira_timestamp(error: Any) -> bool:
    """Jira writes times as ``2021-01-17T12:34:00.000+0000`` (its own examples do), which
    its schemas call ``date-time`` though RFC 3339 wants ``+00:00``: the real format wins."""
    return (
        getattr(error, "validator", None) == "format"
        and isinstance(error.instance, str)
        and bool(_JIRA_TIME.match(error.instance))
    )
