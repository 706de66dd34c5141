"""A local Jenkins stand-in: jobs in folders, multibranch projects, builds, stages, the queue,
console logs, CSRF crumbs and HTTP Basic API-token auth.

Jenkins publishes no OpenAPI description of its core API, so every request is checked
against ``tests/contracts/jenkins/documented.yaml`` (written from Jenkins' remote access API
pages, cited in its header) and, for ``wfapi/*``, against the Pipeline Stage View plugin's
own OpenAPI file (``stage-view-openapi.yaml``); a request neither allows fails the test.
Where each answer's shape comes from:

- Jobs (``/job/.../api/json``): jenkinsapi's recorded ``JOB_DATA`` (``_class``, ``name``,
  ``url``, ``builds``, ``property[].parameterDefinitions`` with ``defaultParameterValue``);
  folders and multibranch projects add ``jobs[]`` of ``{_class, name, url}`` (jenkinsapi's
  folder tests); a multibranch project's ``_class`` is
  ``org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject`` and its branch
  jobs are named by branch-api's ``NameEncoder`` (``feature/x`` -> ``feature%2Fx``, linked
  once more encoded: ``job/feature%252Fx``).
- Builds (``/job/.../N/api/json``): jenkinsapi's ``BUILD_DATA`` and ``BUILD_SCM_DATA`` (causes,
  ``ParametersAction`` parameters, the git plugin's ``BuildData.lastBuiltRevision``).
- ``tree=``: Jenkins' documented filter, ``name[sub,...]{M,N}`` with ``{M,N}``, ``{M,}``,
  ``{,N}`` and ``{N}`` ranges on lists (remote access API page); ``_class`` always comes along.
- Stages (``wfapi/describe``): the Stage View plugin's README example and ``StatusExt``.
- Queue items: python-jenkins' recorded ``Queue$LeftItem`` (``executable: {number, url}``);
  waiting items are ``Queue$WaitingItem`` with ``why``; a cancelled one is a ``LeftItem``
  with ``cancelled: true`` and no executable.
- ``POST build``/``buildWithParameters``: 201 with ``Location: {root}/queue/item/N/``;
  ``stop``: 302 to the build; ``/queue/cancelItem``: 204 (Jenkins 2.110 and later).
- Logs: ``consoleText`` (text/plain) and ``logText/progressiveText?start=N`` with
  ``X-Text-Size`` (the next start, bytes) and ``X-More-Data: true`` while the build runs.
- CSRF: ``/crumbIssuer/api/json`` -> ``{crumbRequestField: "Jenkins-Crumb", crumb}``
  (python-jenkins' recorded crumb shape), bound to the web session (``JSESSIONID.*``
  cookie), as since Jenkins 2.176.2; a POST without a valid one is Jetty's 403 "No valid
  crumb was included in the request". API-token requests are exempt (Jenkins 2.96+) unless
  ``token_exempt`` is off (older controllers, or the escape hatch turned off).
- Auth: HTTP Basic ``user:api-token``; a wrong one is 401 "Invalid password/token for user:
  NAME". Jobs the user may not read are 404 (Jenkins hides them); a build without the
  Job/Build permission is 403 "NAME is missing the Job/Build permission".
- Errors are Jetty's HTML error pages; every answer carries ``X-Jenkins``. Jenkins sends
  no ETag and no rate-limit headers on its API.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import html
import json
import re
import secrets
from functools import cache
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, unquote

from ..kit import Json, OpenAPIContract, Reply, Request, Response, Router, StandIn
from ..kit.server import Wire
from .state import CLASSES, FOLDER, MULTIBRANCH, VERSION, Build, JenkinsState, Job, QueueItem
from .tree import TreeNode, apply_tree, parse_tree

ROOT = Path(__file__).resolve().parents[2] / "contracts" / "jenkins"
DOCUMENTED = OpenAPIContract(ROOT / "documented.yaml")
#: Its server is ``http://localhost:8080/jenkins``; openapi-core takes the scheme and host
#: from a request's host URL and matches the rest, so paths are checked under ``/jenkins``.
STAGE_VIEW = OpenAPIContract(ROOT / "stage-view-openapi.yaml", server_url="http://localhost:8080")
RECORDED = ROOT / "recorded"
_CHAIN = re.compile(r"^(?P<chain>(?:/job/[^/]+)+)(?P<rest>/.*)?$")


@cache
def _recorded(name: str) -> Json:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def recorded(name: str) -> Json:
    """A fresh copy of a recorded body (``python-jenkins-queue-item-left.json``)."""
    return copy.deepcopy(_recorded(name))


routes: Router[JenkinsStandIn] = Router()


class JenkinsStandIn(StandIn):
    service = "Jenkins"
    router = routes
    contract = DOCUMENTED
    budgets: ClassVar[dict[str, int]] = {"requests": 1_000_000}
    etags = False

    def __init__(self, *, context: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        STAGE_VIEW.warm()
        self.state = JenkinsState()
        self.context = context.rstrip("/")
        self.default_cache_control = None
        self.auth_seen: list[str] = []

    # -- hooks ----------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        """Jetty's error page, as Jenkins answers API errors."""
        m = html.escape(message)
        page = (
            '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
            f"<title>Error {status} {m}</title>\n</head>\n<body><h2>HTTP ERROR {status} {m}</h2>\n"
            f"<table>\n<tr><th>STATUS:</th><td>{status}</td></tr>\n"
            f"<tr><th>MESSAGE:</th><td>{m}</td></tr>\n<tr><th>SERVLET:</th><td>Stapler</td></tr>\n"
            '</table>\n<hr/><a href="https://eclipse.org/jetty">Powered by Jetty:// 10.0.20</a>'
            "<hr/>\n\n</body>\n</html>\n"
        )
        return Reply(status, page.encode(), {"content-type": "text/html;charset=utf-8"})

    def unauthorized(self, req: Request) -> Reply:
        user = self._basic(req)[0] if self._basic(req) else None
        if user is None:
            return self.error(401, "Unauthorized").with_headers(
                {"www-authenticate": 'Basic realm="Jenkins"'}
            )
        return self.error(401, f"Invalid password/token for user: {user}")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "; ".join(problems))

    def _basic(self, req: Request) -> tuple[str, str] | None:
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:
            return None
        return user, secret

    def authenticate(self, req: Request) -> str | None:
        self.auth_seen.append(req.headers.get("authorization", ""))
        found = self._basic(req)
        if found is None:
            return None
        u = self.state.users.get(found[0])
        return u.id if u is not None and found[1] in u.tokens else None

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Wire | None:
        wire = super().handle(method, target, headers, body)
        if wire is not None:
            wire[1].setdefault("x-jenkins", VERSION)
            wire[1].setdefault("x-content-type-options", "nosniff")
        return wire

    # -- contract -------------------------------------------------------------------------
    def check_contract(self, req: Request) -> list[str]:
        """Collapse the job chain to one segment, then check against the Stage View file
        (``wfapi``) or ``documented.yaml``, refusing undeclared query parameters."""
        path = req.path
        if self.context:
            if not path.startswith(self.context + "/"):
                return [f"{req.method} {path}: outside the context path {self.context}"]
            path = path[len(self.context) :]
        m = _CHAIN.match(path)
        if m:
            path = "/job/J" + (m.group("rest") or "")
        elif path.startswith("/job/"):
            return [f"{req.method} {req.path}: malformed job path"]
        canonical = dataclasses.replace(req, path=path)
        if "/wfapi/" in path:
            return STAGE_VIEW.check(dataclasses.replace(req, path="/jenkins" + path))
        problems = DOCUMENTED.check(canonical)
        if problems:
            return problems
        return self._strict_query(canonical)

    def _strict_query(self, req: Request) -> list[str]:
        doc = DOCUMENTED.document
        for template, ops in doc["paths"].items():
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(rx, req.path) and req.method.lower() in ops:
                params = [
                    DOCUMENTED.resolve(p) for p in ops[req.method.lower()].get("parameters", [])
                ]
                allowed = {p["name"] for p in params if p["in"] == "query"}
                extra = sorted({k for k, _ in req.query} - allowed)
                if extra:
                    return [f"{req.method} {req.path}: undocumented query parameter(s) {extra}"]
                return []
        return []

    # -- helpers for routes ---------------------------------------------------------------
    def root(self, req: Request) -> str:
        return f"{req.base_url}{self.context}"

    def job_url(self, req: Request, full_name: str) -> str:
        return (
            self.root(req)
            + "".join(f"/job/{quote(n, safe='')}" for n in full_name.split("/"))
            + "/"
        )

    def readable(self, user: str, job: str) -> bool:
        allowed = self.state.users[user].can_read
        return allowed is None or any(job == a or job.startswith(a + "/") for a in allowed)

    def serialise_build(self, req: Request, job: Job, b: Build) -> Json:
        data: dict[str, Any] = recorded("jenkinsapi-build.json")
        data.pop("runs", None)
        data.pop("fingerprint", None)
        actions: list[Any] = []
        if b.parameters:
            actions.append({"_class": "hudson.model.ParametersAction", "parameters": b.parameters})
        actions.append({"_class": "hudson.model.CauseAction", "causes": [b.cause]})
        if b.sha:
            scm = recorded("jenkinsapi-build-scm-git.json")["actions"][2]
            scm["_class"] = "hudson.plugins.git.util.BuildData"
            branch = {"SHA1": b.sha, "name": b.branch or "origin/main"}
            scm["lastBuiltRevision"] = {"SHA1": b.sha, "branch": [branch]}
            scm["buildsByBranchName"] = {
                branch["name"]: {"buildNumber": b.number, "revision": scm["lastBuiltRevision"]}
            }
            actions.append(scm)
        actions.append({})
        display = job.display_name or job.name
        parents = [
            self.state.jobs[p].display_name or self.state.jobs[p].name
            for p in _parents(job.full_name)
        ]
        data.update(
            {
                "_class": b.cls,
                "actions": actions,
                "building": b.building,
                "inProgress": b.building,
                "description": None,
                "displayName": f"#{b.number}",
                "duration": b.duration,
                "estimatedDuration": 42_000,
                "fullDisplayName": " » ".join([*parents, display]) + f" #{b.number}",
                "id": str(b.number),
                "number": b.number,
                "queueId": b.queue_id,
                "result": b.result,
                "timestamp": b.timestamp,
                "url": f"{self.job_url(req, job.full_name)}{b.number}/",
                "changeSet" if job.kind == "freestyle" else "changeSets": {
                    "items": [],
                    "kind": "git",
                },
            }
        )
        return data

    def serialise_job(self, req: Request, job: Job) -> Json:
        parents = [
            self.state.jobs[p].display_name or self.state.jobs[p].name
            for p in _parents(job.full_name)
        ]
        display = job.display_name or job.name
        data: dict[str, Any] = {
            "_class": MULTIBRANCH
            if job.kind == "multibranch"
            else FOLDER
            if job.kind == "folder"
            else CLASSES[job.kind][0],
            "actions": [{}],
            "description": "",
            "displayName": display,
            "displayNameOrNull": None,
            "fullDisplayName": " » ".join([*parents, display]),
            "fullName": job.full_name,
            "name": job.name,
            "url": self.job_url(req, job.full_name),
        }
        if job.kind in ("folder", "multibranch"):
            children = [
                j for n, j in self.state.jobs.items() if n.rpartition("/")[0] == job.full_name
            ]
            data["jobs"] = [
                {
                    "_class": MULTIBRANCH
                    if c.kind == "multibranch"
                    else FOLDER
                    if c.kind == "folder"
                    else CLASSES[c.kind][0],
                    "name": c.name,
                    "url": self.job_url(req, c.full_name),
                    "color": "blue",
                    "property": _properties(c),
                    **(
                        {
                            "lastBuild": self.serialise_build(req, c, c.builds[0])
                            if c.builds
                            else None
                        }
                        if c.kind in CLASSES
                        else {}
                    ),
                }
                for c in children
            ]
            data["property"] = []
            return data
        recorded_job = recorded("jenkinsapi-job.json")
        builds = [self.serialise_build(req, job, b) for b in job.builds]
        props = _properties(job)
        data.update(
            {
                "buildable": job.buildable,
                "builds": builds,
                "color": "blue",
                "firstBuild": builds[-1] if builds else None,
                "healthReport": recorded_job["healthReport"],
                "inQueue": any(
                    q.job == job.full_name and q.number is None and not q.cancelled
                    for q in self.state.queue.values()
                ),
                "keepDependencies": False,
                "lastBuild": builds[0] if builds else None,
                "nextBuildNumber": job.next_number,
                "property": props,
                "queueItem": None,
                "concurrentBuild": False,
            }
        )
        return data

    def serialise_queue_item(self, req: Request, item: QueueItem) -> Json:
        job = self.state.jobs[item.job]
        task = {
            "_class": CLASSES.get(job.kind, CLASSES["pipeline"])[0],
            "name": job.name,
            "url": self.job_url(req, job.full_name),
            "color": "blue",
        }
        data: dict[str, Any] = recorded("python-jenkins-queue-item-left.json")
        data.update(
            {
                "id": item.id,
                "inQueueSince": item.since,
                "task": task,
                "url": f"queue/item/{item.id}/",
            }
        )
        data["params"] = "".join(f"\n{k}={v}" for k, v in item.parameters.items())
        if item.number is not None:
            b = self.state.build(item.job, item.number)
            data["executable"] = {
                "_class": b.cls,
                "number": b.number,
                "url": f"{self.job_url(req, job.full_name)}{b.number}/",
            }
            data["cancelled"] = False
        elif item.cancelled:
            data.update({"executable": None, "cancelled": True})
        else:
            data["_class"] = "hudson.model.Queue$WaitingItem"
            data.pop("executable", None)
            data.pop("cancelled", None)
            data["why"] = "In the quiet period. Expires in 4.9 sec"
            data["timestamp"] = item.since + 5000
        return data


def _properties(job: Job) -> list[Any]:
    if not job.parameters:
        return []
    return [
        {
            "_class": "hudson.model.ParametersDefinitionProperty",
            "parameterDefinitions": copy.deepcopy(job.parameters),
        }
    ]


def _parents(full_name: str) -> list[str]:
    parts = full_name.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]


def _tree(req: Request) -> list[TreeNode] | None:
    text = req.args.get("tree")
    if text is None:
        return None
    try:
        return parse_tree(text)
    except ValueError as exc:
        raise Reply(
            500,
            f"java.lang.IllegalArgumentException: {exc}".encode(),
            {"content-type": "text/plain"},
        ) from None


def _json(value: Json) -> Response:
    return 200, value, {"content-type": "application/json;charset=utf-8"}


def _text(data: bytes, extra: dict[str, str] | None = None) -> Response:
    return 200, data, {"content-type": "text/plain;charset=UTF-8", **(extra or {})}


@routes.route("GET", r"(?P<path>/.*)")
def _get(s: JenkinsStandIn, req: Request) -> Response:
    path = req.path_args["path"]
    if s.context:
        if not path.startswith(s.context + "/"):
            raise s.not_found(req)
        path = path[len(s.context) :]
    st = s.state
    if path == "/me/api/json":
        u = st.users[req.me]
        me = recorded("python-jenkins-me.json")
        me.update(
            {
                "_class": "hudson.model.User",
                "id": u.id,
                "fullName": u.full_name,
                "absoluteUrl": f"{s.root(req)}/user/{u.id}",
            }
        )
        return _json(apply_tree(me, _tree(req)))
    if path == "/whoAmI/api/json":
        return _json(
            {
                "_class": "hudson.security.WhoAmI",
                "anonymous": False,
                "authenticated": True,
                "authorities": ["authenticated"],
                "name": req.me,
            }
        )
    if path == "/crumbIssuer/api/json":
        if not st.csrf:
            raise s.not_found(req)
        sid = _session(req) or secrets.token_hex(8)
        st.sessions[sid] = req.me
        st.crumbs_issued += 1
        body = recorded("python-jenkins-crumb.json")
        body.update(
            {
                "_class": "hudson.security.csrf.DefaultCrumbIssuer",
                "crumb": _crumb(sid, req.me),
                "crumbRequestField": "Jenkins-Crumb",
            }
        )
        return (
            200,
            apply_tree(body, _tree(req)),
            {"set-cookie": f"JSESSIONID.{VERSION_HASH}={sid}; Path=/; HttpOnly"},
        )
    m = re.fullmatch(r"/queue/item/(?P<id>\d+)/api/json", path)
    if m:
        item = st.queue.get(int(m["id"]))
        if item is None or not s.readable(req.me, item.job):
            raise s.not_found(req)
        return _json(apply_tree(s.serialise_queue_item(req, item), _tree(req)))
    job, rest = _job_of(s, req, path)
    if rest == "/api/json":
        return _json(apply_tree(s.serialise_job(req, job), _tree(req)))
    m = re.fullmatch(r"/(?P<n>\d+)(?P<what>/.*)", rest)
    if not m or job.kind not in CLASSES:
        raise s.not_found(req)
    try:
        b = st.build(job.full_name, int(m["n"]))
    except KeyError:
        raise s.not_found(req) from None
    what = m["what"]
    if what == "/api/json":
        return _json(apply_tree(s.serialise_build(req, job, b), _tree(req)))
    if what == "/consoleText":
        return _text(b.log)
    if what == "/logText/progressiveText":
        start = int(req.args.get("start") or 0)
        chunk = b.log[start:] if start <= len(b.log) else b""
        headers = {"x-text-size": str(len(b.log))}
        if b.building:
            headers["x-more-data"] = "true"
        return _text(chunk, headers)
    if what == "/wfapi/describe" and st.stage_view and job.kind == "pipeline":
        return _json(_describe(s, req, job, b))
    raise s.not_found(req)


@routes.route("POST", r"(?P<path>/.*)")
def _post(s: JenkinsStandIn, req: Request) -> Response:
    path = req.path_args["path"]
    if s.context:
        if not path.startswith(s.context + "/"):
            raise s.not_found(req)
        path = path[len(s.context) :]
    st = s.state
    _require_crumb(s, req)
    if path == "/queue/cancelItem":
        item = st.queue.get(int(req.args.get("id") or 0))
        if item is None or not s.readable(req.me, item.job):
            raise s.not_found(req)
        if item.number is None:
            item.cancelled = True
        return 204, None, {}
    job, rest = _job_of(s, req, path)
    user = st.users[req.me]
    if rest in ("/build", "/buildWithParameters"):
        if not user.can_build:
            raise s.error(403, f"{user.id} is missing the Job/Build permission").with_headers(
                {
                    "x-you-are-authenticated-as": user.id,
                    "x-required-permission": "hudson.model.Item.Build",
                }
            )
        if job.kind not in CLASSES:
            raise s.error(405, "Method Not Allowed")
        form = dict(parse_qsl(req.body.decode())) if req.body else {}
        given = {**dict(req.query), **form}
        given.pop("delay", None)
        given.pop("token", None)
        if rest == "/buildWithParameters" and not job.parameters:
            raise s.error(400, f"{job.full_name} is not parameterized")
        if rest == "/build" and job.parameters:
            raise s.error(400, "Nothing is submitted")
        item = st.enqueue(job.full_name, given)
        return 201, None, {"location": f"{s.root(req)}/queue/item/{item.id}/"}
    m = re.fullmatch(r"/(?P<n>\d+)/stop", rest)
    if m and job.kind in CLASSES:
        try:
            b = st.build(job.full_name, int(m["n"]))
        except KeyError:
            raise s.not_found(req) from None
        if not user.can_build:
            raise s.error(403, f"{user.id} is missing the Job/Cancel permission")
        if b.building:
            b.log += f"Aborted by {user.full_name}\n".encode()
            st.finish(job.full_name, b.number, "ABORTED")
        return 302, None, {"location": f"{s.job_url(req, job.full_name)}{b.number}/"}
    raise s.not_found(req)


VERSION_HASH = hashlib.sha256(VERSION.encode()).hexdigest()[:8]


def _session(req: Request) -> str | None:
    for part in req.headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == f"JSESSIONID.{VERSION_HASH}":
            return value
    return None


def _crumb(sid: str, user: str) -> str:
    return hashlib.sha256(f"{sid}:{user}".encode()).hexdigest()[:32]


def _require_crumb(s: JenkinsStandIn, req: Request) -> None:
    st = s.state
    if not st.csrf or st.token_exempt:
        return  # API-token auth is exempt since Jenkins 2.96; crumbs off: nothing to check
    sid = _session(req)
    sent = req.headers.get("jenkins-crumb")
    if sid is None or st.sessions.get(sid) != req.me or sent != _crumb(sid, req.me):
        raise s.error(403, "No valid crumb was included in the request")


def _job_of(s: JenkinsStandIn, req: Request, path: str) -> tuple[Job, str]:
    m = _CHAIN.match(path)
    if not m:
        raise s.not_found(req)
    names = [unquote(n) for n in m["chain"].split("/job/")[1:]]
    full = "/".join(names)
    job = s.state.jobs.get(full)
    if job is None or not s.readable(req.me, full):
        raise s.not_found(req)
    return job, m["rest"] or "/"


def _describe(s: JenkinsStandIn, req: Request, job: Job, b: Build) -> Json:
    base = f"{s.context}" + "".join(f"/job/{quote(n, safe='')}" for n in job.full_name.split("/"))
    doc: dict[str, Any] = recorded("stage-view-describe.json")
    status = (
        "IN_PROGRESS"
        if b.building
        else {
            "SUCCESS": "SUCCESS",
            "FAILURE": "FAILED",
            "ABORTED": "ABORTED",
            "UNSTABLE": "UNSTABLE",
        }.get(b.result or "", "NOT_EXECUTED")
    )
    if b.building and any(st.status == "PAUSED_PENDING_INPUT" for st in b.stages):
        status = "PAUSED_PENDING_INPUT"
    doc.update(
        {
            "_links": {"self": {"href": f"{base}/{b.number}/wfapi/describe"}},
            "id": str(b.number),
            "name": f"#{b.number}",
            "status": status,
            "startTimeMillis": b.timestamp,
            "endTimeMillis": b.timestamp + b.duration,
            "durationMillis": b.duration,
            "queueDurationMillis": 3,
            "pauseDurationMillis": 0,
            "stages": [
                {
                    "_links": {
                        "self": {"href": f"{base}/{b.number}/execution/node/{st.id}/wfapi/describe"}
                    },
                    "id": st.id,
                    "name": st.name,
                    "execNode": "",
                    "status": st.status,
                    "startTimeMillis": st.start or b.timestamp,
                    "durationMillis": st.duration,
                    "pauseDurationMillis": 0,
                }
                for st in b.stages
            ],
        }
    )
    return doc


__all__ = ["DOCUMENTED", "STAGE_VIEW", "JenkinsStandIn", "recorded"]
