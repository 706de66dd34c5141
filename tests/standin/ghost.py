"""A stand-in for a Ghost site's Admin API (v5): posts written as HTML and image uploads.

Request bodies are validated with the JSON schemas Ghost itself validates them with
(``tests/contracts/ghost/``, from ``@tryghost/admin-api-schema``; see PROVENANCE there):
``posts.add`` for a new post, ``posts.edit`` for an update, ``images.upload`` for an upload's
form fields. What no schema says follows Ghost's Admin API documentation
(https://ghost.org/docs/admin-api/): each request carries ``Authorization: Ghost <JWT>``, an
HS256 JWT whose header ``kid`` names an Admin API key, ``aud`` ``/admin/``, living at most
5 minutes; ``Accept-Version`` names the API version; errors are ``{"errors": [{"message",
"type", "context"}]}``; an update naming an ``updated_at`` other than the post's is 409
``UpdateCollisionError``.

- ``GET /ghost/api/admin/site/`` -> ``{"site": {title, url, version}}``
- ``POST /ghost/api/admin/posts/?source=html`` ``{"posts": [{...}]}`` -> 201 ``{"posts": [post]}``
- ``PUT /ghost/api/admin/posts/{id}/?source=html`` -> ``{"posts": [post]}``
- ``GET /ghost/api/admin/posts/{id}/`` -> ``{"posts": [post]}``
- ``POST /ghost/api/admin/images/upload/`` multipart ``file``, ``purpose``, ``ref`` -> 201
  ``{"images": [{url, ref}]}``; the bytes are kept in ``images``
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.standin.kit import Reply, Request, Response, Router, StandIn

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "contracts" / "ghost"
ADMIN = "/ghost/api/admin"
#: The Admin API keys the stand-in knows: id -> (secret as hex, account).
KEYS = {"6489f0c1d2e3f4a5b6c7d8e9": ("ab" * 32, "ada")}


@dataclass
class GhostSchemas:
    """The ``Contract`` of the stand-in: Ghost's request-body JSON schemas."""

    path: Path = SCHEMAS

    def available(self) -> bool:
        return (self.path / "posts.json").is_file()

    def warm(self) -> None:
        self._validators()

    def _validators(self) -> dict[str, Any]:
        cached: dict[str, Any] | None = getattr(self, "_built", None)
        if cached is None:
            from jsonschema import Draft7Validator
            from referencing import Registry, Resource

            docs = {p.stem: json.loads(p.read_text()) for p in self.path.glob("*.json")}
            registry: Registry[Any] = Registry().with_resources(
                (d["$id"], Resource.from_contents(d)) for d in docs.values()
            )
            cached = {
                name: Draft7Validator(docs[name], registry=registry)
                for name in ("posts-add", "posts-edit", "images-upload")
            }
            self._built = cached
        return cached

    def check(self, req: Request) -> list[str]:
        problems = []
        if not req.headers.get("accept-version"):
            problems.append(f"{req.method} {req.path}: no Accept-Version header")
        which = None
        if req.method == "POST" and req.path == f"{ADMIN}/posts/":
            which, body = "posts-add", req.json
        elif req.method == "PUT" and req.path.startswith(f"{ADMIN}/posts/"):
            which, body = "posts-edit", req.json
        elif req.method == "POST" and req.path == f"{ADMIN}/images/upload/":
            which, body = "images-upload", {k: v for k, v in form(req).items() if k != "file"}
        if which is not None:
            for err in self._validators()[which].iter_errors(body):
                where = "/".join(str(p) for p in err.absolute_path)
                problems.append(f"{req.method} {req.path}: {which}: {where}: {err.message}")
        return problems


def form(req: Request) -> dict[str, Any]:
    """A multipart/form-data body: name -> text, or ``(filename, content type, bytes)``."""
    ctype = req.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        return {}
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body
    )
    out: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            out[str(name)] = (filename, part.get_content_type(), data)
        else:
            out[str(name)] = data.decode()
    return out


routes: Router[GhostStandIn] = Router()


class GhostStandIn(StandIn):
    service = "Ghost"
    router = routes
    contract = GhostSchemas()
    budgets = {"requests": 10000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        # What Ghost's Admin API sends on every answer: nothing is cached.
        self.default_cache_control = (
            "no-cache, private, no-store, must-revalidate, max-stale=0, post-check=0, pre-check=0"
        )
        self.posts: dict[str, dict[str, Any]] = {}
        self.images: dict[str, bytes] = {}
        self.next_id = 0x65A0000000000000000000
        self.clock = 0
        #: JWT problems seen, for tests to read (a bad token is 401 as well).
        self.jwt_problems: list[str] = []

    def error(self, status: int, message: str, kind: str = "") -> Reply:
        kinds = {
            400: "BadRequestError",
            401: "UnauthorizedError",
            404: "NotFoundError",
            409: "UpdateCollisionError",
            422: "ValidationError",
            429: "TooManyRequestsError",
        }
        return Reply(
            status,
            {
                "errors": [
                    {
                        "message": message,
                        "type": kind or kinds.get(status, "InternalServerError"),
                        "context": None,
                    }
                ]
            },
        )

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(422, "Validation error, cannot save post. " + "; ".join(problems))

    def authenticate(self, req: Request) -> str | None:
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import OctKey

        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme != "Ghost" or not token:
            return None
        try:
            header = json.loads(_b64(token.split(".")[0]))
            secret, account = KEYS[header.get("kid", "")]
            got = jwt.decode(token, OctKey.import_key(bytes.fromhex(secret)), algorithms=["HS256"])
        except (KeyError, ValueError, JoseError) as exc:
            self.jwt_problems.append(f"bad token: {exc!r}")
            return None
        c = got.claims
        now = time.time()
        if c.get("aud") != "/admin/":
            self.jwt_problems.append(f"aud {c.get('aud')!r}")
            return None
        iat, exp = c.get("iat"), c.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 300 or exp < now:
            self.jwt_problems.append(f"iat {iat!r} exp {exp!r}")
            return None
        return account

    def stamp(self) -> str:
        self.clock += 1
        return f"2026-12-01T10:{self.clock // 60:02d}:{self.clock % 60:02d}.000Z"

    def show(self, p: dict[str, Any], req: Request) -> dict[str, Any]:
        out = dict(p)
        if "tags" not in req.args.get("include", ""):
            out.pop("tags")
        return out

    def post_of(self, req: Request) -> dict[str, Any]:
        found = self.posts.get(req.path_args["id"])
        if found is None:
            raise self.error(404, "Post not found.")
        return found


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _apply(s: GhostStandIn, p: dict[str, Any], fields: dict[str, Any], base: str) -> None:
    for k in ("title", "html", "custom_excerpt", "canonical_url", "feature_image"):
        if k in fields:
            p[k] = fields[k]
    if "tags" in fields:
        names = [t if isinstance(t, str) else t.get("name", "") for t in fields["tags"]]
        p["tags"] = [{"id": f"tag-{n}", "name": n, "slug": n.lower()} for n in names if n]
    if "status" in fields:
        p["status"] = fields["status"]
        if p["status"] == "published" and not p.get("published_at"):
            p["published_at"] = s.stamp()
    p["updated_at"] = s.stamp()
    p["url"] = f"{base}/{p['slug']}/" if p["status"] == "published" else f"{base}/p/{p['uuid']}/"


@routes.route("GET", ADMIN + r"/site/")
def _site(s: GhostStandIn, req: Request) -> Response:
    return (
        200,
        {"site": {"title": "Ada's notes", "url": req.base_url + "/", "version": "5.101"}},
        {},
    )


@routes.route("POST", ADMIN + r"/posts/")
def _create(s: GhostStandIn, req: Request) -> Response:
    fields = dict(req.json["posts"][0])
    s.next_id += 1
    pid = f"{s.next_id:024x}"
    p: dict[str, Any] = {
        "id": pid,
        "uuid": f"uuid-{pid}",
        "slug": "-".join(str(fields["title"]).lower().split())[:60] or pid,
        "title": "",
        "html": "",
        "status": "draft",
        "tags": [],
        "custom_excerpt": None,
        "canonical_url": None,
        "feature_image": None,
        "published_at": None,
        "created_at": s.stamp(),
    }
    _apply(s, p, fields, req.base_url)
    s.posts[pid] = p
    return 201, {"posts": [s.show(p, req)]}, {}


@routes.route("PUT", ADMIN + r"/posts/(?P<id>[0-9a-f]{24})/")
def _update(s: GhostStandIn, req: Request) -> Response:
    p = s.post_of(req)
    fields = dict(req.json["posts"][0])
    if fields.get("updated_at") != p["updated_at"]:
        raise s.error(409, "Saving failed! Someone else is editing this post.")
    _apply(s, p, fields, req.base_url)
    return 200, {"posts": [s.show(p, req)]}, {}


@routes.route("GET", ADMIN + r"/posts/(?P<id>[0-9a-f]{24})/")
def _get(s: GhostStandIn, req: Request) -> Response:
    return 200, {"posts": [s.show(s.post_of(req), req)]}, {}


@routes.route("POST", ADMIN + r"/images/upload/")
def _upload(s: GhostStandIn, req: Request) -> Response:
    got = form(req).get("file")
    if not isinstance(got, tuple):
        raise s.error(422, "Please select an image.", "ValidationError")
    filename, ctype, data = got
    if not ctype.startswith("image/"):
        raise s.error(415, "Please select a valid image.", "UnsupportedMediaTypeError")
    name = f"{len(s.images) + 1}-{filename}"
    s.images[name] = data
    url = f"{req.base_url}/content/images/2026/12/{name}"
    return 201, {"images": [{"url": url, "ref": form(req).get("ref")}]}, {}
