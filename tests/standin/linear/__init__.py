"""A local Linear stand-in: a real GraphQL executor over Linear's published schema.

Every ``POST /graphql`` is validated against ``tests/contracts/linear/schema.graphql`` (the
SDL Linear publishes in ``linear/linear``, ``packages/sdk/src/schema.graphql``) by the kit's
``GraphQLContract`` -- syntax, fields, arguments and variable types -- and then *executed* by
graphql-core over the stand-in's state, so an answer has exactly the shape the query asked
for and creating an issue then reading it back works. A request the schema does not allow is
a violation (the fixture fails the test) and is answered as Linear answers it (HTTP 400,
``GRAPHQL_VALIDATION_FAILED``).

What is built from Linear's documentation rather than from the schema:

- rate limits (https://linear.app/developers/rate-limiting): the ``X-RateLimit-Requests-*``
  and ``X-RateLimit-Complexity-*`` headers (resets in UTC epoch milliseconds), ``X-Complexity``
  computed by the documented rule (0.1 per property, 1 per object, a connection multiplies its
  children by ``first`` or 50, rounded up), the 10,000-point cap on one query (a violation
  here), and the refusal: HTTP 400 with ``extensions.code = "RATELIMITED"``;
- authentication (https://linear.app/developers/graphql, .../oauth-2-0-authentication):
  personal API keys arrive bare (``Authorization: lin_api_...``), OAuth tokens as Bearer --
  either the other way round is a violation; ``POST /oauth/revoke`` takes the Bearer token;
- error bodies: Linear does not document them beyond ``RATELIMITED``. The shapes here --
  ``{"errors": [{"message", "path", "extensions": {"code", "type", "statusCode", "userError",
  "userPresentableMessage"}}], "data": null}``, ``AUTHENTICATION_ERROR`` with HTTP 401,
  ``INPUT_ERROR`` "Entity not found: Issue" with HTTP 200 -- are the ones Linear's own SDK
  parses (``packages/sdk/src/error.ts`` reads ``extensions.type``/``userPresentableMessage``)
  and that integrations record from the live API.

Deliberate strictness: ``commentCreate`` takes the issue's UUID only (the schema says
``issueId: String``; whether Linear resolves an identifier there is undocumented), while
``issue(id:)`` and ``issueUpdate(id:)`` take the identifier too, as Linear documents.
A filter or argument the connector sends that this stand-in does not implement is recorded as
a violation ("stand-in gap") rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from graphql import execute, validate

from ..kit import GraphQLContract, Quota, Reply, Request, Router, StandIn
from .complexity import MAX_COMPLEXITY, complexity, parsed
from .resolvers import Ctx, field_resolver
from .state import Gap, InputError, LinearState, linear_error

SCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "linear" / "schema.graphql"
Json = Any

__all__ = [
    "CONTRACT",
    "MAX_COMPLEXITY",
    "LinearStandIn",
    "LinearState",
    "complexity",
]

CONTRACT = GraphQLContract(SCHEMA)
router: Router[LinearStandIn] = Router()


class LinearStandIn(StandIn):
    service = "Linear"
    router = router
    contract = CONTRACT
    #: Per user and hour, for API keys (https://linear.app/developers/rate-limiting).
    budgets = {"requests": 2500, "complexity": 3_000_000}

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = LinearState()
        #: token -> "api_key" | "oauth"; ``tokens`` (token -> user id) is the kit's.
        self.kinds: dict[str, str] = {}
        self.revoked: list[str] = []
        self.queries: list[str] = []  # operation documents in the order received

    # -- setup -------------------------------------------------------------------------------
    def seed(self) -> dict[str, Any]:
        """A small workspace: Ada (the viewer) and Grace; team ENG (Ada is a member) with a
        cycle and labels, team OPS, and the private team SEC that Ada is not in."""
        s = self.state
        ada = s.add_user("Ada Lovelace", "ada@acme.test", display="ada")
        grace = s.add_user("Grace Hopper", "grace@acme.test", display="grace")
        eng = s.add_team("ENG", "Engineering", members=[ada["id"], grace["id"]])
        s.add_team("OPS", "Operations", members=[grace["id"]])
        s.add_team("SEC", "Security", members=[grace["id"]], private=True)
        s.add_label("bug", team="ENG")
        s.add_label("customer", color="#4ea7fc")  # a workspace label
        s.add_cycle("ENG", 12)
        self.add_token("lin_api_" + "a" * 40, ada["id"], "api_key")
        return {"ada": ada, "grace": grace, "eng": eng}

    def add_token(self, token: str, user_id: str, kind: str) -> None:
        self.tokens[token] = user_id
        self.kinds[token] = kind

    # -- kit hooks -----------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        code = {400: "INVALID_INPUT", 404: "NOT_FOUND"}.get(status, "INTERNAL_ERROR")
        kind = "invalid input" if status < 500 else "internal error"
        return Reply(status, {"errors": [linear_error(message, code, kind, status)]})

    def unauthorized(self, req: Request) -> Reply:
        return Reply(
            401,
            {
                "errors": [
                    linear_error(
                        "Authentication required, not authenticated",
                        "AUTHENTICATION_ERROR",
                        "authentication error",
                        401,
                        nice="You need to authenticate to access this operation.",
                    )
                ]
            },
        )

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return Reply(
            400,
            {
                "errors": [
                    linear_error(p, "GRAPHQL_VALIDATION_FAILED", "graphql error", 400)
                    for p in problems
                ]
            },
        )

    def authenticate(self, req: Request) -> str | None:
        """API keys bare, OAuth tokens as Bearer; the other way round is a violation."""
        raw = req.headers.get("authorization", "").strip()
        scheme, _, rest = raw.partition(" ")
        bearer = scheme.lower() == "bearer"
        token = rest.strip() if bearer else raw
        kind = self.kinds.get(token)
        wrong = {
            ("api_key", True): "a personal API key was sent as a Bearer token",
            ("oauth", False): "an OAuth access token was sent without Bearer",
        }.get((kind or "", bearer))
        if wrong is not None:
            with self.lock:
                self.violations.append(wrong)
            return None
        return self.tokens.get(token)

    def check_contract(self, req: Request) -> list[str]:
        if req.method == "POST" and req.path == "/graphql":
            problems = super().check_contract(req)
            if not problems:
                body = req.json
                cost = complexity(CONTRACT.schema, body["query"], body.get("variables"))
                if cost > MAX_COMPLEXITY:
                    problems.append(f"query complexity {cost} exceeds {MAX_COMPLEXITY}")
            return problems
        if req.method == "POST" and req.path == "/oauth/revoke":
            if not req.headers.get("authorization", "").lower().startswith("bearer "):
                return ["POST /oauth/revoke without a Bearer access token"]
            return []
        return [f"{req.method} {req.path}: Linear's API has no such endpoint"]

    def charge(self, req: Request) -> dict[str, int]:
        if req.path != "/graphql":
            return {}
        body = req.json
        cost = complexity(CONTRACT.schema, body["query"], body.get("variables"))
        return {"requests": 1, "complexity": cost}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        name = "requests" if quota.budget == "requests" else "complexity"
        return {
            f"x-ratelimit-{name}-limit": str(quota.limit),
            f"x-ratelimit-{name}-remaining": str(quota.remaining),
            f"x-ratelimit-{name}-reset": str(int(quota.reset * 1000)),
        }

    def rate_limited(self, quota: Quota) -> Reply:
        what = "requests" if quota.budget == "requests" else "complexity points"
        return Reply(
            400,
            {
                "errors": [
                    linear_error(
                        f"Rate limit exceeded: only {quota.limit} {what} are allowed per hour",
                        "RATELIMITED",
                        "ratelimited",
                        400,
                        nice="Rate limit exceeded",
                    )
                ]
            },
        )


@router.route("POST", r"/graphql")
def graphql_route(s: LinearStandIn, req: Request) -> tuple[int, Json, dict[str, str]]:
    body = req.json
    query: str = body["query"]
    variables = body.get("variables") or {}
    s.queries.append(query)
    cost = complexity(CONTRACT.schema, query, variables)
    document = parsed(query)
    if not s.validate:  # otherwise the contract check has validated it already
        problems = validate(CONTRACT.schema, document)
        if problems:
            raise s.rejected(req, [e.message for e in problems])
    result = execute(
        CONTRACT.schema,
        document,
        root_value={},
        context_value=Ctx(s.state, req.me),
        variable_values=variables,
        operation_name=body.get("operationName"),
        field_resolver=field_resolver,
    )
    assert not isinstance(result, Awaitable)
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        # A refusal Linear would send (InputError) is an answer; anything else is this
        # stand-in's gap or bug, and fails the test.
        for e in result.errors:
            if isinstance(e.original_error, Gap):
                s.violations.append(f"stand-in gap: {e.original_error}")
            elif not isinstance(e.original_error, InputError):
                s.violations.append(f"stand-in error: {e.message} at {e.path}")
        out["errors"] = [e.formatted for e in result.errors]
    return 200, out, {"x-complexity": str(cost)}


@router.route("POST", r"/oauth/revoke")
def revoke_route(s: LinearStandIn, req: Request) -> tuple[int, Json, dict[str, str]]:
    token = req.headers["authorization"].split(" ", 1)[1].strip()
    if s.kinds.get(token) != "oauth":
        raise Reply(400, {"error": "invalid_request", "error_description": "Unable to revoke"})
    s.tokens.pop(token, None)
    s.revoked.append(token)
    return 200, b"", {}
