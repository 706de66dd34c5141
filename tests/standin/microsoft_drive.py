"""OneDrive and SharePoint document libraries on the Graph stand-in: a drive tree, delta,
conditional writes, upload sessions and downloads from a second host.

Routes register on :mod:`tests.standin.microsoft`'s router and are validated, request and
answer, against the same description (see its PROVENANCE for what it does not say). Where
each behaviour comes from (learn.microsoft.com/graph/api/resources/driveitem and the pages
named below):

- Items are addressed by id (``/drives/{d}/items/{id}``) or by path (``/me/drive/root:/docs``,
  ``/drives/{d}/items/{parent}:/a.md:/content``: onedrive-addressing-driveitems). Every
  write gives the item a new ``eTag`` (and ``cTag`` for content); a write with ``If-Match``
  naming another one is ``412 Precondition Failed`` (``preconditionFailed``).
- ``GET .../content`` is ``302 Found`` to a pre-authenticated URL on another host
  (:class:`BlobHost`, its own port), which refuses any ``Authorization`` header it is sent
  and records it as a violation: the token must never travel there. ``?format=pdf`` does
  the same for a converted copy of the types Graph converts (driveitem-get-content-format);
  the page names no error for other types, which the stand-in answers ``406 notSupported``.
- ``PUT .../content`` takes at most 4 MB (the OneDrive API's driveitem_put_content; Graph's
  page now says 250 MB, the stand-in keeps the stricter limit);
  ``@microsoft.graph.conflictBehavior=fail`` refuses an existing name with ``409
  nameAlreadyExists``.
- ``createUploadSession`` answers an ``uploadUrl`` on the other host; its PUTs carry
  ``Content-Range``, each fragment but the last a multiple of 320 KiB, and must start where
  ``nextExpectedRanges`` says (``416`` otherwise); ``202`` with the next expected range until
  the last, which answers the driveItem. ``GET`` of the session gives its ranges, to resume.
  ``accept_short`` makes the next fragment be taken only in part, as Graph may do.
- Delta (driveitem-delta): on a personal drive any folder's, on a business drive or a
  document library the root's only (another folder is ``400 invalidRequest``). The first
  round lists the folder itself and everything below it; ``@odata.nextLink`` pages
  (``?token=``) end in ``@odata.deltaLink``, whose call answers what changed since: the
  latest state of each item, without ``parentReference.path``; deleted items (and, for a
  folder delta, items moved out of it) as ``deleted``, business drives leaving out their
  ``name``, personal ones their ``size``. A token older than ``delta_floor`` is
  ``410 Gone`` (``resyncRequired``, inner code ``resyncChangesApplyDifferences``) with a
  ``Location`` to start again.
- Hashes: personal drives give ``sha1Hash`` and ``sha256Hash``, business ones
  ``quickXorHash`` only (resources/hashes).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

from .graph_wire import _body, _token, _untoken, select, stamp
from .kit import Reply, Request, Response, Router, StandIn

if TYPE_CHECKING:
    from .microsoft import MicrosoftStandIn

SIMPLE_LIMIT = 4 * 1024 * 1024
FRAGMENT = 320 * 1024
#: Extensions Graph converts to PDF (driveitem-get-content-format).
PDF_FROM = frozenset(
    {"csv", "doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "pptm", "pps"}
    | {"ppsx", "ppsxm", "pot", "potm", "potx", "odp"}
)
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def _err(status: int, code: str, message: str, inner: str | None = None) -> Reply:
    body = _body(code, message)
    if inner:
        body["error"]["innerError"]["code"] = inner
    return Reply(status, body)


def quick_xor(data: bytes) -> str:
    """OneDrive's QuickXorHash: each byte XORed into a 160-bit register 11 bits further on,
    then the length into its last 64 bits (resources/hashes, the reference code)."""
    state = 0
    mask = (1 << 160) - 1
    for i, b in enumerate(data):
        v = b << ((i * 11) % 160)
        state ^= (v & mask) ^ (v >> 160)
    state ^= len(data) << 96
    return base64.b64encode((state & mask).to_bytes(20, "little")).decode()


@dataclass
class Session:
    item_parent: str
    name: str
    drive: str
    account: str
    total: int | None = None
    data: bytearray = field(default_factory=bytearray)
    conflict: str = "fail"
    if_match: str | None = None


class DriveState:
    """Every drive of the tenant and its items; ``seq`` orders writes for delta."""

    def __init__(self) -> None:
        self.seq = 0
        self._n = itertools.count(1)
        self.drives: dict[str, dict[str, Any]] = {}
        self.mine: dict[str, str] = {}  # user id -> their OneDrive's id
        self.items: dict[str, dict[str, Any]] = {}
        #: id -> (seq, drive, ancestors when it left, wire name) for deletions and moves.
        self.gone: list[tuple[str, int, str, tuple[str, ...], str]] = []
        self.sessions: dict[str, Session] = {}
        self.links: dict[str, tuple[str, str, str | None]] = {}  # key -> (account, id, format)
        self.delta_floor = 0
        self.accept_short = 0  # take only this many bytes of the next fragment
        #: Give delta items their parent's path after all (the documentation says Graph
        #: does not; a client must cope either way).
        self.delta_paths = False
        self.lock = threading.RLock()

    # -- building ---------------------------------------------------------------------------
    def add_drive(self, owner: dict[str, Any], kind: str = "personal", name: str = "") -> str:
        n = next(self._n)
        did = f"{n:04x}c91d9d3d" if kind == "personal" else f"b!t18F8ybsHUq1z3LTz8xvZ{n:04d}"
        self.drives[did] = {"id": did, "driveType": kind, "owner": owner["id"], "name": name}
        if kind in ("personal", "business") and owner["id"] not in self.mine:
            self.mine[owner["id"]] = did
        self.items[self._root_id(did)] = {
            "id": self._root_id(did),
            "name": "root",
            "_drive": did,
            "_parent": None,
            "_folder": True,
            "_seq": self._bump(),
            "_version": 1,
        }
        return did

    def _root_id(self, drive: str) -> str:
        return f"{drive[:6].upper()}ROOT"

    def root(self, drive: str) -> dict[str, Any]:
        return self.items[self._root_id(drive)]

    def _bump(self) -> int:
        self.seq += 1
        return self.seq

    def new_id(self, drive: str) -> str:
        n = next(self._n)
        if self.drives[drive]["driveType"] == "personal":
            return f"{drive[:16].upper()}!{1000 + n}"
        return f"01BYE5RZ{n:08d}QN3ZWBTUFOFD3GSP"

    def add(
        self, drive: str, path: str, data: bytes | None = None, *, parent: str | None = None
    ) -> dict[str, Any]:
        """A file (``data``) or folder (``None``) at ``path`` under the root, parents made."""
        here = parent or self.root(drive)["id"]
        parts = [p for p in path.split("/") if p]
        for part in parts[:-1]:
            found = self.child(here, part)
            here = (found or self.create(drive, here, part, None))["id"]
        return self.create(drive, here, parts[-1], data)

    def create(self, drive: str, parent: str, name: str, data: bytes | None) -> dict[str, Any]:
        iid = self.new_id(drive)
        item = {
            "id": iid,
            "name": name,
            "_drive": drive,
            "_parent": parent,
            "_folder": data is None,
            "_data": data or b"",
            "_created": datetime.now(UTC),
            "_version": 0,
        }
        self.items[iid] = item
        self.touch(item)
        return item

    def touch(self, item: dict[str, Any], data: bytes | None = None) -> None:
        if data is not None:
            item["_data"] = data
        item["_version"] += 1
        item["_seq"] = self._bump()
        item["_modified"] = datetime.now(UTC)

    # -- reading ----------------------------------------------------------------------------
    def child(self, parent: str, name: str) -> dict[str, Any] | None:
        low = name.casefold()
        return next(
            (
                i
                for i in self.items.values()
                if i["_parent"] == parent and i["name"].casefold() == low
            ),
            None,
        )

    def by_path(self, start: str, path: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.items.get(start)
        for part in [p for p in path.split("/") if p]:
            if item is None:
                return None
            item = self.child(item["id"], part)
        return item

    def ancestors(self, item: dict[str, Any]) -> tuple[str, ...]:
        out = []
        parent = item["_parent"]
        while parent is not None:
            out.append(parent)
            parent = self.items[parent]["_parent"]
        return tuple(out)

    def path_of(self, item: dict[str, Any]) -> str:
        """``/drives/{d}/root:/a/b`` for the folder holding ``item``."""
        names = [self.items[a]["name"] for a in reversed(self.ancestors(item))][1:]
        return f"/drives/{item['_drive']}/root:" + "".join("/" + n for n in names)

    def etag(self, item: dict[str, Any]) -> str:
        return f'"{{{item["id"][-12:]}}},{item["_version"]}"'

    def wire(self, item: dict[str, Any], *, base: str, delta: bool = False) -> dict[str, Any]:
        drive = self.drives[item["_drive"]]
        kind = drive["driveType"]
        out: dict[str, Any] = {
            "id": item["id"],
            "name": item["name"],
            "eTag": self.etag(item),
            "cTag": f'"c:{{{item["id"][-12:]}}},{item["_version"]}"',
            "createdDateTime": stamp(item.get("_created") or datetime(2026, 1, 5, tzinfo=UTC)),
            "lastModifiedDateTime": stamp(item.get("_modified") or datetime.now(UTC)),
            "webUrl": f"{base}/personal/{drive['id']}/Documents/{quote(item['name'])}",
            "size": len(item.get("_data", b"")),
        }
        ref: dict[str, Any] = {"driveId": drive["id"], "driveType": kind}
        if item["_parent"] is None:
            out["root"] = {}
            out["name"] = "root"
        else:
            ref["id"] = item["_parent"]
            if not delta or self.delta_paths:  # delta leaves it out (driveitem-delta, Remarks)
                ref["path"] = self.path_of(item)
        out["parentReference"] = ref
        if item["_folder"]:
            kids = sum(1 for i in self.items.values() if i["_parent"] == item["id"])
            out["folder"] = {"childCount": kids}
            out["size"] = sum(
                len(i.get("_data", b""))
                for i in self.items.values()
                if item["id"] in self.ancestors(i)
            )
        else:
            data = item["_data"]
            hashes = (
                {
                    "sha1Hash": hashlib.sha1(data).hexdigest().upper(),
                    "sha256Hash": hashlib.sha256(data).hexdigest().upper(),
                }
                if kind == "personal"
                else {"quickXorHash": quick_xor(data)}
            )
            out["file"] = {"mimeType": _mime(item["name"]), "hashes": hashes}
        return out

    def move(self, item: dict[str, Any], parent: str, name: str | None = None) -> None:
        """Moved and/or renamed; leaving its folder is recorded for folder deltas."""
        if parent != item["_parent"]:
            self.remove(item, moved=True)
        item["_parent"], item["name"] = parent, name or item["name"]
        self.touch(item)

    def remove(self, item: dict[str, Any], *, moved: bool = False) -> None:
        """Record ``item`` (and, when deleted, all below it) as gone from where it was."""
        seq = self._bump()
        family = (
            [item]
            if moved
            else [i for i in self.items.values() if i is item or item["id"] in self.ancestors(i)]
        )
        for each in family:
            self.gone.append((each["id"], seq, each["_drive"], self.ancestors(each), each["name"]))
        if not moved:
            for each in family:
                del self.items[each["id"]]


def _mime(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {
        "md": "text/markdown",
        "txt": "text/plain",
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }.get(ext, "application/octet-stream")


# -- the blob host ------------------------------------------------------------------------------
blob_routes: Router[BlobHost] = Router()


class BlobHost(StandIn):
    """The other host downloads and upload sessions go to (SharePoint's, in Graph): its URLs
    carry their own authorisation, and an ``Authorization`` header sent here is a leak."""

    service = "OneDrive content host"
    router = blob_routes
    etags = False

    def __init__(self, graph: MicrosoftStandIn) -> None:
        super().__init__()
        self.graph = graph
        self.default_cache_control = None

    def authenticate(self, req: Request) -> str | None:
        if "authorization" in req.headers:
            with self.lock:
                self.violations.append(
                    f"{req.method} {req.path}: an Authorization header reached the content host"
                )
            return None
        st = self.graph.drive
        key = req.path.rsplit("/", 1)[-1]
        if key in st.links:
            return st.links[key][0]
        if key in st.sessions:
            return st.sessions[key].account
        return None

    def unauthorized(self, req: Request) -> Reply:
        return _err(401, "unauthenticated", "The URL is not valid or has expired.")

    def not_found(self, req: Request) -> Reply:
        return _err(404, "itemNotFound", "Not found")


@blob_routes.route("GET", r"/download/(?P<key>[^/]+)")
def _blob(s: BlobHost, req: Request) -> Response:
    st = s.graph.drive
    _, iid, fmt = st.links[req.path_args["key"]]
    item = st.items.get(iid)
    if item is None:
        raise _err(404, "itemNotFound", "The resource could not be found.")
    data: bytes = item["_data"]
    ctype = _mime(item["name"])
    if fmt == "pdf":
        data, ctype = (
            b"%PDF-1.7\n% converted from " + item["name"].encode() + b"\n",
            "application/pdf",
        )
    return 200, data, {"content-type": ctype}


@blob_routes.route("GET", r"/upload/(?P<key>[^/]+)")
def _session_status(s: BlobHost, req: Request) -> Response:
    sess = s.graph.drive.sessions[req.path_args["key"]]
    return 200, {"expirationDateTime": _soon(), "nextExpectedRanges": [f"{len(sess.data)}-"]}, {}


@blob_routes.route("PUT", r"/upload/(?P<key>[^/]+)")
def _fragment(s: BlobHost, req: Request) -> Response:
    st = s.graph.drive
    key = req.path_args["key"]
    sess = st.sessions[key]
    m = _RANGE.match(req.headers.get("content-range", ""))
    if not m:
        raise _err(400, "invalidRequest", "Content-Range is required: bytes start-end/total.")
    start, end, total = (int(g) for g in m.groups())
    body = req.body
    if end - start + 1 != len(body) or (sess.total not in (None, total)):
        raise _err(400, "invalidRequest", "Content-Range does not match the body.")
    sess.total = total
    if start != len(sess.data):
        raise _err(
            416, "invalidRange", f"The uploaded fragment does not start at {len(sess.data)}."
        )
    if end + 1 < total and len(body) % FRAGMENT:
        raise _err(400, "invalidRequest", "Fragments must be a multiple of 320 KiB.")
    with st.lock:
        if st.accept_short and len(body) > st.accept_short:
            body = body[: st.accept_short]
            st.accept_short = 0
        sess.data += body
        if len(sess.data) < total:
            return (
                202,
                {"expirationDateTime": _soon(), "nextExpectedRanges": [f"{len(sess.data)}-"]},
                {},
            )
        del st.sessions[key]
        status, item = _write(
            s.graph,
            sess.drive,
            sess.item_parent,
            sess.name,
            bytes(sess.data),
            if_match=sess.if_match,
            conflict=sess.conflict,
        )
    return status, st.wire(item, base=s.graph.url), {}


def _soon() -> str:
    return "2026-12-09T08:00:00.000Z"


# -- Graph routes -------------------------------------------------------------------------------
def register(routes: Router[MicrosoftStandIn], v1: str) -> None:
    """Add the drive routes to the Graph stand-in's router."""
    for method, pattern, fn in _ROUTES:
        routes.route(method, v1 + pattern)(fn)


_ROUTES: list[tuple[str, str, Any]] = []


def route(method: str, pattern: str) -> Any:
    def add(fn: Any) -> Any:
        _ROUTES.append((method, pattern, fn))
        return fn

    return add


#: Path addressing -> the id-addressed path the description writes (see PROVENANCE).
CONTRACT_PATHS = (
    (re.compile(r"^(/v1\.0)/me/drive/"), r"\1/drives/me/"),
    (re.compile(r"/root:/.*?(?::(?=/)|:?$)"), "/items/root"),
    (re.compile(r"/items/([^/:]+):/[^:]*:"), r"/items/\1"),
    (re.compile(r"(?<!/items)/root(?=/|$)"), "/items/root"),
    (re.compile(r"(/drives/[^/]+/items/[^/]+)/delta$"), r"\1/microsoft.graph.delta()"),
    (re.compile(r"/(createUploadSession)$"), r"/microsoft.graph.createUploadSession"),
)


def contract_path(path: str) -> str:
    path = unquote(path)
    for rx, repl in CONTRACT_PATHS:
        path = rx.sub(repl, path)
    return path


def _drive(s: MicrosoftStandIn, req: Request, did: str) -> str:
    if did == "me":
        found = s.drive.mine.get(req.me)
        if found is None:
            raise _err(404, "itemNotFound", "The user has no OneDrive.")
        return found
    d = s.drive.drives.get(did)
    if d is None:
        raise _err(404, "itemNotFound", "The drive could not be found.")
    return did


def _item(s: MicrosoftStandIn, req: Request, did: str, ref: str) -> dict[str, Any]:
    """``ref`` is an id, ``root``, ``root:/a/b`` or ``{id}:/a/b`` (one trailing colon)."""
    drive = _drive(s, req, did)
    st = s.drive
    base, _, rest = ref.partition(":")
    start = st.root(drive)["id"] if base == "root" else base
    found = st.by_path(start, rest.rstrip(":")) if rest else st.items.get(start)
    if found is None or found["_drive"] != drive:
        raise _err(404, "itemNotFound", "The resource could not be found.")
    return found


def _check_etag(s: MicrosoftStandIn, req: Request, item: dict[str, Any] | None) -> None:
    want = req.headers.get("if-match")
    if want is None:
        return
    if item is None or want not in ("*", s.drive.etag(item)):
        raise _err(412, "preconditionFailed", "ETag does not match current item's value")


_ITEM = (
    r"/(?:me/drive|drives/(?P<drive>[^/]+))/(?P<ref>items/[^/]+?(?::/[^:]*:)?|root(?::/[^:]*:?)?)"
)


def _ref(req: Request) -> tuple[str, str]:
    ref = req.path_args["ref"]
    return req.path_args.get("drive") or "me", ref.removeprefix("items/")


@route("GET", _ITEM)
def _get_item(s: MicrosoftStandIn, req: Request) -> Response:
    item = _item(s, req, *_ref(req))
    return 200, select(s.drive.wire(item, base=s.url), req.args.get("$select")), {}


@route("DELETE", _ITEM)
def _delete(s: MicrosoftStandIn, req: Request) -> Response:
    item = _item(s, req, *_ref(req))
    _check_etag(s, req, item)
    s.drive.remove(item)
    return 204, None, {}


@route("PATCH", _ITEM)
def _patch(s: MicrosoftStandIn, req: Request) -> Response:
    st = s.drive
    item = _item(s, req, *_ref(req))
    _check_etag(s, req, item)
    body = req.json if isinstance(req.json, dict) else {}
    parent = (body.get("parentReference") or {}).get("id") or item["_parent"]
    name = body.get("name") or item["name"]
    if parent not in st.items or not st.items[parent]["_folder"]:
        raise _err(400, "invalidRequest", "The destination folder does not exist.")
    clash = st.child(parent, name)
    if clash is not None and clash is not item:
        raise _err(409, "nameAlreadyExists", "The specified item name already exists.")
    st.move(item, parent, name)
    return 200, st.wire(item, base=s.url), {}


@route("POST", _ITEM + r"/children")
def _children(s: MicrosoftStandIn, req: Request) -> Response:
    st = s.drive
    parent = _item(s, req, *_ref(req))
    body = req.json if isinstance(req.json, dict) else {}
    name = body.get("name")
    if not name or "folder" not in body:
        raise _err(400, "invalidRequest", "A folder needs a name and the folder facet.")
    there = st.child(parent["id"], name)
    if there is not None and body.get("@microsoft.graph.conflictBehavior", "fail") == "fail":
        raise _err(409, "nameAlreadyExists", "The specified item name already exists.")
    if there is not None:
        return 200, st.wire(there, base=s.url), {}
    item = st.create(parent["_drive"], parent["id"], name, None)
    return 201, st.wire(item, base=s.url), {}


def _write(
    s: MicrosoftStandIn,
    drive: str,
    parent: str,
    name: str,
    data: bytes,
    *,
    if_match: str | None,
    conflict: str,
) -> tuple[int, dict[str, Any]]:
    st = s.drive
    found = st.child(parent, name)
    if if_match is not None and (found is None or if_match not in ("*", st.etag(found))):
        raise _err(412, "preconditionFailed", "ETag does not match current item's value")
    if found is not None and conflict == "fail" and if_match is None:
        raise _err(409, "nameAlreadyExists", "The specified item name already exists.")
    if found is not None:
        st.touch(found, data)
        return 200, found
    return 201, st.create(drive, parent, name, data)


@route("PUT", _ITEM + r"/content")
def _put_content(s: MicrosoftStandIn, req: Request) -> Response:
    drive, ref = _ref(req)
    base, _, rest = ref.partition(":")
    if not rest:
        raise _err(400, "invalidRequest", "Name the file: /items/{parent-id}:/{name}:/content.")
    parent = _item(s, req, drive, base)
    if len(req.body) > SIMPLE_LIMIT:
        raise _err(413, "requestTooLarge", "Use an upload session for files over 4 MB.")
    status, item = _write(
        s,
        parent["_drive"],
        parent["id"],
        rest.strip(":/"),
        req.body,
        if_match=req.headers.get("if-match"),
        conflict=req.args.get("@microsoft.graph.conflictBehavior", "replace"),
    )
    return status, s.drive.wire(item, base=s.url), {}


@route("POST", _ITEM + r"/createUploadSession")
def _create_session(s: MicrosoftStandIn, req: Request) -> Response:
    st = s.drive
    drive, ref = _ref(req)
    base, _, rest = ref.partition(":")
    parent = _item(s, req, drive, base)
    name = rest.strip(":/")
    body = req.json if isinstance(req.json, dict) else {}
    spec = body.get("item") or {}
    conflict = spec.get("@microsoft.graph.conflictBehavior", "replace")
    found = st.child(parent["id"], name)
    _check_etag(s, req, found)
    if found is not None and conflict == "fail":
        raise _err(409, "nameAlreadyExists", "The specified item name already exists.")
    key = secrets.token_urlsafe(12)
    st.sessions[key] = Session(
        parent["id"],
        name,
        parent["_drive"],
        req.me,
        conflict=conflict,
        if_match=req.headers.get("if-match"),
    )
    return (
        200,
        {
            "uploadUrl": f"{s.blobs.url}/upload/{key}",
            "expirationDateTime": _soon(),
            "nextExpectedRanges": ["0-"],
        },
        {},
    )


@route("GET", _ITEM + r"/content")
def _content(s: MicrosoftStandIn, req: Request) -> Response:
    st = s.drive
    item = _item(s, req, *_ref(req))
    if item["_folder"]:
        raise _err(400, "invalidRequest", "A folder has no content.")
    fmt = req.args.get("format")
    if fmt is not None:
        ext = item["name"].rsplit(".", 1)[-1].lower()
        if fmt != "pdf" or ext not in PDF_FROM:
            raise _err(406, "notSupported", f"Conversion of .{ext} to {fmt} is not supported.")
    key = secrets.token_urlsafe(16)
    st.links[key] = (req.me, item["id"], fmt)
    return 302, None, {"location": f"{s.blobs.url}/download/{key}"}


@route("GET", _ITEM + r"/delta")
def _delta(s: MicrosoftStandIn, req: Request) -> Response:
    st = s.drive
    scope = _item(s, req, *_ref(req))
    kind = st.drives[scope["_drive"]]["driveType"]
    if kind != "personal" and scope["_parent"] is not None:
        raise _err(400, "invalidRequest", "Delta is only supported on the root of this drive.")
    base = f"{req.base_url}{req.path}"
    t = _untoken(req.args["token"]) if "token" in req.args else {"since": 0, "offset": 0}
    if t.get("scope", scope["id"]) != scope["id"]:
        raise _err(400, "invalidRequest", "The token is for another folder.")
    if t.get("fresh"):
        t = {"since": t["since"], "offset": t["offset"], "at": t["at"]}
    elif "at" not in t:
        if t["since"] and t["since"] < st.delta_floor:
            fresh = _token({"scope": scope["id"], "since": 0, "offset": 0, "at": st.seq})
            reply = _err(
                410,
                "resyncRequired",
                "Resync required. Replace any local items with the server's version (including "
                "deletes) if you're sure that the service was up to date with your local "
                "changes when you last sync'd. Upload any local changes that the server "
                "doesn't know about.",
                inner="resyncChangesApplyDifferences",
            )
            reply.headers["location"] = f"{base}?{urlencode({'token': fresh})}"
            raise reply
        t["at"] = st.seq
    since, at = t["since"], t["at"]
    inside = [
        i
        for i in st.items.values()
        if i["_drive"] == scope["_drive"]
        and (i is scope or scope["id"] in st.ancestors(i))
        and since < i["_seq"] <= at
    ]
    inside.sort(key=lambda i: i["_seq"])
    values = [st.wire(i, base=s.url, delta=True) for i in inside]
    if since:
        here = {i["id"] for i in inside}
        for iid, seq, drive, was_under, name in st.gone:
            if drive != scope["_drive"] or not since < seq <= at or scope["id"] not in was_under:
                continue
            now = st.items.get(iid)
            if now is not None and (scope["id"] in st.ancestors(now) or iid in here):
                continue  # moved within the folder: listed as it is now
            if kind != "personal" and now is not None:
                continue  # root delta: the item is still in the drive, listed where it is
            gone: dict[str, Any] = {
                "id": iid,
                "deleted": {"state": "deleted"},
                "parentReference": {"driveId": drive, "driveType": kind, "id": was_under[0]},
            }
            if kind == "personal":
                gone["name"] = name
            values.append(gone)
    fields = req.args.get("$select")
    values = [select(v, fields) for v in values]
    size = min(int(req.args.get("$top") or s.page_size), s.max_page)
    chunk = values[t["offset"] : t["offset"] + size]
    body: dict[str, Any] = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(driveItem)",
        "value": chunk,
    }
    keep = {"scope": scope["id"], "since": since, "at": at}
    if t["offset"] + size < len(values):
        nxt = {**keep, "offset": t["offset"] + size, "fresh": True}
        body["@odata.nextLink"] = f"{base}?{urlencode({'token': _token(nxt)})}"
    else:
        done = {"scope": scope["id"], "since": at, "offset": 0}
        body["@odata.deltaLink"] = f"{base}?{urlencode({'token': _token(done)})}"
    return 200, body, {}
