"""GitHub gists on the GitHub stand-in: list, create, read, update and delete the signed-in
user's gists, on the routes and in the shapes of GitHub's REST description (every request
and answer is checked against it, like the stand-in's other routes). Bodies start from the
description's own example gist."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import spec
from .kit import Request, Response, link_pages

if TYPE_CHECKING:
    from .github import GitHubStandIn, State


@dataclass
class GistsState:
    """Gists by id, each with its owner and files (name -> content)."""

    state: State
    gists: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def add(
        self, owner: str, description: str, files: dict[str, str], *, public: bool = False
    ) -> dict[str, Any]:
        gid = hashlib.sha1(f"gist-{self.next_id}".encode()).hexdigest()[:20]
        self.next_id += 1
        ts = self.state._tick()
        self.gists[gid] = {
            "id": gid,
            "owner": owner,
            "description": description,
            "public": public,
            "files": dict(files),
            "created_at": ts,
            "updated_at": ts,
            "version": 1,
        }
        return self.gists[gid]

    def edit(self, gid: str, description: str | None, files: dict[str, Any]) -> dict[str, Any]:
        """GitHub's PATCH: a file set to null is deleted; ``filename`` renames."""
        g = self.gists[gid]
        if description is not None:
            g["description"] = description
        for name, change in files.items():
            if change is None:
                g["files"].pop(name, None)
                continue
            content = change.get("content", g["files"].get(name, ""))
            new_name = change.get("filename") or name
            g["files"].pop(name, None)
            g["files"][new_name] = content
        g["updated_at"] = self.state._tick()
        g["version"] += 1
        return g


def _file(gid: str, owner: str, name: str, content: str, *, with_content: bool) -> dict[str, Any]:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    language = {"py": "Python", "js": "JavaScript", "ts": "TypeScript", "md": "Markdown"}.get(ext)
    f: dict[str, Any] = {
        "filename": name,
        "type": "text/plain",
        "language": language,
        "raw_url": f"https://gist.githubusercontent.com/{owner}/{gid}/raw/{name}",
        "size": len(content.encode()),
    }
    if with_content:
        f.update(truncated=False, content=content, encoding="utf-8")
    return f


def render(s: GitHubStandIn, g: dict[str, Any], *, full: bool) -> dict[str, Any]:
    body = spec.example("/gists/{gist_id}", "get")
    gid = g["id"]
    for k in ("url", "forks_url", "commits_url", "git_pull_url", "git_push_url", "html_url"):
        body[k] = body[k].replace("2decf6c462d9b4418f2", gid)
    body["comments_url"] = body["comments_url"].replace("2decf6c462d9b4418f2", gid)
    body.update(
        id=gid,
        description=g["description"],
        public=g["public"],
        created_at=g["created_at"],
        updated_at=g["updated_at"],
        owner=s.state.user(g["owner"]),
        files={n: _file(gid, g["owner"], n, c, with_content=full) for n, c in g["files"].items()},
    )
    if not full:
        for k in ("forks", "history", "fork_of", "comments_enabled"):
            body.pop(k, None)
    elif isinstance(body.get("history"), list):
        body["history"] = body["history"][:1]
        if body["history"]:
            body["history"][0]["version"] = hashlib.sha1(
                f"{gid}-{g['version']}".encode()
            ).hexdigest()
            body["history"][0]["committed_at"] = g["updated_at"]
            body["history"][0]["user"] = s.state.user(g["owner"])
    return body


def _gist_of(s: GitHubStandIn, req: Request) -> dict[str, Any]:
    from .github import _error

    g = s.state.gists.gists.get(req.path_args["gist_id"])
    if g is None or g["owner"] != req.me:
        raise _error(404, "Not Found")
    return g


def register(routes: Any) -> None:
    @routes.route("GET", r"/gists")
    def _r_list(s: GitHubStandIn, req: Request) -> Response:
        mine = [g for g in s.state.gists.gists.values() if g["owner"] == req.me]
        mine.sort(key=lambda g: g["updated_at"], reverse=True)
        items, link = link_pages([render(s, g, full=False) for g in mine], req)
        return 200, items, link

    @routes.route("POST", r"/gists")
    def _r_create(s: GitHubStandIn, req: Request) -> Response:
        d = req.json or {}
        files = {n: f["content"] for n, f in d["files"].items()}
        g = s.state.gists.add(
            req.me, d.get("description") or "", files, public=bool(d.get("public", False))
        )
        body = render(s, g, full=True)
        return 201, body, {"location": body["url"]}

    @routes.route("GET", r"/gists/(?P<gist_id>[^/]+)")
    def _r_get(s: GitHubStandIn, req: Request) -> Response:
        return 200, render(s, _gist_of(s, req), full=True), {}

    @routes.route("PATCH", r"/gists/(?P<gist_id>[^/]+)")
    def _r_update(s: GitHubStandIn, req: Request) -> Response:
        g = _gist_of(s, req)
        d = req.json or {}
        s.state.gists.edit(g["id"], d.get("description"), d.get("files") or {})
        return 200, render(s, g, full=True), {}

    @routes.route("DELETE", r"/gists/(?P<gist_id>[^/]+)")
    def _r_delete(s: GitHubStandIn, req: Request) -> Response:
        g = _gist_of(s, req)
        del s.state.gists.gists[g["id"]]
        return 204, None, {}
