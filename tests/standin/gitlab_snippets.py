"""GitLab snippets on the GitLab stand-in, personal and a project's: list, create, read (and
its raw content), update and delete. Requests are checked against GitLab's description
(``/api/v4/snippets``, ``/api/v4/projects/{id}/snippets``, each ``.../{id}`` and ``.../raw``
are in ``openapi3.yaml``); answers follow the examples of the "Snippets API" and "Project
snippets" pages (docs.gitlab.com/api/snippets/, docs.gitlab.com/api/project_snippets/): a
project snippet's ``web_url`` is under the project and its ``project_id`` is set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .kit import Reply, Request, Response

if TYPE_CHECKING:
    from .gitlab import GitLabStandIn, State


@dataclass
class SnippetsState:
    state: State
    snippets: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(
        self,
        author: str,
        title: str,
        file_name: str,
        content: str,
        *,
        visibility: str = "private",
        description: str = "",
        project: str | None = None,
    ) -> dict[str, Any]:
        sid = self.state._next_id()
        ts = self.state.tick()
        self.snippets[sid] = {
            "id": sid,
            "author": author,
            "title": title,
            "file_name": file_name,
            "content": content,
            "visibility": visibility,
            "description": description,
            "project": project,
            "created_at": ts,
            "updated_at": ts,
        }
        return self.snippets[sid]

    def edit(self, sid: int, **changes: Any) -> dict[str, Any]:
        s = self.snippets[sid]
        s.update({k: v for k, v in changes.items() if v is not None})
        s["updated_at"] = self.state.tick()
        return s


def render(st: GitLabStandIn, s: dict[str, Any]) -> dict[str, Any]:
    project = st.state.find(s["project"]) if s["project"] else None
    if project is None:
        web = f"{st.state.web}/-/snippets/{s['id']}"
    else:
        web = f"{st.state.web}/{project.path}/-/snippets/{s['id']}"
    return {
        "id": s["id"],
        "title": s["title"],
        "file_name": s["file_name"],
        "description": s["description"] or None,
        "visibility": s["visibility"],
        "author": st.state.user(s["author"]),
        "updated_at": s["updated_at"],
        "created_at": s["created_at"],
        "project_id": project.id if project else None,
        "web_url": web,
        "raw_url": f"{web}/raw",
        "ssh_url_to_repo": f"git@gitlab.com:snippets/{s['id']}.git",
        "http_url_to_repo": f"{st.state.web}/snippets/{s['id']}.git",
        "files": [{"path": s["file_name"], "raw_url": f"{web}/raw/main/{s['file_name']}"}],
    }


def _scope(st: GitLabStandIn, req: Request) -> str | None:
    """The project path a route is under (``None``: personal snippets)."""
    return st.project(req).path if "id" in req.path_args else None


def _snippet_of(st: GitLabStandIn, req: Request) -> dict[str, Any]:
    s = st.state.snippets.snippets.get(int(req.path_args["sid"]))
    scope = _scope(st, req)
    if s is None or s["project"] != scope or (scope is None and s["author"] != req.me):
        raise Reply(404, {"message": "404 Snippet Not Found"})
    return s


BASES = (r"/api/v4/snippets", r"/api/v4/projects/(?P<id>[^/]+)/snippets")


def register(R: Any) -> None:
    for base in BASES:
        _register(R, base)


def _register(R: Any, base: str) -> None:
    @R.route("GET", base)
    def _r_list(st: GitLabStandIn, req: Request) -> Response:
        scope = _scope(st, req)
        mine = [
            s
            for s in st.state.snippets.snippets.values()
            if s["project"] == scope and (scope is not None or s["author"] == req.me)
        ]
        mine.sort(key=lambda s: s["updated_at"], reverse=True)
        items, headers = st.offset(req, [render(st, s) for s in mine])
        return 200, items, headers

    @R.route("POST", base)
    def _r_create(st: GitLabStandIn, req: Request) -> Response:
        d = req.json or {}
        st.require_api(req)
        s = st.state.snippets.add(
            req.me,
            d["title"],
            d["file_name"],
            d.get("content", ""),
            visibility=d.get("visibility", "internal"),
            description=d.get("description", ""),
            project=_scope(st, req),
        )
        return 201, render(st, s), {}

    @R.route("GET", base + r"/(?P<sid>\d+)")
    def _r_get(st: GitLabStandIn, req: Request) -> Response:
        return 200, render(st, _snippet_of(st, req)), {}

    @R.route("GET", base + r"/(?P<sid>\d+)/raw")
    def _r_raw(st: GitLabStandIn, req: Request) -> Response:
        text = _snippet_of(st, req)["content"].encode()
        return 200, text, {"content-type": "text/plain; charset=utf-8"}

    @R.route("PUT", base + r"/(?P<sid>\d+)")
    def _r_update(st: GitLabStandIn, req: Request) -> Response:
        s = _snippet_of(st, req)
        st.require_api(req)
        d = req.json or {}
        st.state.snippets.edit(
            s["id"],
            title=d.get("title"),
            file_name=d.get("file_name"),
            content=d.get("content"),
            description=d.get("description"),
            visibility=d.get("visibility"),
        )
        return 200, render(st, s), {}

    @R.route("DELETE", base + r"/(?P<sid>\d+)")
    def _r_delete(st: GitLabStandIn, req: Request) -> Response:
        s = _snippet_of(st, req)
        del st.state.snippets.snippets[s["id"]]
        return 204, None, {}
