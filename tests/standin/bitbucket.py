"""A local Bitbucket Cloud REST 2.0 stand-in on the stand-in kit: stateful, contract-checked,
Bitbucket's own error bodies, rate-limit headers and body pagination.

Every request is validated against Bitbucket's published OpenAPI description
(``tests/contracts/bitbucket/bitbucket.org.json``, see its PROVENANCE); a request it does not
allow (an unknown path, a body without the ``type`` every Bitbucket object carries, a
``pull_request_id`` that is not an integer) is a violation and the ``bitbucket`` fixture fails
the test. The description has no examples, so bodies are built here in the shapes of its
schemas (``pullrequest``, ``issue``, ``pipeline``, ``pipeline_step``, ``commitstatus``,
``paginated_*``) and of Bitbucket's reference pages (nested pipeline ``state`` with ``result``
or ``stage``; ``links.html.href``; users with ``uuid``, ``account_id``, ``nickname``), overlaid
with the state, so a re-run, a comment or an issue reads back; every JSON answer is checked
against the operation's documented response schema as well. What Bitbucket does that
matters to a client:

- ``Authorization: Basic`` with an Atlassian email (API tokens) or a username (app
  passwords), or ``Bearer`` (access tokens, OAuth); anything else is 401;
- errors ``{"type": "error", "error": {"message": ..., "detail"?: ...}}``;
- lists ``{"values", "page", "pagelen", "size", "next"?, "previous"?}``: ``pagelen`` (default
  10, at most 50, 100 for pipelines) and ``page``; ``next`` is an absolute URL carrying every
  parameter; BBQL ``q`` (``=``, ``!=``, ``~``, ``AND``, ``OR``, parentheses, dotted fields) and
  ``sort`` (``-field``) filter and order them, and a query that does not parse is 400;
- every answer carries ``X-RateLimit-Limit`` and ``X-RateLimit-Resource``, and
  ``X-RateLimit-NearLimit: true`` below 20 % left; no remaining count, no reset time; a spent
  budget is 429 without ``Retry-After``;
- weak ETags on GETs (a 304 costs budget like any request);
- a step's log honours ``Range: bytes=N-`` (206; 416 past the end), other answers are JSON.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import yaml

from tests.standin.kit import OpenAPIContract, Quota, Reply, Request, Response, Router, StandIn
from tests.standin.kit.paging import BadRequest
from tests.standin.kit.server import Wire

Json = Any
ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(ROOT / "contracts" / "bitbucket" / "bitbucket.org.json")
#: What the packaged description lacks (routes of 2026), written from the reference pages.
DOCUMENTED = OpenAPIContract(ROOT / "contracts" / "bitbucket" / "documented.yaml")
_DOCUMENTED_PATHS = re.compile(r"/2\.0/(?:user/workspaces|workspaces/[^/]+/pullrequests/[^/]+)")
API = "/2.0"
R = r"/2\.0/repositories/(?P<workspace>[^/]+)/(?P<slug>[^/]+)"
WEB = "https://bitbucket.org"
STORAGE = "/log-storage/"


def _uuid() -> str:
    return "{" + str(uuidlib.uuid4()) + "}"


@dataclass
class Account:
    nickname: str
    display_name: str
    uuid: str = field(default_factory=_uuid)
    account_id: str = field(default_factory=lambda: f"557058:{uuidlib.uuid4()}")
    email: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "type": "user",
            "uuid": self.uuid,
            "account_id": self.account_id,
            "nickname": self.nickname,
            "display_name": self.display_name,
            "links": {
                "html": {"href": f"{WEB}/{self.uuid}/"},
                "avatar": {"href": f"https://avatar-management.example/{self.nickname}.png"},
            },
        }


@dataclass
class Repo:
    full_name: str
    uuid: str = field(default_factory=_uuid)
    has_issues: bool = True
    mainbranch: str = "main"
    updated: str = ""
    branches: dict[str, str] = field(default_factory=dict)  # name -> commit hash
    prs: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sha -> statuses
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)  # uuid -> pipeline
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # pipeline -> steps
    logs: dict[str, bytes] = field(default_factory=dict)  # step uuid -> log
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (ref, path) -> text
    next_pr: int = 1
    next_issue: int = 1
    next_build: int = 1

    def ref(self) -> dict[str, Any]:
        return {
            "type": "repository",
            "full_name": self.full_name,
            "name": self.full_name.split("/")[1],
            "uuid": self.uuid,
            "links": {"html": {"href": f"{WEB}/{self.full_name}"}},
        }


class State:
    """The stand-in's world: accounts (``me`` is the signed-in one), repositories, their
    pull requests, issues, build statuses, pipelines and files."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.repos: dict[str, Repo] = {}
        self.clock = 1_700_000_000.0
        self.me = self.account("ada", "Ada Lovelace", email="ada@example.com")

    def tick(self) -> str:
        self.clock += 1
        return datetime.fromtimestamp(self.clock, UTC).isoformat().replace("+00:00", "+00:00")

    # -- seeding ---------------------------------------------------------------------------
    def account(self, nickname: str, name: str | None = None, *, email: str = "") -> Account:
        if nickname not in self.accounts:
            self.accounts[nickname] = Account(nickname, name or nickname.title(), email=email)
        return self.accounts[nickname]

    def repo(self, full_name: str, **kw: Any) -> Repo:
        if full_name.lower() not in self.repos:
            self.repos[full_name.lower()] = Repo(full_name, **kw)
        r = self.repos[full_name.lower()]
        r.updated = self.tick()
        return r

    def find(self, workspace: str, slug: str) -> Repo | None:
        return self.repos.get(f"{unquote(workspace)}/{unquote(slug)}".lower())

    def add_pr(
        self,
        repo: str,
        title: str,
        *,
        source: str,
        author: str = "bob",
        destination: str = "main",
        sha: str | None = None,
        reviewers: tuple[str, ...] = (),
        approved_by: tuple[str, ...] = (),
        changes_requested_by: tuple[str, ...] = (),
        state: str = "OPEN",
        draft: bool = False,
        description: str = "",
    ) -> dict[str, Any]:
        r = self.repo(repo)
        n = r.next_pr
        r.next_pr += 1
        sha = sha or f"{n:012x}" + "a" * 28
        r.branches.setdefault(source, sha)
        ts = self.tick()
        participants = [
            {
                "type": "participant",
                "user": self.account(who).body(),
                "role": "REVIEWER" if who in reviewers else "PARTICIPANT",
                "approved": who in approved_by,
                "participated_on": ts,
                # Bitbucket sends "state": null for neither; the description's enum lists
                # null but does not mark the field nullable, so it is left out instead.
                **(
                    {"state": "approved"}
                    if who in approved_by
                    else {"state": "changes_requested"}
                    if who in changes_requested_by
                    else {}
                ),
            }
            for who in dict.fromkeys((*reviewers, *approved_by, *changes_requested_by))
        ]
        pr = {
            "type": "pullrequest",
            "id": n,
            "title": title,
            "description": description,
            "summary": {"raw": description, "markup": "markdown", "html": f"<p>{description}</p>"},
            "state": state,
            "draft": draft,
            "author": self.account(author).body(),
            "source": {
                "branch": {"name": source},
                "commit": {"hash": sha[:12]},
                "repository": r.ref(),
            },
            "destination": {
                "branch": {"name": destination},
                "commit": {"hash": "f" * 12},
                "repository": r.ref(),
            },
            "reviewers": [self.account(x).body() for x in reviewers],
            "participants": participants,
            "comment_count": 0,
            "task_count": 0,
            "close_source_branch": False,
            "created_on": ts,
            "updated_on": ts,
            "links": {"html": {"href": f"{WEB}/{r.full_name}/pull-requests/{n}"}},
            "_full_sha": sha,
        }
        r.prs[n] = pr
        return pr

    def add_issue(
        self,
        repo: str,
        title: str,
        *,
        reporter: str = "bob",
        assignee: str | None = None,
        content: str = "",
        state: str = "new",
    ) -> dict[str, Any]:
        r = self.repo(repo)
        n = r.next_issue
        r.next_issue += 1
        ts = self.tick()
        issue = {
            "type": "issue",
            "id": n,
            "title": title,
            "content": {"raw": content, "markup": "markdown", "html": f"<p>{content}</p>"},
            "state": state,
            "kind": "bug",
            "priority": "major",
            "reporter": self.account(reporter).body(),
            **({"assignee": self.account(assignee).body()} if assignee else {}),
            "repository": r.ref(),
            "created_on": ts,
            "updated_on": ts,
            "votes": 0,
            "links": {"html": {"href": f"{WEB}/{r.full_name}/issues/{n}"}},
        }
        r.issues[n] = issue
        return issue

    def add_status(
        self, repo: str, sha: str, key: str, state: str, *, name: str | None = None
    ) -> dict[str, Any]:
        r = self.repo(repo)
        ts = self.tick()
        status = {
            "type": "build",
            "key": key,
            "name": name or key,
            "state": state,
            "url": f"https://ci.example.test/{key}",
            "refname": None,
            "description": "",
            "created_on": ts,
            "updated_on": ts,
            "links": {"commit": {"href": f"{API}/repositories/{r.full_name}/commit/{sha}"}},
        }
        r.statuses.setdefault(sha, []).append(status)
        return status

    def add_pipeline(
        self,
        repo: str,
        *,
        branch: str = "main",
        sha: str = "c" * 40,
        state: str = "COMPLETED",
        result: str | None = "SUCCESSFUL",
        steps: tuple[tuple[str, str, str | None], ...] = (("Build", "COMPLETED", "SUCCESSFUL"),),
        selector: dict[str, str] | None = None,
        variables: tuple[dict[str, Any], ...] = (),
        trigger: str = "PUSH",
    ) -> dict[str, Any]:
        """A pipeline on ``branch`` whose steps are ``(name, state, result)``."""
        r = self.repo(repo)
        n = r.next_build
        r.next_build += 1
        ts = self.tick()
        p = {
            "type": "pipeline",
            "uuid": _uuid(),
            "build_number": n,
            "run_number": 1,
            "creator": self.me.body(),
            "repository": r.ref(),
            "target": {
                "type": "pipeline_ref_target",
                "ref_type": "branch",
                "ref_name": branch,
                "commit": {"type": "commit", "hash": sha},
                "selector": selector or {"type": "branches", "pattern": branch},
            },
            "trigger": {"type": f"pipeline_trigger_{trigger.lower()}", "name": trigger},
            "state": _state("pipeline", state, result),
            "variables": list(variables),
            "created_on": ts,
            "completed_on": ts if state == "COMPLETED" else None,
            "build_seconds_used": 42,
        }
        r.pipelines[p["uuid"]] = p
        r.steps[p["uuid"]] = [
            self._step(p, name, s_state, s_result) for name, s_state, s_result in steps
        ]
        return p

    def _step(self, p: dict[str, Any], name: str, state: str, result: str | None) -> dict[str, Any]:
        ts = self.tick()
        return {
            "type": "pipeline_step",
            "uuid": _uuid(),
            "name": name,
            "pipeline": {"type": "pipeline", "uuid": p["uuid"]},
            "state": _state("pipeline_step", state, result),
            "started_on": None if state in ("PENDING", "READY") else ts,
            "completed_on": ts if state == "COMPLETED" else None,
            "run_number": 1,
        }

    def write_log(self, repo: str, step_uuid: str, text: str) -> None:
        r = self.repo(repo)
        r.logs[step_uuid] = r.logs.get(step_uuid, b"") + text.encode()

    def finish_step(self, repo: str, pipeline: str, step_uuid: str, result: str) -> None:
        r = self.repo(repo)
        for s in r.steps[pipeline]:
            if s["uuid"] == step_uuid:
                s["state"] = _state("pipeline_step", "COMPLETED", result)
                s["completed_on"] = self.tick()

    def finish_pipeline(self, repo: str, pipeline: str, result: str) -> None:
        """The pipeline completed with ``result`` (its steps as they are)."""
        p = self.repo(repo).pipelines[pipeline]
        p.update(state=_state("pipeline", "COMPLETED", result), completed_on=self.tick())


def _state(kind: str, name: str, result: str | None) -> dict[str, Any]:
    """Bitbucket's nested state: ``pipeline_state_completed`` with a ``result``,
    ``pipeline_state_in_progress`` with a ``stage``, or pending/ready."""
    low = name.lower()
    out: dict[str, Any] = {"type": f"{kind}_state_{low}", "name": name}
    if name == "COMPLETED":
        res = result or "SUCCESSFUL"
        out["result"] = {"type": f"{kind}_state_completed_{res.lower()}", "name": res}
    elif name == "IN_PROGRESS":
        stage = result or "RUNNING"
        out["stage"] = {"type": f"{kind}_state_in_progress_{stage.lower()}", "name": stage}
    return out


# -- BBQL -------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>!=|=|~|!~|>=|<=|>|<)|(?P<paren>[()])'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?))"
)


def _lex(q: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    q = q.strip()
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise BadRequest(f"Invalid query: unexpected character at {pos} in {q!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(q) and q[pos].isspace():
            pos += 1
    return out


def _get(item: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(item, list):
            return [_get(x, part) for x in item]
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def _cmp(value: Any, op: str, want: Any) -> bool:
    if isinstance(value, list):  # a list field (reviewers.uuid) matches when any item does
        return (
            any(_cmp(v, op, want) for v in value)
            if op not in ("!=", "!~")
            else all(_cmp(v, op, want) for v in value)
        )
    if op == "=":
        return bool(value == want)
    if op == "!=":
        return bool(value != want)
    if op in ("~", "!~"):
        hit = isinstance(value, str) and str(want).lower() in value.lower()
        return hit if op == "~" else not hit
    return False


def bbql(q: str) -> Any:
    """A predicate over dict items for a BBQL query (the subset Tieline and its tests use);
    a query that does not parse is a 400, as on Bitbucket."""
    tokens = _lex(q)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise BadRequest(f"Invalid query: unexpected end of {q!r}")
        pos += 1
        return tokens[pos - 1]

    def value(tok: tuple[str, str]) -> Any:
        kind, text = tok
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        raise BadRequest(f"Invalid query: {text!r} is not a value")

    def atom() -> Any:
        tok = take()
        if tok == ("paren", "("):
            inner = disjunction()
            if take() != ("paren", ")"):
                raise BadRequest("Invalid query: missing )")
            return inner
        if tok[0] != "word":
            raise BadRequest(f"Invalid query: expected a field, got {tok[1]!r}")
        op = take()
        if op[0] != "op":
            raise BadRequest(f"Invalid query: expected an operator after {tok[1]}")
        want = value(take())
        return lambda item: _cmp(_get(item, tok[1]), op[1], want)

    def conjunction() -> Any:
        parts = [atom()]
        while peek() == ("word", "AND"):
            take()
            parts.append(atom())
        return lambda item: all(p(item) for p in parts)

    def disjunction() -> Any:
        parts = [conjunction()]
        while peek() == ("word", "OR"):
            take()
            parts.append(conjunction())
        return lambda item: any(p(item) for p in parts)

    pred = disjunction()
    if pos != len(tokens):
        raise BadRequest(f"Invalid query: unexpected {tokens[pos][1]!r}")
    return pred


def filtered(items: list[dict[str, Any]], req: Request) -> list[dict[str, Any]]:
    """``q`` and ``sort`` applied as Bitbucket does."""
    out = items
    if q := req.args.get("q"):
        pred = bbql(q)
        out = [i for i in out if pred(i)]
    if sort := req.args.get("sort"):
        desc = sort.startswith("-")
        key = sort.lstrip("-")
        out = sorted(out, key=lambda i: str(_get(i, key) or ""), reverse=desc)
    return out


def pages(
    items: list[dict[str, Any]], req: Request, *, default: int = 10, maximum: int = 50
) -> dict[str, Any]:
    """Bitbucket's paged body: ``values`` of page ``page`` (from 1) of ``pagelen`` items,
    ``size``, and absolute ``next``/``previous`` URLs carrying every parameter."""
    try:
        pagelen = int(req.args.get("pagelen") or default)
        page = int(req.args.get("page") or 1)
    except ValueError:
        raise BadRequest("pagelen and page must be integers") from None
    if pagelen < 1 or pagelen > maximum:
        raise BadRequest(f"Invalid pagelen: must be between 1 and {maximum}")
    page = max(page, 1)
    start = (page - 1) * pagelen
    body: dict[str, Any] = {
        "pagelen": pagelen,
        "page": page,
        "size": len(items),
        "values": [_public(i) for i in items[start : start + pagelen]],
    }
    if start + pagelen < len(items):
        body["next"] = req.link({**req.args, "page": str(page + 1)})
    if page > 1:
        body["previous"] = req.link({**req.args, "page": str(page - 1)})
    return body


def response_problems(req: Request, wire: Wire) -> list[str]:
    """Every way an answer breaks the operation's documented response (JSON bodies of
    statuses the operation documents; a 304, a raw log or a file is not JSON to check)."""
    status, headers, data = wire
    if not data or "json" not in headers.get("content-type", "") or status >= 500 or status == 429:
        return []
    contract = DOCUMENTED if _DOCUMENTED_PATHS.fullmatch(req.path) else CONTRACT
    out = []
    for err in contract.answer_errors(req, status, headers, data):
        if "Unknown response http status" in str(err):
            continue  # a status the description leaves out (400 on a bad body): no schema
        detail = str(err)
        if err.__cause__ is not None and str(err.__cause__) not in detail:
            detail += f" ({err.__cause__})"
        out.append(f"response to {req.method} {req.path}: {status}: {detail}")
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """An item without the stand-in's own ``_`` fields."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


routes: Router[BitbucketStandIn] = Router()


class BitbucketStandIn(StandIn):
    """Bitbucket Cloud over HTTP; see the module docstring."""

    service = "Bitbucket"
    router = routes
    contract = CONTRACT
    budgets = {"api": 1000}

    def __init__(self, state: State | None = None, *, validate: bool = True) -> None:
        super().__init__(validate=validate)
        if self.validate:
            DOCUMENTED.warm()
        self.state = state or State()
        #: token -> (account nickname, kind): ``basic`` secrets (API tokens, app passwords)
        #: go with a user part, ``bearer`` ones (access tokens, OAuth) without.
        self.secrets: dict[str, tuple[str, str]] = {}
        #: Answer a finished step's log with a 307 to a signed storage URL on another
        #: origin (``localhost`` instead of ``127.0.0.1``), as Bitbucket does.
        self.redirect_logs = False
        self.oauth_scopes: dict[str, str] = {}
        #: ``GET /user/workspaces`` refuses (an access token, bound to one repository).
        self.workspaces_gone = False
        #: The Authorization header (or None) each request to the storage origin carried.
        self.storage_auth: list[str | None] = []

    #: Validate every JSON answer against the operation's documented response schema too:
    #: bodies are written here from the schemas, and this keeps them honest.
    check_responses = True

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Wire | None:
        wire = super().handle(method, target, headers, body)
        if wire is not None and self.validate and self.check_responses:
            problems = response_problems(Request.parse(method, target, headers, body), wire)
            if problems:
                with self.lock:
                    self.violations.extend(problems)
        return wire

    def add_token(
        self, token: str, account: str = "ada", kind: str = "basic", scopes: str = ""
    ) -> None:
        """A secret: ``basic`` (API token, app password: sent with a user part) or
        ``bearer`` (access token, OAuth access token). ``scopes``: an OAuth token's, which
        Bitbucket echoes in ``X-OAuth-Scopes``."""
        self.secrets[token] = (account, kind)
        if scopes:
            self.oauth_scopes[token] = scopes

    # -- hooks ---------------------------------------------------------------------------------
    def _route(self, req: Request) -> Response:
        """Every answer without null fields: Bitbucket leaves unset ones out (a running
        pipeline has no ``completed_on``), and its description marks none nullable."""
        status, payload, headers = super()._route(req)
        return status, _clean(payload), headers

    def error(self, status: int, message: str, detail: str | None = None) -> Reply:
        err: dict[str, Any] = {"message": message}
        if detail:
            err["detail"] = detail
        return Reply(status, {"type": "error", "error": err})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Resource not found")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Unauthorized", "Invalid credentials").with_headers(
            {"www-authenticate": 'Basic realm="Bitbucket.org HTTP"'}
        )

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "Bad request", "; ".join(problems))

    def check_contract(self, req: Request) -> list[str]:
        if req.path.startswith(STORAGE):
            return []  # a presigned storage URL, not Bitbucket's API
        if _DOCUMENTED_PATHS.fullmatch(req.path):
            return DOCUMENTED.check(req)
        return super().check_contract(req)

    def charge(self, req: Request) -> dict[str, int]:
        return {} if req.path.startswith(STORAGE) else super().charge(req)

    def authenticate(self, req: Request) -> str | None:
        import base64

        if req.path.startswith(STORAGE):
            self.storage_auth.append(req.headers.get("authorization"))
            return "storage"  # the signature in the URL is the credential

        scheme, _, cred = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            found = self.secrets.get(cred.strip())
            return found[0] if found and found[1] == "bearer" else None
        if scheme.lower() == "basic":
            try:
                user, _, secret = base64.b64decode(cred).decode().partition(":")
            except ValueError:
                return None
            found = self.secrets.get(secret)
            if not found or found[1] != "basic":
                return None
            acct = self.state.accounts.get(found[0])
            if acct is None or user not in (acct.nickname, acct.email):
                return None
            return found[0]
        return None

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        near = quota.remaining < quota.limit * 0.2
        return {
            "X-RateLimit-Limit": str(quota.limit),
            "X-RateLimit-Resource": "api",
            "X-RateLimit-NearLimit": "true" if near else "false",
        }

    def rate_limited(self, quota: Quota) -> Reply:
        return self.error(429, "Rate limit for this resource has been exceeded")

    # -- helpers --------------------------------------------------------------------------------
    def repo_of(self, req: Request) -> Repo:
        r = self.state.find(req.path_args["workspace"], req.path_args["slug"])
        if r is None:
            raise self.error(404, "Repository not found")
        return r

    def pr_of(self, req: Request) -> tuple[Repo, dict[str, Any]]:
        r = self.repo_of(req)
        n = int(req.path_args["id"])
        if n not in r.prs:
            raise self.error(404, "Resource not found", f"There is no pull request {n}")
        return r, r.prs[n]

    def issue_of(self, req: Request) -> tuple[Repo, dict[str, Any]]:
        r = self.repo_of(req)
        if not r.has_issues:
            raise self.error(404, "Repository has no issue tracker.")
        n = int(req.path_args["id"])
        if n not in r.issues:
            raise self.error(404, "Resource not found", f"There is no issue {n}")
        return r, r.issues[n]

    def pipeline_of(self, req: Request) -> tuple[Repo, dict[str, Any]]:
        r = self.repo_of(req)
        key = unquote(req.path_args["pipeline"])
        if key not in r.pipelines:
            raise self.error(404, f"pipeline with uuid {key} not found")
        return r, r.pipelines[key]

    def step_of(self, req: Request) -> tuple[Repo, dict[str, Any], dict[str, Any]]:
        r, p = self.pipeline_of(req)
        key = unquote(req.path_args["step"])
        for s in r.steps[p["uuid"]]:
            if s["uuid"] == key:
                return r, p, s
        raise self.error(404, f"step with uuid {key} not found")

    def me(self, req: Request) -> Account:
        return self.state.accounts[req.me]


# -- account, repositories, members -----------------------------------------------------------
@routes.route("GET", r"/2\.0/user")
def _user(s: BitbucketStandIn, req: Request) -> Response:
    body = s.me(req).body()
    body.update(created_on="2019-01-01T00:00:00+00:00", is_staff=False, account_status="active")
    token = req.headers.get("authorization", "").partition(" ")[2].strip()
    scopes = s.oauth_scopes.get(token)
    return 200, body, {"x-oauth-scopes": scopes} if scopes else {}


@routes.route("GET", r"/2\.0/repositories")
def _all_repositories(s: BitbucketStandIn, req: Request) -> Response:
    raise s.error(410, "This API is no longer supported.", "See CHANGE-2770.")


@routes.route("GET", r"/2\.0/repositories/(?P<workspace>[^/]+)")
def _repositories(s: BitbucketStandIn, req: Request) -> Response:
    ws = unquote(req.path_args["workspace"]).lower()
    listed = [
        {**r.ref(), "has_issues": r.has_issues, "scm": "git", "updated_on": r.updated,
         "mainbranch": {"type": "branch", "name": r.mainbranch}}
        for r in sorted(s.state.repos.values(), key=lambda r: r.updated, reverse=True)
        if r.full_name.split("/")[0].lower() == ws
    ]  # fmt: skip
    return 200, pages(filtered(listed, req), req), {}


@routes.route("GET", r"/2\.0/user/workspaces")
def _user_workspaces(s: BitbucketStandIn, req: Request) -> Response:
    if s.workspaces_gone:
        raise s.error(403, "Forbidden", "Access tokens cannot list workspaces.")
    slugs = dict.fromkeys(r.full_name.split("/")[0] for r in s.state.repos.values())
    access = [
        {"type": "workspace_access", "administrator": False,
         "workspace": {"type": "workspace_base", "slug": w, "uuid": "{" + w + "}", "name": w}}
        for w in slugs
    ]  # fmt: skip
    return 200, pages(access, req, maximum=100), {}


@routes.route("GET", r"/2\.0/workspaces/(?P<workspace>[^/]+)/pullrequests/(?P<user>[^/]+)")
def _workspace_user_prs(s: BitbucketStandIn, req: Request) -> Response:
    ws = unquote(req.path_args["workspace"]).lower()
    who = unquote(req.path_args["user"])
    acct = next(
        (a for a in s.state.accounts.values() if who in (a.uuid, a.account_id, a.nickname)), None
    )
    if acct is None:
        raise s.error(404, f"User {who} not found")
    here = [p for r in s.state.repos.values() if r.full_name.split("/")[0].lower() == ws
            for p in r.prs.values()]  # fmt: skip
    mine = [p for p in _prs(req, here) if p["author"]["uuid"] == acct.uuid]
    return 200, pages(filtered(mine, req), req), {}


@routes.route("GET", R)
def _repository(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    body = {**r.ref(), "has_issues": r.has_issues, "scm": "git"}
    body["mainbranch"] = {"type": "branch", "name": r.mainbranch}
    return 200, body, {}


@routes.route("GET", r"/2\.0/workspaces/(?P<workspace>[^/]+)/members")
def _members(s: BitbucketStandIn, req: Request) -> Response:
    ws = unquote(req.path_args["workspace"])
    members = [
        {
            "type": "workspace_membership",
            "user": a.body(),
            "workspace": {"type": "workspace", "slug": ws},
        }
        for a in s.state.accounts.values()
    ]
    return 200, pages(members, req), {}


# -- pull requests ----------------------------------------------------------------------------
def _prs(req: Request, prs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    states = [v for k, v in req.query if k == "state"] or ["OPEN"]
    return [p for p in prs if p["state"] in states]


@routes.route("GET", R + r"/pullrequests")
def _list_prs(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    found = filtered(_prs(req, list(r.prs.values())), req)
    return 200, pages(found, req), {}


@routes.route("GET", r"/2\.0/pullrequests/(?P<user>[^/]+)")
def _user_prs(s: BitbucketStandIn, req: Request) -> Response:
    who = unquote(req.path_args["user"])
    acct = next(
        (a for a in s.state.accounts.values() if who in (a.uuid, a.account_id, a.nickname)), None
    )
    if acct is None:
        raise s.error(404, f"User {who} not found")
    everything = [p for r in s.state.repos.values() for p in r.prs.values()]
    mine = [p for p in _prs(req, everything) if p["author"]["uuid"] == acct.uuid]
    return 200, pages(filtered(mine, req), req), {}


@routes.route("GET", R + r"/pullrequests/(?P<id>\d+)")
def _pr(s: BitbucketStandIn, req: Request) -> Response:
    return 200, _public(s.pr_of(req)[1]), {}


@routes.route("GET", R + r"/pullrequests/(?P<id>\d+)/statuses")
def _pr_statuses(s: BitbucketStandIn, req: Request) -> Response:
    r, pr = s.pr_of(req)
    return 200, pages(filtered(r.statuses.get(pr["_full_sha"], []), req), req), {}


@routes.route("POST", R + r"/pullrequests/(?P<id>\d+)/approve")
def _approve(s: BitbucketStandIn, req: Request) -> Response:
    _, pr = s.pr_of(req)
    me = s.me(req)
    if pr["author"]["uuid"] == me.uuid:
        raise s.error(400, "You can't approve your own pull request.")
    for p in pr["participants"]:
        if p["user"]["uuid"] == me.uuid:
            p.update(approved=True, state="approved")
            return 200, p, {}
    p = {
        "type": "participant",
        "user": me.body(),
        "role": "PARTICIPANT",
        "approved": True,
        "state": "approved",
        "participated_on": s.state.tick(),
    }
    pr["participants"].append(p)
    return 200, p, {}


def _comment_body(s: BitbucketStandIn, req: Request, kind: str) -> dict[str, Any]:
    data = req.json or {}
    raw = (data.get("content") or {}).get("raw") if isinstance(data, dict) else None
    if not isinstance(raw, str) or not raw:
        raise s.error(400, "Bad request", "content.raw: This field is required.")
    return {
        "type": kind,
        "id": 10_000 + sum(len(r.comments) for r in s.state.repos.values()),
        "content": {"raw": raw, "markup": "markdown", "html": f"<p>{raw}</p>"},
        "user": s.me(req).body(),
        "created_on": s.state.tick(),
        "deleted": False,
    }


@routes.route("POST", R + r"/pullrequests/(?P<id>\d+)/comments")
def _pr_comment(s: BitbucketStandIn, req: Request) -> Response:
    r, pr = s.pr_of(req)
    c = _comment_body(s, req, "pullrequest_comment")
    c["links"] = {"html": {"href": f"{pr['links']['html']['href']}#comment-{c['id']}"}}
    r.comments.append(c)
    pr["comment_count"] += 1
    return 201, c, {"location": f"{req.base_url}{req.path}/{c['id']}"}


# -- issues -----------------------------------------------------------------------------------
@routes.route("GET", R + r"/issues")
def _issues(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    if not r.has_issues:
        raise s.error(404, "Repository has no issue tracker.")
    return 200, pages(filtered(list(r.issues.values()), req), req, maximum=50), {}


@routes.route("POST", R + r"/issues")
def _create_issue(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    if not r.has_issues:
        raise s.error(404, "Repository has no issue tracker.")
    data = req.json or {}
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        raise s.error(400, "Bad request", "title: This field is required.")
    content = (data.get("content") or {}).get("raw") or ""
    issue = s.state.add_issue(r.full_name, data["title"], reporter=req.me, content=content)
    return 201, issue, {"location": f"{req.base_url}{req.path}/{issue['id']}"}


@routes.route("GET", R + r"/issues/(?P<id>\d+)")
def _issue(s: BitbucketStandIn, req: Request) -> Response:
    return 200, s.issue_of(req)[1], {}


@routes.route("POST", R + r"/issues/(?P<id>\d+)/comments")
def _issue_comment(s: BitbucketStandIn, req: Request) -> Response:
    r, issue = s.issue_of(req)
    c = _comment_body(s, req, "issue_comment")
    c["links"] = {"html": {"href": f"{issue['links']['html']['href']}#comment-{c['id']}"}}
    r.comments.append(c)
    return 201, c, {"location": f"{req.base_url}{req.path}/{c['id']}"}


# -- branches, statuses, files ----------------------------------------------------------------
@routes.route("GET", R + r"/refs/branches/(?P<name>[^/]+)")
def _branch(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    name = unquote(req.path_args["name"])
    if name not in r.branches:
        raise s.error(404, f"Branch {name} not found")
    target = {"type": "commit", "hash": r.branches[name]}
    return 200, {"type": "branch", "name": name, "target": target}, {}


@routes.route("GET", R + r"/commit/(?P<sha>[^/]+)/statuses")
def _statuses(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    sha = unquote(req.path_args["sha"])
    known = (
        {c for c in r.branches.values()}
        | set(r.statuses)
        | {p["_full_sha"] for p in r.prs.values()}
    )
    if len(sha) < 7 or not any(c.startswith(sha) for c in known):
        raise s.error(404, f"Commit not found: {sha}")
    found = [x for full, xs in r.statuses.items() if full.startswith(sha) for x in xs]
    return 200, pages(filtered(found, req), req), {}


@routes.route("GET", R + r"/src/(?P<ref>[^/]+)/(?P<path>.+)")
def _src(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    key = (unquote(req.path_args["ref"]), unquote(req.path_args["path"]))
    if key not in r.files:
        raise s.error(404, "No such file or directory: " + key[1])
    return 200, r.files[key].encode(), {"content-type": "text/plain"}


# -- pipelines --------------------------------------------------------------------------------
_PIPE = R + r"/pipelines/(?P<pipeline>[^/]+)"


@routes.route("GET", R + r"/pipelines/?")
def _pipelines(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    found = list(r.pipelines.values())
    if branch := req.args.get("target.branch"):
        found = [p for p in found if p["target"].get("ref_name") == branch]
    return 200, pages(filtered(found, req), req, maximum=100), {}


@routes.route("POST", R + r"/pipelines/?")
def _run(s: BitbucketStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    data = req.json or {}
    target = data.get("target") or {}
    branch = target.get("ref_name")
    if target.get("type") != "pipeline_ref_target" or not branch:
        raise s.error(400, "Bad request", "target: a pipeline_ref_target with ref_name")
    selector = target.get("selector")
    steps: tuple[tuple[str, str, str | None], ...] = (("Build", "PENDING", None),)
    if selector and selector.get("type") == "custom":
        config = yaml.safe_load(r.files.get((branch, "bitbucket-pipelines.yml"), "") or "{}")
        custom = (config.get("pipelines") or {}).get("custom") or {}
        if selector.get("pattern") not in custom:
            raise s.error(
                400,
                "Could not find the custom pipeline",
                f"no custom pipeline {selector.get('pattern')!r} in bitbucket-pipelines.yml",
            )
        names = [
            i["step"].get("name", "step")
            for i in custom[selector["pattern"]]
            if isinstance(i, dict) and isinstance(i.get("step"), dict)
        ]
        steps = tuple((n, "PENDING", None) for n in names) or steps
    sha = (target.get("commit") or {}).get("hash") or r.branches.get(branch, "e" * 40)
    p = s.state.add_pipeline(
        r.full_name,
        branch=branch,
        sha=sha,
        state="PENDING",
        result=None,
        steps=steps,
        selector=selector,
        variables=tuple(data.get("variables") or ()),
        trigger="MANUAL",
    )
    return 201, p, {"location": f"{req.base_url}{req.path.rstrip('/')}/{p['uuid']}"}


@routes.route("GET", _PIPE)
def _pipeline(s: BitbucketStandIn, req: Request) -> Response:
    return 200, s.pipeline_of(req)[1], {}


@routes.route("POST", _PIPE + r"/stopPipeline")
def _stop(s: BitbucketStandIn, req: Request) -> Response:
    r, p = s.pipeline_of(req)
    if p["state"]["name"] == "COMPLETED":
        raise s.error(400, "The pipeline has already completed.")
    p["state"] = _state("pipeline", "COMPLETED", "STOPPED")
    p["completed_on"] = s.state.tick()
    for st in r.steps[p["uuid"]]:
        if st["state"]["name"] != "COMPLETED":
            ran = st["state"]["name"] == "IN_PROGRESS"
            st["state"] = _state("pipeline_step", "COMPLETED", "STOPPED" if ran else "NOT_RUN")
    return 204, None, {}


@routes.route("GET", _PIPE + r"/steps/?")
def _steps(s: BitbucketStandIn, req: Request) -> Response:
    r, p = s.pipeline_of(req)
    return 200, pages(r.steps[p["uuid"]], req, maximum=100), {}


@routes.route("GET", _PIPE + r"/steps/(?P<step>[^/]+)")
def _step(s: BitbucketStandIn, req: Request) -> Response:
    return 200, s.step_of(req)[2], {}


@routes.route("GET", _PIPE + r"/steps/(?P<step>[^/]+)/log")
def _log(s: BitbucketStandIn, req: Request) -> Response:
    r, _, st = s.step_of(req)
    # The description types this endpoint's error bodies as application/octet-stream.
    octet = {"content-type": "application/octet-stream"}
    if st["uuid"] not in r.logs:
        raise s.error(404, "Log not found").with_headers(octet)
    if s.redirect_logs and st["state"]["name"] == "COMPLETED":
        port = req.host.rsplit(":", 1)[-1]
        where = f"http://localhost:{port}{STORAGE}{quote(st['uuid'], safe='')}"
        return 307, None, {"location": f"{where}?Signature=sig&Expires=1"}
    return _ranged(s, r.logs[st["uuid"]], req, complete=st["state"]["name"] == "COMPLETED")


@routes.route("GET", STORAGE + r"(?P<key>[^/]+)")
def _storage(s: BitbucketStandIn, req: Request) -> Response:
    step = unquote(req.path_args["key"])
    log = next((r.logs[step] for r in s.state.repos.values() if step in r.logs), None)
    if log is None or req.args.get("Signature") != "sig":
        return 403, b"<Error><Code>AccessDenied</Code></Error>", {"content-type": "application/xml"}
    return _ranged(s, log, req, complete=True)


def _ranged(s: BitbucketStandIn, data: bytes, req: Request, *, complete: bool) -> Response:
    """``data`` whole (200), or from ``Range: bytes=N-`` (206; 416 at or past the end)."""
    octet = {"content-type": "application/octet-stream"}
    m = re.fullmatch(r"bytes=(\d+)-", req.headers.get("range", ""))
    if not m:
        return 200, data, octet
    start = int(m.group(1))
    if start >= len(data):
        raise s.error(416, "Requested range not satisfiable").with_headers(
            {**octet, "content-range": f"bytes */{len(data)}"}
        )
    total = str(len(data)) if complete else "*"
    headers = {**octet, "content-range": f"bytes {start}-{len(data) - 1}/{total}"}
    return 206, data[start:], headers
