"""A local Asana stand-in (REST API 1.0), on the stand-in kit.

Every request is checked against Asana's own OpenAPI description
(``tests/contracts/asana/asana.com.json``, see its PROVENANCE) before it is served.

Where each shape comes from:

- Bodies start from the description's own examples (each schema's property ``example``s,
  e.g. ``TaskResponse``, ``UserResponse``, ``StoryResponse``), overlaid with the stand-in's
  state, then cut to what was asked: ``gid`` plus the ``opt_fields`` (dotted paths into
  nested objects and lists), as Asana answers -- without ``opt_fields`` a compact form
  (``gid``, ``resource_type``, ``name``). A connector that reads a field it did not ask for
  sees it missing.
- Envelope and paging: ``{"data": ...}``; lists take ``limit`` (1..100) and an opaque
  ``offset`` and answer ``next_page: {offset, path, uri}`` or ``null``.
- ``GET /tasks`` wants exactly one of ``project`` or ``assignee`` + ``workspace``
  (otherwise 400), and ``completed_since=now`` keeps incomplete tasks only.
- Search (``/workspaces/{gid}/tasks/search``) is for paid workspaces: elsewhere 402
  Payment Required; its pages are by ``created_at.before``, no offset.
- Errors: ``{"errors": [{"message", "help"}]}`` (server errors add a ``phrase``); 401 "Not
  Authorized"; 429 with Retry-After in seconds and no budget headers
  (developers.asana.com/docs/rate-limits, /docs/errors).
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .kit import BadRequest, Json, OpenAPIContract, Reply, Request, Response, Router, StandIn
from .kit.paging import decode_cursor, encode_cursor

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(
    ROOT / "contracts" / "asana" / "asana.com.json", server_url="https://app.asana.com"
)
HELP = (
    "For more information on API status codes and how to handle them, read the docs on "
    "errors: https://developers.asana.com/docs/errors"
)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def schema_example(name: str) -> dict[str, Any]:
    """An object of the description's schema ``name`` built from its properties' examples."""
    schemas = CONTRACT.document["components"]["schemas"]
    out: dict[str, Any] = {}
    node = schemas[name]
    for part in node.get("allOf", [node]):
        if "$ref" in part:
            out.update(schema_example(part["$ref"].rsplit("/", 1)[-1]))
            continue
        for key, prop in part.get("properties", {}).items():
            if "example" in prop:
                out[key] = copy.deepcopy(prop["example"])
            elif "$ref" in prop or "allOf" in prop:
                ref = prop.get("$ref") or next(
                    (p["$ref"] for p in prop.get("allOf", []) if "$ref" in p), None
                )
                if ref:
                    out[key] = schema_example(ref.rsplit("/", 1)[-1])
    return out


def select(obj: Any, fields: str | None, compact: tuple[str, ...] = ("name",)) -> Any:
    """``obj`` as Asana answers it for ``opt_fields`` (``gid`` always)."""
    if not fields:
        return {k: obj[k] for k in ("gid", "resource_type", *compact) if k in obj}
    tree: dict[str, Any] = {}
    for path in fields.split(","):
        node = tree
        for part in path.strip().split("."):
            node = node.setdefault(part, {})
    return _cut(obj, tree)


def _cut(obj: Any, tree: dict[str, Any]) -> Any:
    if isinstance(obj, list):
        return [_cut(x, tree) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {"gid": obj["gid"]} if "gid" in obj else {}
    for key, sub in tree.items():
        if key not in obj:
            continue
        value = obj[key]
        out[key] = _cut(value, sub) if sub and value is not None else value
        if not sub and isinstance(value, dict) and "gid" in value:
            out[key] = {k: value[k] for k in ("gid", "resource_type", "name") if k in value}
    return out


class AsanaState:
    def __init__(self) -> None:
        self.clock = 1_700_000_000
        self._gid = itertools.count(1_200_000_000_000_001)
        self.users: dict[str, dict[str, Any]] = {}
        self.workspaces: dict[str, dict[str, Any]] = {}
        self.projects: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.stories: dict[str, dict[str, Any]] = {}
        self.premium: set[str] = set()

    def gid(self) -> str:
        return str(next(self._gid))

    def tick(self) -> str:
        self.clock += 1
        return iso(self.clock)

    def ref(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {"gid": obj["gid"], "resource_type": kind, "name": obj.get("name")}

    def add_workspace(self, name: str, *, premium: bool = True) -> dict[str, Any]:
        ws = {"gid": self.gid(), "resource_type": "workspace", "name": name}
        self.workspaces[ws["gid"]] = ws
        if premium:
            self.premium.add(ws["gid"])
        return ws

    def add_user(self, name: str, email: str, workspaces: list[dict[str, Any]]) -> dict[str, Any]:
        user = schema_example("UserResponse")
        user.update(
            gid=self.gid(),
            resource_type="user",
            name=name,
            email=email,
            workspaces=[self.ref("workspace", w) for w in workspaces],
        )
        user["photo"]["image_60x60"] = f"https://s3.amazonaws.com/profile_photos/{user['gid']}.60"
        self.users[user["gid"]] = user
        return user

    def add_project(
        self, ws: dict[str, Any], name: str, sections: tuple[str, ...] = ("To do", "In progress")
    ) -> dict[str, Any]:
        p = {"gid": self.gid(), "resource_type": "project", "name": name, "workspace": ws["gid"]}
        p["archived"] = False
        p["sections"] = []
        self.projects[p["gid"]] = p
        for s in sections:
            sec = {"gid": self.gid(), "resource_type": "section", "name": s, "project": p["gid"]}
            self.sections[sec["gid"]] = sec
            p["sections"].append(sec["gid"])
        return p

    def add_tag(self, ws: dict[str, Any], name: str) -> dict[str, Any]:
        tag = {"gid": self.gid(), "resource_type": "tag", "name": name, "workspace": ws["gid"]}
        self.tags[tag["gid"]] = tag
        return tag

    def section_named(self, project: dict[str, Any], name: str) -> dict[str, Any]:
        return next(
            self.sections[s] for s in project["sections"] if self.sections[s]["name"] == name
        )

    def add_task(
        self,
        project: dict[str, Any] | None,
        name: str,
        *,
        creator: dict[str, Any],
        ws: dict[str, Any] | None = None,
        assignee: dict[str, Any] | None = None,
        section: str | None = None,
        notes: str = "",
        completed: bool = False,
        tags: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        now = self.tick()
        t = schema_example("TaskResponse")
        gid = self.gid()
        memberships = []
        if project is not None:
            sec = (
                self.section_named(project, section)
                if section
                else self.sections[project["sections"][0]]
            )
            memberships.append({"project": project["gid"], "section": sec["gid"]})
        workspace = ws["gid"] if ws else project["workspace"] if project else ""
        t.update(
            gid=gid,
            resource_type="task",
            resource_subtype="default_task",
            name=name,
            notes=notes,
            completed=completed,
            completed_at=now if completed else None,
            created_at=now,
            modified_at=now,
            permalink_url=f"https://app.asana.com/0/{project['gid'] if project else 0}/{gid}",
            assignee_gid=assignee["gid"] if assignee else None,
            creator=creator["gid"],
            membership_gids=memberships,
            tag_gids=list(tags),
            workspace_gid=workspace,
        )
        self.tasks[gid] = t
        return t

    def task_json(self, t: dict[str, Any]) -> dict[str, Any]:
        """The stored task with its references expanded as Asana's objects."""
        out = {k: v for k, v in t.items() if not k.endswith("_gid") and not k.endswith("_gids")}
        out.pop("creator", None)
        user = self.users.get(t["assignee_gid"] or "")
        out["assignee"] = user
        out["memberships"] = [
            {
                "project": self.ref("project", self.projects[m["project"]]),
                "section": self.ref("section", self.sections[m["section"]]),
            }
            for m in t["membership_gids"]
        ]
        out["projects"] = [m["project"] for m in out["memberships"]]
        out["tags"] = [self.ref("tag", self.tags[g]) for g in t["tag_gids"]]
        ws = self.workspaces.get(t["workspace_gid"])
        out["workspace"] = self.ref("workspace", ws) if ws else None
        return out


routes: Router[AsanaStandIn] = Router()


class AsanaStandIn(StandIn):
    service = "Asana"
    router = routes
    contract = CONTRACT
    budgets = {"requests": 150}
    window = 60.0

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = AsanaState()

    # -- hooks --------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        err: dict[str, str] = {"message": message, "help": HELP}
        if status >= 500:
            err["phrase"] = "6 sad squid snuggle softly"
        return Reply(status, {"errors": [err]})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Unknown object: " + req.path.rsplit("/", 1)[-1])

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Not Authorized")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "; ".join(problems))

    def rate_limited(self, quota: Any) -> Reply:
        return self.error(
            429, "You have made too many requests recently. Please, be chill."
        ).with_headers({"retry-after": str(quota.retry_after())})

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return self.error(
            429, "You have made too many requests recently. Please, be chill."
        ).with_headers({"retry-after": str(max(1, int(seconds)))})

    def cache_control(self, req: Request) -> str | None:
        return "no-store"

    # -- helpers ------------------------------------------------------------------------
    def me(self, req: Request) -> dict[str, Any]:
        return self.state.users[req.me]

    def visible(self, req: Request, ws_gid: str) -> bool:
        return any(w["gid"] == ws_gid for w in self.me(req)["workspaces"])

    def task_of(self, req: Request) -> dict[str, Any]:
        gid = req.path_args["task"]
        if not gid.isdigit():
            raise self.error(400, f"task: Not a recognized ID: {gid}")
        t = self.state.tasks.get(gid)
        if t is None or not self.visible(req, t["workspace_gid"]):
            raise self.error(404, f"Unknown object: {gid}")
        return t

    def body(self, req: Request) -> dict[str, Any]:
        data = (req.json or {}).get("data") if isinstance(req.json, dict) else None
        if not isinstance(data, dict):
            raise self.error(400, "data: Missing input")
        return data

    def page(self, req: Request, items: list[Any], fields: str | None) -> Json:
        raw = req.args.get("limit", "20")
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            raise self.error(400, "limit: Must be between 1 and 100")
        limit = int(raw)
        start = decode_cursor("asana", req.args["offset"]) if req.args.get("offset") else 0
        chunk = items[start : start + limit]
        nxt = None
        if start + limit < len(items):
            token = encode_cursor("asana", start + limit)
            nxt = {
                "offset": token,
                "path": f"{req.path.removeprefix('/api/1.0')}?limit={limit}&offset={token}",
                "uri": f"https://app.asana.com{req.path}?limit={limit}&offset={token}",
            }
        return {"data": [select(x, fields) for x in chunk], "next_page": nxt}


_A = r"/api/1\.0"


@routes.route("GET", _A + r"/users/(?P<user>me|\d+)")
def _user(s: AsanaStandIn, req: Request) -> Response:
    gid = req.me if req.path_args["user"] == "me" else req.path_args["user"]
    user = s.state.users.get(gid)
    if user is None:
        raise s.error(404, f"Unknown object: {gid}")
    return 200, {"data": select(user, req.args.get("opt_fields"))}, {}


@routes.route("GET", _A + r"/workspaces/(?P<ws>\d+)/typeahead")
def _typeahead(s: AsanaStandIn, req: Request) -> Response:
    ws = req.path_args["ws"]
    if not s.visible(req, ws):
        raise s.error(404, f"Unknown object: {ws}")
    kind = req.args["resource_type"]
    q = req.args.get("query", "").casefold()
    if kind == "user":
        pool = [u for u in s.state.users.values() if any(w["gid"] == ws for w in u["workspaces"])]
    elif kind == "tag":
        pool = [t for t in s.state.tags.values() if t["workspace"] == ws]
    else:
        raise s.error(400, f"resource_type: Not a valid enum value: {kind}")
    found = [
        x
        for x in pool
        if not q
        or any(w.startswith(q) for w in x["name"].casefold().split())
        or x.get("email", "").casefold().startswith(q)
    ]
    count = int(req.args.get("count", "20"))
    return 200, {"data": [select(x, req.args.get("opt_fields")) for x in found[:count]]}, {}


@routes.route("GET", _A + r"/projects")
def _projects(s: AsanaStandIn, req: Request) -> Response:
    ws = req.args.get("workspace", "")
    projects = [
        p
        for p in s.state.projects.values()
        if p["workspace"] == ws and (req.args.get("archived") != "false" or not p["archived"])
    ]
    if not s.visible(req, ws):
        raise s.error(400, "workspace: Not a recognized ID: " + ws)
    return 200, s.page(req, projects, req.args.get("opt_fields")), {}


@routes.route("GET", _A + r"/projects/(?P<project>\d+)/sections")
def _sections(s: AsanaStandIn, req: Request) -> Response:
    p = s.state.projects.get(req.path_args["project"])
    if p is None or not s.visible(req, p["workspace"]):
        raise s.error(404, "Unknown object: " + req.path_args["project"])
    items = [s.state.sections[g] for g in p["sections"]]
    return 200, s.page(req, items, req.args.get("opt_fields")), {}


@routes.route("POST", _A + r"/sections/(?P<section>\d+)/addTask")
def _add_task(s: AsanaStandIn, req: Request) -> Response:
    sec = s.state.sections.get(req.path_args["section"])
    if sec is None:
        raise s.error(404, "Unknown object: " + req.path_args["section"])
    data = s.body(req)
    t = s.state.tasks.get(str(data.get("task")))
    if t is None:
        raise s.error(400, "task: Not a recognized ID")
    others = [m for m in t["membership_gids"] if m["project"] != sec["project"]]
    t["membership_gids"] = [*others, {"project": sec["project"], "section": sec["gid"]}]
    t["modified_at"] = s.state.tick()
    return 200, {"data": {}}, {}


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"not a date-time: {text!r}") from None


def _incomplete(req: Request, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``completed_since``: incomplete tasks, and those completed since then (``now``: none)."""
    since = req.args.get("completed_since")
    if since is None:
        return tasks
    if since == "now":
        return [t for t in tasks if not t["completed"]]
    when = _when(since)
    return [t for t in tasks if not t["completed"] or _when(t["completed_at"]) >= when]


@routes.route("GET", _A + r"/tasks")
def _tasks(s: AsanaStandIn, req: Request) -> Response:
    a = req.args
    st = s.state
    if "project" in a and "assignee" not in a:
        p = st.projects.get(a["project"])
        if p is None:
            raise s.error(404, "Unknown object: " + a["project"])
        tasks = [
            t
            for t in st.tasks.values()
            if any(m["project"] == p["gid"] for m in t["membership_gids"])
        ]
    elif "assignee" in a and "workspace" in a and "project" not in a:
        who = req.me if a["assignee"] == "me" else a["assignee"]
        tasks = [
            t
            for t in st.tasks.values()
            if t["assignee_gid"] == who and t["workspace_gid"] == a["workspace"]
        ]
    else:
        raise s.error(
            400,
            "Must specify exactly one of project, tag, section, user task list, or assignee + "
            "workspace",
        )
    tasks = sorted(_incomplete(req, tasks), key=lambda t: t["gid"])
    return 200, s.page(req, [st.task_json(t) for t in tasks], a.get("opt_fields")), {}


@routes.route("GET", _A + r"/projects/(?P<project>\d+)/tasks")
def _project_tasks(s: AsanaStandIn, req: Request) -> Response:
    st = s.state
    p = st.projects.get(req.path_args["project"])
    if p is None or not s.visible(req, p["workspace"]):
        raise s.error(404, "Unknown object: " + req.path_args["project"])
    tasks = [
        t for t in st.tasks.values() if any(m["project"] == p["gid"] for m in t["membership_gids"])
    ]
    tasks = sorted(_incomplete(req, tasks), key=lambda t: t["gid"])
    return 200, s.page(req, [st.task_json(t) for t in tasks], req.args.get("opt_fields")), {}


@routes.route("GET", _A + r"/workspaces/(?P<ws>\d+)/tasks/search")
def _search(s: AsanaStandIn, req: Request) -> Response:
    ws, a, st = req.path_args["ws"], req.args, s.state
    if ws not in st.premium:
        raise s.error(402, "Search is only available to premium users.")
    tasks = [t for t in st.tasks.values() if t["workspace_gid"] == ws]
    if "created_by.any" in a:
        who = {req.me if x == "me" else x for x in a["created_by.any"].split(",")}
        tasks = [t for t in tasks if t["creator"] in who]
    if a.get("completed") == "false":
        tasks = [t for t in tasks if not t["completed"]]
    if "projects.any" in a:
        want = set(a["projects.any"].split(","))
        tasks = [t for t in tasks if want & {m["project"] for m in t["membership_gids"]}]
    if "created_at.before" in a:
        before = _when(a["created_at.before"])
        tasks = [t for t in tasks if _when(t["created_at"]) < before]
    tasks.sort(key=lambda t: t["created_at"], reverse=a.get("sort_ascending") != "true")
    limit = int(a.get("limit", "20"))
    if not 1 <= limit <= 100:
        raise s.error(400, "limit: Must be between 1 and 100")
    chosen = [st.task_json(t) for t in tasks[:limit]]
    return 200, {"data": [select(t, a.get("opt_fields")) for t in chosen]}, {}


@routes.route("GET", _A + r"/tasks/(?P<task>[^/]+)")
def _task(s: AsanaStandIn, req: Request) -> Response:
    return 200, {"data": select(s.state.task_json(s.task_of(req)), req.args.get("opt_fields"))}, {}


@routes.route("POST", _A + r"/tasks")
def _create(s: AsanaStandIn, req: Request) -> Response:
    data = s.body(req)
    projects = data.get("projects") or []
    if not isinstance(data.get("name"), str) or not projects:
        raise s.error(400, "projects: Missing input")
    p = s.state.projects.get(str(projects[0]))
    if p is None:
        raise s.error(400, f"projects: Not a recognized ID: {projects[0]}")
    tags = tuple(str(g) for g in data.get("tags") or ())
    if any(g not in s.state.tags for g in tags):
        raise s.error(400, "tags: Not a recognized ID")
    t = s.state.add_task(
        p, data["name"], creator=s.me(req), notes=str(data.get("notes") or ""), tags=tags
    )
    return 201, {"data": select(s.state.task_json(t), req.args.get("opt_fields"))}, {}


@routes.route("PUT", _A + r"/tasks/(?P<task>\d+)")
def _update(s: AsanaStandIn, req: Request) -> Response:
    t = s.task_of(req)
    data = s.body(req)
    if "completed" in data:
        t["completed"] = bool(data["completed"])
        t["completed_at"] = s.state.tick() if t["completed"] else None
    if "assignee" in data:
        who = data["assignee"]
        who = req.me if who == "me" else who
        if who is not None and who not in s.state.users:
            raise s.error(400, f"assignee: Not a recognized ID: {who}")
        t["assignee_gid"] = who
    if "name" in data:
        t["name"] = data["name"]
    t["modified_at"] = s.state.tick()
    return 200, {"data": select(s.state.task_json(t), req.args.get("opt_fields"))}, {}


@routes.route("POST", _A + r"/tasks/(?P<task>\d+)/stories")
def _story(s: AsanaStandIn, req: Request) -> Response:
    t = s.task_of(req)
    text = s.body(req).get("text")
    if not isinstance(text, str) or not text:
        raise s.error(400, "text: Missing input")
    story = schema_example("StoryResponse")
    story.update(
        gid=s.state.gid(),
        resource_type="story",
        resource_subtype="comment_added",
        type="comment",
        text=text,
        created_at=s.state.tick(),
        created_by=s.me(req),
        target={"gid": t["gid"], "resource_type": "task", "name": t["name"]},
    )
    s.state.stories[story["gid"]] = story
    return 201, {"data": select(story, req.args.get("opt_fields"))}, {}
