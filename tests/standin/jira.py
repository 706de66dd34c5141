"""A local Jira stand-in: Cloud (platform REST v3, OAuth gateway) or Data Center (REST v2).

Built on the stand-in kit: every request is checked against a contract before it is served
-- Jira Cloud's platform v3 OpenAPI (``tests/contracts/jira/platform-v3.json``), or, where
Atlassian publishes none (Data Center's v2, the OAuth gateway's accessible-resources), the
documented shapes in :mod:`tests.standin.jira_shapes` -- so a request Jira would refuse
fails the test. State is real: issues created are searched, transitioned and read back.

What it models, as Jira does it:

- Auth. Cloud sites take HTTP Basic ``email:api_token`` only; OAuth (3LO) access tokens are
  accepted only under ``/ex/jira/{cloudid}`` for the sites the token was granted, and
  ``/oauth/token/accessible-resources`` lists those sites. Data Center takes a personal
  access token as Bearer, or Basic ``user:password``.
- JQL: the clauses a client of "my issues" needs (``assignee|reporter|watcher =
  currentUser()``, ``statusCategory != Done``, ``project = KEY``, ``ORDER BY updated DESC``);
  anything else is Jira's 400 "Error in the JQL Query", so an unexpected query fails loudly.
- Paging: ``/search/jql`` by ``nextPageToken`` (no total), DC ``/search`` and
  ``/project/search`` by ``startAt``/``maxResults``/``total``.
- Fields: only the requested ``fields`` come back (``/search/jql`` defaults to ids only).
- Rate limits: ``X-RateLimit-Limit``/``-Remaining`` on every answer, ``X-RateLimit-NearLimit``
  under 20 %, and 429 with ``Retry-After`` plus ``X-RateLimit-Reset`` as an ISO 8601
  minute (``yyyy-MM-ddTHH:mmZ``) and ``RateLimit-Reason`` (developer.atlassian.com/cloud/
  jira/platform/rate-limiting/). Data Center sends its token-bucket headers instead.
- No validators: Jira's REST answers carry no ETag and say ``Cache-Control: no-cache,
  no-store, no-transform``, so nothing is revalidated or served from cache.
- Errors: ``{"errorMessages": [...], "errors": {"field": "why"}}``.
"""

from __future__ import annotations

import base64
import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from .jira_shapes import (
    CLOUD_CONTRACT,
    DC_CONTRACT,
    SPRINT_FIELD,
    SPRINT_SCHEMA,
    example,
    response_problems,
)
from .kit import Json, Quota, Reply, Request, Response, Router, StandIn, offset_body, token_body

CLOUD_ID = "1324a887-45db-1bf4-1e99-ef0ff456d421"  # the docs' example cloud id
NO_STORE = "no-cache, no-store, no-transform"
API = r"(?:/ex/jira/(?P<cloudid>[^/]+))?/rest/api/(?P<v>[23])"
KEY = r"(?P<key>[^/]+)"

# id, name, category key, category id, colour -- Jira's default software workflow.
STATUSES = {
    "To Do": ("10000", "new", 2, "blue-gray", "To Do"),
    "In Progress": ("3", "indeterminate", 4, "yellow", "In Progress"),
    "In Review": ("10001", "indeterminate", 4, "yellow", "In Progress"),
    "Done": ("10002", "done", 3, "green", "Done"),
}
#: Every status can move to every other ("All" transitions), as a new team project does.
TRANSITIONS = {"11": "To Do", "21": "In Progress", "31": "In Review", "41": "Done"}
ISSUE_TYPES = (
    ("10000", "Epic", False),
    ("10001", "Task", False),
    ("1", "Bug", False),
    ("10002", "Story", False),
    ("10003", "Sub-task", True),
)


def jira_time(epoch: float) -> str:
    """Jira's timestamp format: ``2024-05-01T10:00:00.000+0000``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@dataclass
class Account:
    account_id: str  # Cloud accountId; on Data Center the user key
    email: str
    display_name: str
    name: str  # Data Center login name
    active: bool = True


@dataclass
class Sprint:
    id: int
    name: str
    state: str  # active | future | closed


@dataclass
class StoredIssue:
    id: str
    key: str
    project: str
    summary: str
    issuetype: str
    status: str = "To Do"
    reporter: str | None = None
    assignee: str | None = None
    labels: list[str] = field(default_factory=list)
    description: Any = None  # ADF (Cloud) or wiki markup (DC)
    priority: str = "Medium"
    watchers: set[str] = field(default_factory=set)
    sprints: list[Sprint] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    created: float = 0.0
    updated: float = 0.0
    resolved: float | None = None


class JiraState:
    """The stand-in's world: accounts and their credentials, projects, issues."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.api_tokens: dict[tuple[str, str], str] = {}  # (email, token) -> account id
        self.passwords: dict[tuple[str, str], str] = {}  # DC (name, password) -> account id
        self.pats: dict[str, str] = {}  # DC personal access token -> account id
        self.oauth: dict[str, tuple[str, set[str]]] = {}  # token -> (account id, cloud ids)
        self.sites: dict[str, str] = {CLOUD_ID: "acme"}  # cloud id -> site name
        self.projects: dict[str, dict[str, Any]] = {}
        self.issues: dict[str, StoredIssue] = {}
        self.next_id = 10000
        self.clock = 1_714_557_600.0  # 2024-05-01T10:00:00Z
        self.software = True  # Jira Software installed: the sprint field exists
        self.hidden_emails: set[str] = set()  # accounts whose profile hides the email

    def tick(self) -> float:
        self.clock += 60
        return self.clock

    # -- seeding --------------------------------------------------------------------------
    def add_account(
        self,
        name: str,
        *,
        email: str | None = None,
        display: str | None = None,
        aid: str | None = None,
    ) -> Account:
        account = Account(
            account_id=aid or f"5b10a2844c2016570{len(self.accounts):07d}",
            email=email or f"{name}@example.com",
            display_name=display or name.title(),
            name=name,
        )
        self.accounts[account.account_id] = account
        return account

    def add_project(self, key: str, name: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        project = {"id": str(self.next_id), "key": key, "name": name or key.title(), "count": 0}
        self.projects[key] = project
        return project

    def add_issue(
        self,
        project: str,
        summary: str,
        *,
        reporter: Account | None = None,
        assignee: Account | None = None,
        status: str = "To Do",
        issuetype: str = "Task",
        labels: list[str] | None = None,
        description: Any = None,
        watchers: list[Account] | None = None,
        sprints: list[Sprint] | None = None,
        priority: str = "Medium",
    ) -> StoredIssue:
        proj = self.projects.get(project) or self.add_project(project)
        proj["count"] += 1
        self.next_id += 1
        now = self.tick()
        issue = StoredIssue(
            id=str(self.next_id),
            key=f"{project}-{proj['count']}",
            project=project,
            summary=summary,
            issuetype=issuetype,
            status=status,
            reporter=reporter.account_id if reporter else None,
            assignee=assignee.account_id if assignee else None,
            labels=list(labels or []),
            description=description,
            watchers={w.account_id for w in watchers or []},
            sprints=list(sprints or []),
            priority=priority,
            created=now,
            updated=now,
            resolved=now if STATUSES[status][1] == "done" else None,
        )
        for who in (issue.reporter, issue.assignee):
            if who:
                issue.watchers.add(who)  # Jira watches reporters and assignees for them
        self.issues[issue.key] = issue
        return issue


class JiraStandIn(StandIn):
    """Jira Cloud: the site (Basic auth) and Atlassian's OAuth gateway, on one server."""

    service: ClassVar[str] = "Jira"
    contract: ClassVar[Any] = CLOUD_CONTRACT
    budgets: ClassVar[dict[str, int]] = {"requests": 1000}
    window: ClassVar[float] = 60.0
    etags: ClassVar[bool] = False  # Jira's REST answers carry no validators
    deployment: ClassVar[str] = "cloud"

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = JiraState()
        self.default_cache_control = NO_STORE
        self.auth_seen: list[str] = []  # Authorization values, for header-shape tests
        self.me = self.state.add_account(
            "mia", email="mia@example.com", display="Mia Krystof", aid="5b10a2844c20165700ede21g"
        )

    # -- credentials ------------------------------------------------------------------------
    def api_token(self, email: str, token: str, account: Account | None = None) -> None:
        self.state.api_tokens[(email, token)] = (account or self.me).account_id

    def oauth_token(
        self, token: str, account: Account | None = None, sites: set[str] | None = None
    ) -> None:
        self.state.oauth[token] = ((account or self.me).account_id, sites or {CLOUD_ID})

    def pat(self, token: str, account: Account | None = None) -> None:
        self.state.pats[token] = (account or self.me).account_id

    def password(self, name: str, password: str, account: Account | None = None) -> None:
        self.state.passwords[(name, password)] = (account or self.me).account_id

    # -- kit hooks --------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"errorMessages": [message], "errors": {}})

    def field_errors(self, status: int, errors: dict[str, str]) -> Reply:
        return Reply(status, {"errorMessages": [], "errors": errors})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "null for uri: " + req.path)

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Client must be authenticated to access this resource.")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(
            400,
            "Invalid request payload. Refer to the REST API documentation and try again. "
            + "; ".join(problems),
        )

    def authenticate(self, req: Request) -> str | None:
        self.auth_seen.append(req.headers.get("authorization", ""))
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        scheme, value = scheme.lower(), value.strip()
        gateway = req.path.startswith(("/ex/jira/", "/oauth/"))
        if scheme == "bearer" and gateway and self.deployment == "cloud":
            found = self.state.oauth.get(value)
            if found is None:
                return None
            account, sites = found
            m = re.match(r"^/ex/jira/([^/]+)/", req.path)
            return account if m is None or m.group(1) in sites else None
        if gateway:
            return None
        if scheme == "basic":
            try:
                user, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            table = self.state.api_tokens if self.deployment == "cloud" else self.state.passwords
            return table.get((user, secret))
        if scheme == "bearer" and self.deployment == "datacenter":
            return self.state.pats.get(value)
        return None  # Cloud sites do not accept Bearer tokens (3LO goes through the gateway)

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        out = {
            "x-ratelimit-limit": str(quota.limit),
            "x-ratelimit-remaining": str(quota.remaining),
        }
        if quota.remaining < quota.limit * 0.2:
            out["x-ratelimit-nearlimit"] = "true"
        return out

    def _limited(self, seconds: float) -> Reply:
        wait = max(1, math.ceil(seconds))
        reset = datetime.fromtimestamp(time.time() + wait, UTC).strftime("%Y-%m-%dT%H:%MZ")
        return self.error(429, "Rate limit exceeded.").with_headers(
            {
                "retry-after": str(wait),
                "x-ratelimit-reset": reset,
                "ratelimit-reason": "jira-burst-based",
            }
        )

    def rate_limited(self, quota: Quota) -> Reply:
        return self._limited(quota.reset - time.time())

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return self._limited(seconds)

    def cache_control(self, req: Request) -> str | None:
        return NO_STORE

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Any:
        """The kit's answer, whose body is then checked against the contract's response
        schema too (Cloud): a stand-in that answers what Jira never would proves nothing."""
        wire = super().handle(method, target, headers, body)
        if wire is not None and self.validate and self.deployment == "cloud":
            status, out_headers, data = wire
            if status < 300:
                req = Request.parse(method, target, headers, body)
                problems = response_problems(req, status, out_headers, data)
                with self.lock:
                    self.violations.extend(problems)
        return wire

    # -- helpers for routes -------------------------------------------------------------------
    def v(self) -> str:
        return "3" if self.deployment == "cloud" else "2"

    def base(self, req: Request) -> str:
        cloudid = req.path_args.get("cloudid")
        prefix = f"/ex/jira/{cloudid}" if cloudid else ""
        return f"{req.base_url}{prefix}/rest/api/{self.v()}"

    def check_version(self, req: Request) -> None:
        """A v2 path on Cloud (or v3 on Data Center) is a route this Jira does not have."""
        if req.path_args.get("v") != self.v():
            raise self.not_found(req)
        if req.path_args.get("cloudid") and self.deployment != "cloud":
            raise self.not_found(req)

    def issue(self, req: Request) -> StoredIssue:
        key = req.path_args["key"].upper()
        found = self.state.issues.get(key)
        if found is None:
            raise self.error(404, "Issue does not exist or you do not have permission to see it.")
        return found

    def user_json(self, req: Request, account_id: str | None) -> Json:
        if account_id is None:
            return None
        a = self.state.accounts[account_id]
        u = example("user")
        for drop in ("groups", "applicationRoles", "expand"):
            u.pop(drop, None)
        if self.deployment == "cloud":
            u.update(
                accountId=a.account_id,
                emailAddress=a.email,
                displayName=a.display_name,
                active=a.active,
                self=f"{self.base(req)}/user?accountId={a.account_id}",
            )
            u.pop("key", None)
            u.pop("name", None)
            if a.account_id in self.state.hidden_emails:
                u.pop("emailAddress")
        else:
            u = {
                "self": f"{self.base(req)}/user?username={a.name}",
                "key": a.account_id,
                "name": a.name,
                "emailAddress": a.email,
                "avatarUrls": u["avatarUrls"],
                "displayName": a.display_name,
                "active": a.active,
                "timeZone": u["timeZone"],
            }
        return u

    def status_json(self, req: Request, name: str) -> Json:
        sid, cat_key, cat_id, colour, cat_name = STATUSES[name]
        return {
            "self": f"{self.base(req)}/status/{sid}",
            "description": "",
            "iconUrl": f"{req.base_url}/images/icons/statuses/generic.png",
            "name": name,
            "id": sid,
            "statusCategory": {
                "self": f"{self.base(req)}/statuscategory/{cat_id}",
                "id": cat_id,
                "key": cat_key,
                "colorName": colour,
                "name": cat_name,
            },
        }

    def type_json(self, req: Request, name: str) -> Json:
        tid, _, subtask = next(t for t in ISSUE_TYPES if t[1] == name)
        t = example("issuetype")
        t.update(
            id=tid,
            name=name,
            subtask=subtask,
            description=f"A {name.lower()}.",
            self=f"{self.base(req)}/issuetype/{tid}",
        )
        return t

    def project_json(self, req: Request, key: str) -> Json:
        p = self.state.projects[key]
        out = example("project")
        out.update(id=p["id"], key=key, name=p["name"], self=f"{self.base(req)}/project/{p['id']}")
        out.pop("insight", None)
        return out

    def sprint_json(self, s: Sprint) -> Json:
        if self.deployment == "cloud":
            return {"id": s.id, "name": s.name, "state": s.state, "boardId": 1, "goal": ""}
        return (
            f"com.atlassian.greenhopper.service.sprint.Sprint@{s.id:x}[id={s.id},rapidViewId=1,"
            f"state={s.state.upper()},name={s.name},startDate=<null>,endDate=<null>,"
            f"completeDate=<null>,sequence={s.id}]"
        )

    def comment_json(self, req: Request, issue: StoredIssue, c: dict[str, Any]) -> Json:
        out = example("comment")
        out.pop("visibility", None)
        author = self.user_json(req, c["author"])
        out.update(
            id=c["id"],
            body=c["body"],
            author=author,
            updateAuthor=author,
            created=jira_time(c["created"]),
            updated=jira_time(c["created"]),
            self=f"{self.base(req)}/issue/{issue.id}/comment/{c['id']}",
        )
        return out

    def issue_json(self, req: Request, issue: StoredIssue, fields: list[str] | None) -> Json:
        """The issue with ``fields`` (``None``, ``*all`` or ``*navigable``: every field)."""
        everything = fields is None or "*all" in fields or "*navigable" in fields
        want = set(fields or ())

        def wanted(name: str) -> bool:
            return everything or name in want

        values: dict[str, Any] = {
            "summary": issue.summary,
            "status": self.status_json(req, issue.status),
            "issuetype": self.type_json(req, issue.issuetype),
            "priority": {"self": f"{self.base(req)}/priority/3", "name": issue.priority, "id": "3"},
            "assignee": self.user_json(req, issue.assignee),
            "reporter": self.user_json(req, issue.reporter),
            "creator": self.user_json(req, issue.reporter),
            "labels": issue.labels,
            "created": jira_time(issue.created),
            "updated": jira_time(issue.updated),
            "resolutiondate": jira_time(issue.resolved) if issue.resolved else None,
            "resolution": {"name": "Done"} if issue.resolved else None,
            "description": issue.description,
            "project": self.project_json(req, issue.project),
            "comment": {
                "comments": [self.comment_json(req, issue, c) for c in issue.comments],
                "maxResults": len(issue.comments),
                "total": len(issue.comments),
                "startAt": 0,
            },
            "watches": {
                "self": f"{self.base(req)}/issue/{issue.key}/watchers",
                "watchCount": len(issue.watchers),
                "isWatching": req.account in issue.watchers,
            },
        }
        if self.state.software:
            values[SPRINT_FIELD] = [self.sprint_json(s) for s in issue.sprints] or None
        return {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": issue.id,
            "self": f"{self.base(req)}/issue/{issue.id}",
            "key": issue.key,
            "fields": {k: v for k, v in values.items() if wanted(k)},
        }

    # -- JQL ------------------------------------------------------------------------------------
    def jql(self, req: Request, query: str) -> list[StoredIssue]:
        """The issues ``query`` selects, in its order; Jira's 400 for anything else."""
        parts = re.split(r"\s+ORDER\s+BY\s+", query.strip(), maxsplit=1, flags=re.I)
        body, order = parts[0], parts[1] if len(parts) > 1 else ""
        clauses = [c.strip() for c in re.split(r"\s+AND\s+", body, flags=re.I) if c.strip()]
        if not clauses:
            raise self.error(
                400,
                "Unbounded JQL queries are not allowed here. "
                "Please add a search restriction to your query.",
            )
        found = list(self.state.issues.values())
        me = req.account
        for clause in clauses:
            if m := re.fullmatch(
                r"(assignee|reporter|watcher)\s*=\s*currentUser\(\)", clause, re.I
            ):
                who = m.group(1).lower()
                if who == "watcher":
                    found = [i for i in found if me in i.watchers]
                else:
                    found = [i for i in found if getattr(i, who) == me]
            elif re.fullmatch(r'statusCategory\s*!=\s*"?Done"?', clause, re.I):
                found = [i for i in found if STATUSES[i.status][1] != "done"]
            elif m := re.fullmatch(r'project\s*=\s*"?([A-Za-z][A-Za-z0-9_]*)"?', clause, re.I):
                key = m.group(1).upper()
                if key not in self.state.projects:
                    raise self.error(
                        400, f"The value '{m.group(1)}' does not exist for the field 'project'."
                    )
                found = [i for i in found if i.project == key]
            else:
                raise self.error(400, f"Error in the JQL Query: cannot parse '{clause}'.")
        if order:
            if not re.fullmatch(r"updated\s+DESC", order.strip(), re.I):
                raise self.error(400, f"Error in the JQL Query: cannot order by '{order}'.")
            found.sort(key=lambda i: (i.updated, int(i.id)), reverse=True)
        return found


class JiraDCStandIn(JiraStandIn):
    """Jira Data Center / Server: REST v2 at the site, PATs or Basic; no OAuth gateway."""

    contract: ClassVar[Any] = DC_CONTRACT
    deployment: ClassVar[str] = "datacenter"

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        # Data Center's token bucket (Jira DC "Adapting to rate limiting" / HTTP headers).
        return {
            "x-ratelimit-limit": str(quota.limit),
            "x-ratelimit-remaining": str(quota.remaining),
            "x-ratelimit-interval-seconds": "60",
            "x-ratelimit-fillrate": str(quota.limit),
        }

    def _limited(self, seconds: float) -> Reply:
        wait = max(1, math.ceil(seconds))
        return self.error(429, "Rate limit exceeded.").with_headers({"retry-after": str(wait)})


# -- routes -------------------------------------------------------------------------------------
ROUTER: Router[JiraStandIn] = Router()
JiraStandIn.router = ROUTER


def _fields(raw: str | None) -> list[str] | None:
    return [f.strip() for f in raw.split(",") if f.strip()] if raw else None


@ROUTER.route("GET", r"/oauth/token/accessible-resources")
def accessible_resources(s: JiraStandIn, req: Request) -> Response:
    _, sites = s.state.oauth[req.headers["authorization"].partition(" ")[2].strip()]
    out = [
        {
            "id": cid,
            # Every site of the stand-in lives at its own address (the tests' configured site).
            "url": req.base_url if name == "acme" else f"https://{name}.atlassian.net",
            "name": name,
            "scopes": ["read:jira-work", "write:jira-work", "read:jira-user"],
            "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png",
        }
        for cid, name in s.state.sites.items()
        if cid in sites
    ]
    return 200, out, {}


@ROUTER.route("GET", API + r"/myself")
def myself(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    u = s.user_json(req, req.account)
    if s.deployment == "cloud":
        u.update(
            accountType="atlassian",
            groups={"items": [], "size": 1},
            applicationRoles={"items": [], "size": 1},
        )
    return 200, u, {}


@ROUTER.route("GET", API + r"/project/search")
def project_search(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    projects = [s.project_json(req, k) for k in sorted(s.state.projects)]
    body = offset_body(projects, req.args, key="values", default=50, maximum=100)
    body["self"] = req.link(req.args)
    if not body["isLast"]:
        nxt = {**req.args, "startAt": str(body["startAt"] + body["maxResults"])}
        body["nextPage"] = req.link(nxt)
    return 200, body, {}


@ROUTER.route("GET", API + r"/project")
def project_list(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    return 200, [s.project_json(req, k) for k in sorted(s.state.projects)], {}


@ROUTER.route("GET", API + r"/field")
def fields(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    out = example("fields")
    if s.state.software:
        out.append(
            {
                "id": SPRINT_FIELD,
                "key": SPRINT_FIELD,
                "name": "Sprint",
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": ["cf[10020]", "Sprint"],
                "schema": {
                    "type": "array",
                    "items": "json",
                    "custom": SPRINT_SCHEMA,
                    "customId": 10020,
                },
            }
        )
    return 200, out, {}


@ROUTER.route("GET", API + r"/issue/createmeta/(?P<project>[^/]+)/issuetypes")
def createmeta_types(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    key = req.path_args["project"].upper()
    if key not in s.state.projects:
        raise s.error(404, f"No project could be found with key '{key}'.")
    types = [s.type_json(req, name) for _, name, _ in ISSUE_TYPES]
    if s.deployment == "cloud":
        body = offset_body(types, req.args, key="issueTypes", default=50, maximum=200)
        body.pop("isLast", None)  # Cloud's PageOfCreateMetaIssueTypes has no isLast
    else:
        body = offset_body(types, req.args, key="values", default=50, maximum=200)
    return 200, body, {}


@ROUTER.route("POST", API + r"/search/jql")
def search_jql(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    body = req.json or {}
    found = s.jql(req, str(body.get("jql") or ""))
    wanted = body.get("fields") or ["id"]
    page = token_body(found, body, key="issues", default=50, maximum=100)
    page["issues"] = [s.issue_json(req, i, list(wanted)) for i in page["issues"]]
    return 200, page, {}


@ROUTER.route("POST", API + r"/search")
def search_offset(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    body = req.json or {}
    found = s.jql(req, str(body.get("jql") or ""))
    page = offset_body(found, body, key="issues", default=50, maximum=100)
    page.pop("isLast", None)  # DC's search answers startAt/maxResults/total only
    page["issues"] = [
        s.issue_json(req, i, body.get("fields") or ["*navigable"]) for i in page["issues"]
    ]
    page["expand"] = "schema,names"
    return 200, page, {}


@ROUTER.route("GET", API + r"/issue/" + KEY)
def get_issue(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    return 200, s.issue_json(req, s.issue(req), _fields(req.args.get("fields"))), {}


@ROUTER.route("POST", API + r"/issue")
def create_issue(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    f = (req.json or {}).get("fields") or {}
    errors: dict[str, str] = {}
    project = (f.get("project") or {}).get("key", "")
    if project not in s.state.projects:
        errors["project"] = "valid project is required"
    if not str(f.get("summary") or "").strip():
        errors["summary"] = "You must specify a summary of the issue."
    type_id = (f.get("issuetype") or {}).get("id")
    kind = next((name for tid, name, _ in ISSUE_TYPES if tid == type_id), None)
    if kind is None:
        errors["issuetype"] = "valid issue type is required"
    desc = f.get("description")
    if desc is not None:
        adf_ok = isinstance(desc, dict) and desc.get("type") == "doc" and desc.get("version") == 1
        if s.deployment == "cloud" and not adf_ok:
            errors["description"] = (
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
        if s.deployment != "cloud" and not isinstance(desc, str):
            errors["description"] = "Operation value must be a string"
    labels = f.get("labels") or []
    if any(not isinstance(lb, str) or re.search(r"\s", lb) for lb in labels):
        errors["labels"] = "The label can't contain spaces."
    if errors:
        raise s.field_errors(400, errors)
    me = s.state.accounts[req.account or ""]
    issue = s.state.add_issue(
        project,
        f["summary"],
        reporter=me,
        issuetype=kind or "Task",
        labels=labels,
        description=desc,
    )
    created = example("created")
    created.pop("transition", None)
    created.update(id=issue.id, key=issue.key, self=f"{s.base(req)}/issue/{issue.id}")
    return 201, created, {}


@ROUTER.route("POST", API + r"/issue/" + KEY + r"/comment")
def add_comment(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    issue = s.issue(req)
    body = (req.json or {}).get("body")
    if s.deployment == "cloud" and not (isinstance(body, dict) and body.get("type") == "doc"):
        raise s.error(400, "Comment body is not valid!")
    if s.deployment != "cloud" and not (isinstance(body, str) and body.strip()):
        raise s.field_errors(400, {"comment": "Comment body can not be empty!"})
    s.state.next_id += 1
    comment = {
        "id": str(s.state.next_id),
        "body": body,
        "author": req.account,
        "created": s.state.tick(),
    }
    issue.comments.append(comment)
    issue.updated = comment["created"]
    if req.account:
        issue.watchers.add(req.account)
    return 201, s.comment_json(req, issue, comment), {}


def _matches(a: Account, query: str) -> bool:
    q = query.casefold()
    words = [a.email, a.name, *a.display_name.split(), a.display_name]
    return not q or any(w.casefold().startswith(q) for w in words)


@ROUTER.route("GET", API + r"/user/assignable/search")
def assignable(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    if not (req.args.get("project") or req.args.get("issueKey")):
        raise s.error(400, "Either 'project' or 'issueKey' must be provided.")
    project = req.args.get("project", "").upper()
    if project and project not in s.state.projects:
        raise s.error(404, f"No project could be found with key '{project}'.")
    query = req.args.get("query" if s.deployment == "cloud" else "username", "")
    found = [
        s.user_json(req, a.account_id) for a in s.state.accounts.values() if _matches(a, query)
    ]
    return 200, found[: int(req.args.get("maxResults", "50"))], {}


@ROUTER.route("GET", API + r"/user/search")
def user_search(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    name = "query" if s.deployment == "cloud" else "username"
    if name not in req.args:
        raise s.error(400, f"The {name} parameter is required.")
    found = [
        s.user_json(req, a.account_id)
        for a in s.state.accounts.values()
        if _matches(a, req.args[name])
    ]
    return 200, found[: int(req.args.get("maxResults", "50"))], {}


@ROUTER.route("GET", API + r"/issue/" + KEY + r"/transitions")
def transitions(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    issue = s.issue(req)
    out = []
    for tid, target in TRANSITIONS.items():
        if target == issue.status:
            continue
        out.append(
            {
                "id": tid,
                "name": {
                    "To Do": "Stop progress",
                    "In Progress": "Start progress",
                    "In Review": "Request review",
                    "Done": "Done",
                }[target],
                "to": s.status_json(req, target),
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
        )
    return 200, {"expand": "transitions", "transitions": out}, {}


@ROUTER.route("POST", API + r"/issue/" + KEY + r"/transitions")
def do_transition(s: JiraStandIn, req: Request) -> Response:
    s.check_version(req)
    issue = s.issue(req)
    tid = str(((req.json or {}).get("transition") or {}).get("id", ""))
    target = TRANSITIONS.get(tid)
    if target is None or target == issue.status:
        raise s.error(400, f"Transition id '{tid}' is not valid for this issue.")
    issue.status = target
    issue.updated = s.state.tick()
    issue.resolved = issue.updated if STATUSES[target][1] == "done" else None
    return 204, b"", {}
