"""A library-grade async client of Linear's GraphQL API, over the ``httpx.AsyncClient`` it is
given (whose base URL is ``https://api.linear.app``).

One POST per operation to ``/graphql`` with a document from :mod:`.queries`; answers are
parsed into the wire models of :mod:`.models`. No retries, caching or rate limiting here: the
client handed in does that. Linear reports failures inside the body (``errors`` with an
``extensions.code``), most with HTTP 200 and a rate limit with HTTP 400; :func:`linear_error`
reads them -- the hub's stack calls it through ``LinearConnector.body_error`` before it maps
statuses, and this client calls it itself so that it raises the same errors without the hub.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from pydantic import TypeAdapter

from connectors.sdk.errors import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceError,
    ServiceUnavailable,
    TielineError,
)
from connectors.sdk.graphql import graphql_error
from connectors.sdk.redact import redact

from . import queries
from .models import (
    LnComment,
    LnCommentPayload,
    LnConnection,
    LnCreateContext,
    LnIssue,
    LnIssueNotification,
    LnIssuePayload,
    LnIssueRef,
    LnIssueStates,
    LnTeamKey,
    LnUser,
    LnViewer,
)

SERVICE = "Linear"
GRAPHQL_PATH = "/graphql"
REVOKE_PATH = "/oauth/revoke"
#: Page size for issue lists: Linear multiplies a connection's cost by ``first`` (default 50);
#: 25 issues with their fields cost ~500 of the 10,000 points one query may use.
PAGE_SIZE = 25
TEAMS_PAGE = 100
MAX_USERS = 20
#: Workflow state types of an issue that is done with (Linear's ``WorkflowState.type``).
CLOSED_TYPES = ("completed", "canceled")
#: When a RATELIMITED answer names no reset time that has passed the budget (seconds).
DEFAULT_WAIT = 60.0

#: Reset headers of Linear's budgets, each paired with its remaining header. Linear sends the
#: endpoint pair only when an operation with a limit of its own was called.
_BUDGETS = (
    ("x-ratelimit-requests-remaining", "x-ratelimit-requests-reset"),
    ("x-ratelimit-complexity-remaining", "x-ratelimit-complexity-reset"),
    ("x-ratelimit-endpoint-requests-remaining", "x-ratelimit-endpoint-requests-reset"),
)

#: Codes Linear uses that the sdk's generic GraphQL table does not know (``extensions.code``;
#: the public SDK's ``error.ts`` names the same set by ``extensions.type``).
_LINEAR_CODES: dict[str, type[ServiceError]] = {
    "FEATURE_NOT_ACCESSIBLE": PermissionDenied,
    "USAGE_LIMIT_EXCEEDED": PermissionDenied,
    "INTERNAL_ERROR": ServiceUnavailable,
    "LOCK_TIMEOUT": ServiceUnavailable,
}


def retry_after(headers: httpx.Headers, *, now: float | None = None) -> float:
    """Seconds until Linear allows another request, from its reset headers (UTC epoch ms).

    The latest reset among the budgets that are spent wins; when none reads as spent (an
    endpoint limit Linear reported only in the body), the latest reset it sent at all; when
    it sent none, :data:`DEFAULT_WAIT`.
    """
    now = time.time() if now is None else now
    spent: list[float] = []
    sent: list[float] = []
    for remaining_name, reset_name in _BUDGETS:
        reset = _epoch_ms(headers.get(reset_name))
        if reset is None:
            continue
        sent.append(reset)
        remaining = headers.get(remaining_name)
        if remaining is not None and _number(remaining) == 0:
            spent.append(reset)
    chosen = max(spent or sent, default=None)
    if chosen is None or chosen <= now:
        return DEFAULT_WAIT
    return chosen - now


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _epoch_ms(value: str | None) -> float | None:
    number = _number(value) if value is not None else None
    return None if number is None else number / 1000.0


def linear_error(response: httpx.Response) -> TielineError | None:
    """The error a Linear answer reports in its body, or ``None`` (also for non-JSON bodies).

    Messages lead with Linear's ``userPresentableMessage`` (written for people: "Could not find
    referenced Issue.") and keep the developer ``message`` where it adds to it; redacted.
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, httpx.ResponseNotRead):
        return None
    if not isinstance(body, Mapping) or not isinstance(body.get("errors"), list):
        return None
    errors = [e for e in body["errors"] if isinstance(e, Mapping)]
    if not errors:
        return None
    readable = {"errors": [_readable(e) for e in errors]}
    ext = errors[0].get("extensions")
    code = str(ext.get("code") or "").upper() if isinstance(ext, Mapping) else ""
    message = str(readable["errors"][0]["message"])
    text = redact(f"{SERVICE}: {message}")
    if code == "INPUT_ERROR" and str(errors[0].get("message", "")).startswith("Entity not found"):
        return NotFound(text, status=response.status_code, service=SERVICE)
    if code in _LINEAR_CODES:
        return _LINEAR_CODES[code](text, status=response.status_code, service=SERVICE)
    found = graphql_error(readable, service=SERVICE, retry_after=retry_after(response.headers))
    if isinstance(found, RateLimited):
        found.status = response.status_code
    return found


def _readable(error: Mapping[str, Any]) -> dict[str, Any]:
    ext = error.get("extensions")
    nice = ext.get("userPresentableMessage") if isinstance(ext, Mapping) else None
    raw = str(error.get("message") or "")
    nice = str(nice or "")
    if not nice or nice in raw:
        message = raw  # the developer message says as much and more
    elif not raw or raw in nice:
        message = nice
    else:
        message = f"{nice} ({raw})"
    return {"message": message or "error", "extensions": ext if isinstance(ext, Mapping) else {}}


_ISSUES = TypeAdapter(LnConnection[LnIssue])
_NOTIFICATIONS = TypeAdapter(LnConnection[LnIssueNotification])
_TEAMS = TypeAdapter(LnConnection[LnTeamKey])
_USERS = TypeAdapter(LnConnection[LnUser])


class LinearClient:
    """Linear's GraphQL operations as typed methods."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    # -- plumbing -------------------------------------------------------------------------
    async def post(
        self, operation: str, variables: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """Run the document ``operation`` (a file of :mod:`.queries`); the whole response.

        Queries are marked idempotent, so the stack retries them after a 5xx or a dropped
        connection like any GET; mutations are not (Linear has no idempotency keys: a
        repeated ``issueCreate`` would create a second issue).
        """
        return await self.http.post(
            GRAPHQL_PATH,
            json={"query": queries.document(operation), "variables": dict(variables or {})},
            extensions={"idempotent": queries.is_read(operation)},
        )

    async def execute(self, operation: str, variables: Mapping[str, Any] | None = None) -> Any:
        """Run ``operation`` and return its ``data`` (errors in the body are raised)."""
        return self.data(await self.post(operation, variables))

    @staticmethod
    def data(response: httpx.Response) -> Any:
        err = linear_error(response)
        if err is not None:
            raise err
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ServiceError(f"{SERVICE}: the answer is not JSON", service=SERVICE) from None
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            raise ServiceError(f"{SERVICE}: the answer has no data", service=SERVICE)
        return data

    # -- account --------------------------------------------------------------------------
    async def viewer(self) -> tuple[LnViewer, httpx.Headers]:
        """The signed-in user and workspace, with the answer's headers (rate-limit budget)."""
        r = await self.post("viewer")
        return LnViewer.model_validate(self.data(r)["viewer"]), r.headers

    async def teams_page(self, after: str | None) -> LnConnection[LnTeamKey]:
        data = await self.execute("teams", {"first": TEAMS_PAGE, "after": after})
        return _TEAMS.validate_python(data["teams"])

    async def revoke(self, token: str) -> None:
        """End an OAuth access token (Linear takes it as the Bearer header, not RFC 7009's
        ``token`` form field)."""
        await self.http.post(REVOKE_PATH, headers={"Authorization": f"Bearer {token}"})

    # -- issues ---------------------------------------------------------------------------
    async def issue(self, key: str) -> LnIssue:
        return LnIssue.model_validate((await self.execute("issue", {"id": key}))["issue"])

    async def issue_ref(self, key: str) -> LnIssueRef:
        return LnIssueRef.model_validate((await self.execute("issue_ref", {"id": key}))["issue"])

    async def my_issues(
        self, which: str, *, team: str | None, after: str | None
    ) -> LnConnection[LnIssue]:
        """Open issues assigned to (``assigned``) or created by (``created``) the viewer."""
        operation = {"assigned": "assigned_issues", "created": "created_issues"}[which]
        field = {"assigned": "assignedIssues", "created": "createdIssues"}[which]
        data = await self.execute(
            operation, {"filter": open_filter(team), "first": PAGE_SIZE, "after": after}
        )
        return _ISSUES.validate_python(data["viewer"][field])

    async def team_issues(self, team: str, *, after: str | None) -> LnConnection[LnIssue]:
        data = await self.execute(
            "team_issues", {"filter": open_filter(team), "first": PAGE_SIZE, "after": after}
        )
        return _ISSUES.validate_python(data["issues"])

    async def mentions(self, *, after: str | None) -> LnConnection[LnIssueNotification]:
        data = await self.execute("mentions", {"first": PAGE_SIZE, "after": after})
        return _NOTIFICATIONS.validate_python(data["notifications"])

    async def create_context(self, team: str, labels: Sequence[str]) -> LnCreateContext:
        data = await self.execute(
            "create_context",
            {"key": team, "names": list(labels), "withLabels": bool(labels)},
        )
        return LnCreateContext.model_validate(data)

    async def create_issue(
        self, team_id: str, title: str, description: str, label_ids: Sequence[str]
    ) -> LnIssue:
        payload: dict[str, Any] = {"teamId": team_id, "title": title}
        if description:
            payload["description"] = description
        if label_ids:
            payload["labelIds"] = list(label_ids)
        data = await self.execute("issue_create", {"input": payload})
        return _issue_of(LnIssuePayload.model_validate(data["issueCreate"]), "create the issue")

    async def create_comment(self, issue_id: str, body: str) -> LnComment:
        data = await self.execute("comment_create", {"input": {"issueId": issue_id, "body": body}})
        result = LnCommentPayload.model_validate(data["commentCreate"])
        if not result.success:
            raise InvalidRequest(f"{SERVICE} did not add the comment", service=SERVICE)
        return result.comment

    # -- workflow -------------------------------------------------------------------------
    async def issue_states(self, key: str) -> LnIssueStates:
        data = await self.execute("issue_states", {"id": key})
        return LnIssueStates.model_validate(data["issue"])

    async def set_state(self, key: str, state_id: str) -> LnIssue:
        data = await self.execute("issue_set_state", {"id": key, "stateId": state_id})
        return _issue_of(LnIssuePayload.model_validate(data["issueUpdate"]), "move the issue")

    # -- users ----------------------------------------------------------------------------
    async def users(self, prefix: str, *, team: str | None) -> tuple[LnUser, ...]:
        """Active users whose display name, name or email starts with ``prefix``: the whole
        workspace, or one team's members."""
        variables: dict[str, Any] = {"filter": user_filter(prefix), "first": MAX_USERS}
        if team is None:
            data = await self.execute("users", variables)
            return _USERS.validate_python(data["users"]).nodes
        data = await self.execute("team_members", {**variables, "key": team})
        nodes = data["teams"]["nodes"]
        if not nodes:
            raise NotFound(f"{SERVICE}: no team with the key {team}", service=SERVICE)
        return _USERS.validate_python(nodes[0]["members"]).nodes


def open_filter(team: str | None) -> dict[str, Any]:
    """An ``IssueFilter``: not completed or canceled, optionally in one team (by key)."""
    f: dict[str, Any] = {"state": {"type": {"nin": list(CLOSED_TYPES)}}}
    if team is not None:
        f["team"] = {"key": {"eq": team}}
    return f


def user_filter(prefix: str) -> dict[str, Any]:
    """A ``UserFilter``: active users whose display name, name or email starts with it."""
    p = prefix.lstrip("@")
    f: dict[str, Any] = {"active": {"eq": True}}
    if p:
        f["or"] = [
            {"displayName": {"startsWithIgnoreCase": p}},
            {"name": {"startsWithIgnoreCase": p}},
            {"email": {"startsWithIgnoreCase": p}},
        ]
    return f


def _issue_of(payload: LnIssuePayload, doing: str) -> LnIssue:
    if not payload.success or payload.issue is None:
        raise InvalidRequest(f"{SERVICE} did not {doing}", service=SERVICE)
    return payload.issue
