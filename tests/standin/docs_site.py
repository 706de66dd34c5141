"""A documentation site: static files (``objects.inv``, DevDocs' ``index.json``) over HTTP.

No API contract applies -- a docs site is a folder of files -- so there is none to check; the
files it serves are real ones (an ``objects.inv`` Sphinx built in the test). What the kit
adds is what a real site does to a client: ETags and 304 answers to ``If-None-Match``, a
request log, and faults (a site that is down, or unreachable). Anonymous, like every public
documentation site.
"""

from __future__ import annotations

from pathlib import Path

from .kit import Reply, Request, Response, Router, StandIn

routes: Router[DocsSite] = Router()


class DocsSite(StandIn):
    service, router = "docs site", routes
    budgets = {"requests": 100_000}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.files: dict[str, bytes] = {}
        self.default_cache_control = "max-age=600"

    def publish(self, path: str, data: bytes | Path) -> str:
        """Serve ``data`` at ``/path``; the URL it is at."""
        self.files["/" + path.lstrip("/")] = data.read_bytes() if isinstance(data, Path) else data
        return f"{self.url}/{path.lstrip('/')}"

    def authenticate(self, req: Request) -> str | None:
        return "anonymous"

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, f"<h1>{status} {message}</h1>".encode())

    def fetches(self, path: str) -> list[int]:
        """Statuses of the requests for ``/path`` so far."""
        with self.lock:
            return [e.status for e in self.log if e.path == "/" + path.lstrip("/")]


@routes.route("GET", r"/(?P<path>.+)")
def _file(s: DocsSite, req: Request) -> Response:
    data = s.files.get(req.path)
    if data is None:
        raise s.not_found(req)
    kind = "application/json" if req.path.endswith(".json") else "application/octet-stream"
    return 200, data, {"content-type": kind}
