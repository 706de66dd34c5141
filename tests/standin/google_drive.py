"""Drive API v3 for the Google stand-in: a drive's files, its change log, and the routes.

Requests are validated against ``drive.v3.json`` (with the discovery kit's upload rules) and
answers against its schemas by :class:`~tests.standin.google.GoogleStandIn`; this module holds
what the document does not say, built from Drive's guides:

- ``fields`` (guides/fields-parameter): answers hold only the fields asked for (``a,b(c,d)``,
  ``a/b``), and without ``fields`` only Drive's defaults (a file's ``kind,id,name,mimeType``),
  so a client that forgets to ask for ``version`` gets none, as from Drive; a name the
  method's response schema lacks is 400 ``Invalid field selection``.
- ``q`` (guides/search-files): the terms a sync uses, joined by ``and``: ``'<id>' in
  parents`` (or several, ``('a' in parents or 'b' in parents)``), ``name = '...'``,
  ``mimeType = | != '...'``, ``trashed = true|false``, values quoted with ``\\'``/``\\\\``
  escapes; anything else is 400, as Drive's ``Invalid Value``.
- Changes (guides/manage-changes): every write bumps the file's ``version`` and appends to the
  change log; ``changes.list`` from a token lists each file changed since once, at its latest
  change, ``removed`` for a file deleted for good, and ends with ``newStartPageToken``.
- Shared drives (guides/enable-shareddrives): a shared drive's files are 404 to a files
  call without ``supportsAllDrives=true``; ``files.list`` serves them with ``corpora=drive``,
  ``driveId`` and ``includeItemsFromAllDrives=true``, ``changes.list`` with ``driveId``; the
  account's own listing and changes leave them out.
- Downloads: ``alt=media`` of a Google Doc is 403 ``fileNotDownloadable``; ``files.export``
  of a binary file 403 ``fileNotExportable``, of a format the type lacks 400.
- Comments (guides/manage-comments): ``comments`` and ``replies`` methods have no default
  fields -- without ``fields`` Drive answers 400 -- and a reply with ``action: resolve`` or
  ``reopen`` closes or reopens its comment (``resolved``); a reply needs ``content`` unless
  it has an action.
- Uploads (guides/manage-uploads): multipart, media, and resumable sessions whose pieces must
  come in order, every piece but the last a multiple of 256 KiB; each is answered ``308``
  with ``Range: bytes=0-n`` until the last, answered with the file. ``short_pieces`` makes the
  stand-in keep 256 KiB less than it was sent of the next pieces, as Drive may;
  ``fail_pieces`` answers the next pieces 503, keeping nothing, and a status query
  (``bytes */total``) is answered 308 with what the session holds.
- Imports (guides/manage-uploads#import-docs): an upload whose metadata names a Google Docs
  type and whose media is of a type Drive converts to it (:data:`IMPORTS`) makes that type's
  document, with no bytes of its own; new media for an existing document (``files.update``)
  replaces its content the same way. The stand-in's conversion keeps the text: the Markdown
  (and plain-text) export is the uploaded text, the PDF a placeholder. Media Drive does not
  convert to the type is 400; new media for a Google type Drive imports nothing into (a form)
  likewise.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .kit import BadRequest, Request, Response, Router
from .kit.discovery import CONTENT_RANGE, related_parts
from .kit.paging import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from .google import GoogleStandIn

FOLDER = "application/vnd.google-apps.folder"
GOOGLE = "application/vnd.google-apps."
EXPORTS = {
    GOOGLE + "document": ("text/markdown", "application/pdf", "text/plain"),
    GOOGLE + "spreadsheet": ("text/csv", "application/pdf"),
    GOOGLE + "presentation": ("application/pdf",),
}
PIECE = 256 * 1024
ROOT = "0AAdaRootFolderUk9PVA"
DEFAULT_FILE = "kind,id,name,mimeType"
DEFAULTS = {
    "files.list": f"kind,incompleteSearch,nextPageToken,files({DEFAULT_FILE})",
    "changes.list": "kind,nextPageToken,newStartPageToken,"
    f"changes(kind,changeType,time,removed,fileId,file({DEFAULT_FILE}))",
}


# -- fields ----------------------------------------------------------------------------------
Fields = dict[str, "Fields | None"]


#: Media Drive converts into a Google Docs type: of the guide's "Import to Google Docs types"
#: table (Markdown among them since 2024), the text ones, which the stand-in can "convert".
IMPORTS = {
    GOOGLE + "document": ("text/markdown", "text/plain"),
}


def parse_fields(text: str) -> Fields:
    """``a,b(c,d),e/f`` as a tree (``e/f`` is ``e(f)``)."""
    pos = 0

    def group() -> Fields:
        nonlocal pos
        out: Fields = {}
        while pos < len(text):
            m = re.compile(r"\s*([A-Za-z0-9_*]+(?:/[A-Za-z0-9_*]+)*)\s*").match(text, pos)
            if m is None:
                raise BadRequest(f"Invalid field selection {text}")
            pos = m.end()
            names = m.group(1).split("/")
            sub: Fields | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = group()
                if pos >= len(text) or text[pos] != ")":
                    raise BadRequest(f"Invalid field selection {text}")
                pos += 1
            for name in reversed(names[1:]):
                sub = {name: sub}
            out[names[0]] = sub
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            break
        return out

    tree = group()
    if pos != len(text):
        raise BadRequest(f"Invalid field selection {text}")
    return tree


def project(value: Any, tree: Fields | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [project(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: project(value[k], sub) for k, sub in tree.items() if k in value}


def _fields(s: GoogleStandIn, req: Request, default: str | None = DEFAULT_FILE) -> Fields:
    """The ``fields`` asked for (``default`` when none; ``None``: required, as for comments
    and replies), each name checked against the method's response schema: Drive answers
    ``Invalid field selection`` for a name its resource lacks."""
    text = req.args.get("fields") or default
    if text is None:
        raise s.error(400, "The 'fields' parameter is required for this method.", reason="required")
    tree = parse_fields(text)
    owner = s.contract.owner(req.path)
    found = owner.find(req.method, req.path) if owner is not None else None
    if owner is not None and found is not None and found[0].response:
        schemas = owner.document["schemas"]
        bad = _unknown(schemas, schemas[found[0].response], tree)
        if bad:
            raise s.error(400, f"Invalid field selection {bad}", reason="invalidParameter")
    return tree


def _unknown(schemas: dict[str, Any], spec: dict[str, Any], tree: Fields) -> str | None:
    """The first name in ``tree`` the schema ``spec`` has no field for."""
    while "$ref" in spec or spec.get("type") == "array":
        spec = schemas[spec["$ref"]] if "$ref" in spec else spec.get("items", {})
    props = spec.get("properties", {})
    for name, sub in tree.items():
        if name == "*":
            continue
        if name not in props:
            if spec.get("additionalProperties") is not None or spec.get("type") == "any":
                continue
            return name
        if sub is not None:
            bad = _unknown(schemas, props[name], sub)
            if bad:
                return bad
    return None


# -- q ---------------------------------------------------------------------------------------
_STRING = r"'((?:[^'\\]|\\.)*)'"
_TERMS = [
    (re.compile(rf"^{_STRING}\s+in\s+parents$"), "parent"),
    (re.compile(rf"^name\s*=\s*{_STRING}$"), "name"),
    (re.compile(rf"^mimeType\s*=\s*{_STRING}$"), "mime"),
    (re.compile(rf"^mimeType\s*!=\s*{_STRING}$"), "not_mime"),
    (re.compile(r"^trashed\s*=\s*(true|false)$"), "trashed"),
]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _parent_term(raw: str) -> str:
    m = _TERMS[0][0].match(raw.strip())
    if m is None:
        raise BadRequest(f"Invalid Value: the stand-in serves only parents in an or: {raw!r}")
    return _unescape(m.group(1))


def _split(q: str, word: str = " and ") -> list[str]:
    """``q``'s terms: split at ``word`` outside quoted strings."""
    out: list[str] = []
    at = start = 0
    quoted = False
    while at < len(q):
        c = q[at]
        if quoted and c == "\\":
            at += 2
            continue
        if c == "'":
            quoted = not quoted
        elif not quoted and q.startswith(word, at):
            out.append(q[start:at])
            at = start = at + len(word)
            continue
        at += 1
    out.append(q[start:])
    return out


def parse_q(q: str) -> list[tuple[str, str]]:
    """The terms of a query, or 400 for one the stand-in (and a sync) does not use; a
    parenthesised ``or`` of parent terms is one term, ``parent_any``."""
    terms: list[tuple[str, str]] = []
    for raw in _split(q.strip()):
        raw = raw.strip()
        if raw.startswith("(") and raw.endswith(")"):
            ids = [_parent_term(t) for t in _split(raw[1:-1].strip(), " or ")]
            terms.append(("parent_any", "\x00".join(ids)))
            continue
        for pattern, kind in _TERMS:
            m = pattern.match(raw.strip())
            if m:
                terms.append((kind, _unescape(m.group(1))))
                break
        else:
            raise BadRequest(f"Invalid Value: the stand-in does not serve the query term {raw!r}")
    return terms


# -- state -----------------------------------------------------------------------------------
@dataclass
class Session:
    """A resumable upload under way."""

    file_id: str | None  # None: a new file
    meta: dict[str, Any]
    total: int | None
    data: bytearray = field(default_factory=bytearray)
    #: The media's type (``X-Upload-Content-Type``), which decides an import.
    media: str | None = None


class DriveState:
    """Ada's My Drive: files by id (each a full ``File``), their bytes, a change log."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.clock = 1_764_000_000
        self.files: dict[str, dict[str, Any]] = {}
        self.data: dict[str, bytes] = {}
        self.exports: dict[str, dict[str, bytes]] = {}
        self.log: list[tuple[int, str]] = []  # (change number, file id)
        self.removed: dict[str, str] = {}  # file id -> the drive it was on ("" My Drive)
        self.sessions: dict[str, Session] = {}
        self.short_pieces = 0
        #: The next pieces of resumable uploads answer 503 without keeping anything.
        self.fail_pieces = 0
        #: The most a page holds, whatever pageSize asks ("may return fewer"): tests page.
        self.page_max = 1000
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.files[ROOT] = self._resource(ROOT, "My Drive", FOLDER, parents=None)

    def _resource(
        self, fid: str, name: str, mime: str, *, parents: list[str] | None
    ) -> dict[str, Any]:
        f: dict[str, Any] = {
            "kind": "drive#file",
            "id": fid,
            "name": name,
            "mimeType": mime,
            "trashed": False,
            "version": "1",
            "modifiedTime": self._now(),
            "webViewLink": f"https://drive.google.com/file/d/{fid}/view",
        }
        if parents:
            f["parents"] = parents
        if mime == FOLDER:
            f["webViewLink"] = f"https://drive.google.com/drive/folders/{fid}"
        return f

    def _now(self) -> str:
        self.clock += 60
        return datetime.fromtimestamp(self.clock, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _changed(self, fid: str) -> None:
        self.log.append((len(self.log) + 1, fid))

    @property
    def token(self) -> str:
        """The start page token now: the number of the next change."""
        return str(len(self.log) + 1)

    # -- seeding and edits (also used by routes) --------------------------------------------
    def new_id(self) -> str:
        return f"1Ada{next(self.ids):04d}" + "x" * 24

    def add_shared_drive(self, name: str) -> dict[str, Any]:
        """A shared drive: its root folder's id is the drive's id."""
        did = "0AShared" + f"{next(self.ids):04d}" + "x" * 10
        f = self._resource(did, name, FOLDER, parents=None)
        f["driveId"] = did
        self.files[did] = f
        return f

    def add(
        self, name: str, parent: str = ROOT, *, mime: str = FOLDER, data: bytes | None = None
    ) -> dict[str, Any]:
        fid = self.new_id()
        f = self._resource(fid, name, mime, parents=[parent])
        if "driveId" in self.files[parent]:
            f["driveId"] = self.files[parent]["driveId"]
        self.files[fid] = f
        if data is not None:
            self._set_bytes(f, data)
        self._changed(fid)
        return f

    def add_doc(self, name: str, parent: str, exports: dict[str, bytes]) -> dict[str, Any]:
        f = self.add(name, parent, mime=GOOGLE + "document")
        self.exports[f["id"]] = exports
        return f

    def set_content(self, f: dict[str, Any], data: bytes) -> None:
        """New content for ``f``: its bytes, or for a Google Docs type the document
        converted from ``data`` (the caller checked :data:`IMPORTS`)."""
        if f["mimeType"] in IMPORTS:
            self.exports[f["id"]] = {
                "text/markdown": data,
                "text/plain": data,
                "application/pdf": b"%PDF-1.7 converted",
            }
        else:
            self._set_bytes(f, data)

    def _set_bytes(self, f: dict[str, Any], data: bytes) -> None:
        self.data[f["id"]] = data
        f["size"] = str(len(data))
        f["md5Checksum"] = hashlib.md5(data).hexdigest()
        f["sha256Checksum"] = hashlib.sha256(data).hexdigest()
        f["headRevisionId"] = f"r{f['version']}"

    def edit(self, fid: str, *, data: bytes | None = None, **meta: Any) -> dict[str, Any]:
        """Someone changes a file: new bytes and/or metadata, a new version, a change."""
        f = self.files[fid]
        if "addParents" in meta or "removeParents" in meta:
            parents = [p for p in f.get("parents", []) if p not in meta.pop("removeParents", [])]
            parents += [p for p in meta.pop("addParents", []) if p not in parents]
            f["parents"] = parents
        f.update(meta)
        f["version"] = str(int(f["version"]) + 1)
        f["modifiedTime"] = self._now()
        if data is not None:
            self._set_bytes(f, data)
        self._changed(fid)
        return f

    def remove(self, fid: str) -> None:
        """Deleted for good (and everything below a folder)."""
        for child in [c for c, f in self.files.items() if fid in f.get("parents", [])]:
            self.remove(child)
        gone = self.files.pop(fid, None) or {}
        self.data.pop(fid, None)
        self.removed[fid] = gone.get("driveId", "")
        self._changed(fid)

    def add_comment(
        self, fid: str, content: str, *, by: str, quoted: str | None = None, me: bool = False
    ) -> dict[str, Any]:
        now = self._now()
        c: dict[str, Any] = {
            "kind": "drive#comment",
            "id": f"AAAB{next(self.ids):04d}",
            "content": content,
            "htmlContent": content,
            "author": {
                "kind": "drive#user",
                "displayName": by.split("@")[0].title(),
                "emailAddress": by,
                "me": me,
            },
            "createdTime": now,
            "modifiedTime": now,
            "resolved": False,
            "deleted": False,
            "replies": [],
        }
        if quoted:
            c["quotedFileContent"] = {"mimeType": "text/plain", "value": quoted}
        self.comments.setdefault(fid, []).append(c)
        return c

    def path_of(self, fid: str) -> str:
        f = self.files[fid]
        parents = f.get("parents")
        if not parents:
            return ""
        up = self.path_of(parents[0])
        return f"{up}/{f['name']}" if up else f["name"]

    def find(self, path: str) -> dict[str, Any] | None:
        return next(
            (f for f in self.files.values() if not f["trashed"] and self.path_of(f["id"]) == path),
            None,
        )

    def matches(self, f: dict[str, Any], terms: list[tuple[str, str]]) -> bool:
        for kind, value in terms:
            if kind == "parent" and value not in f.get("parents", []):
                return False
            if kind == "parent_any" and not set(value.split("\x00")) & set(f.get("parents", [])):
                return False
            if kind == "name" and f["name"] != value:
                return False
            if kind == "mime" and f["mimeType"] != value:
                return False
            if kind == "not_mime" and f["mimeType"] == value:
                return False
            if kind == "trashed" and f["trashed"] != (value == "true"):
                return False
        return True


# -- routes ----------------------------------------------------------------------------------
def add_routes(routes: Router[GoogleStandIn]) -> None:
    """Register the Drive routes on the Google stand-in's router."""
    for method, pattern, fn in _ROUTES:
        routes.route(method, pattern)(fn)


def _file(s: GoogleStandIn, req: Request, key: str = "id") -> dict[str, Any]:
    """The file a path names; one on a shared drive only for a caller that says
    ``supportsAllDrives`` (files.export and comments take no such parameter and serve it)."""
    fid = unquote(req.path_args[key])
    fid = ROOT if fid == "root" else fid
    f = s.drive.files.get(fid)
    hidden = (
        f is not None
        and "driveId" in f
        and req.args.get("supportsAllDrives") != "true"
        and not req.path.endswith("/export")
        and "/comments" not in req.path
    )
    if f is None or hidden:
        raise s.error(404, f"File not found: {fid}.", reason="notFound")
    return f


def _list(s: GoogleStandIn, req: Request) -> Response:
    terms = parse_q(req.args.get("q", ""))
    a = req.args
    if a.get("corpora") == "drive":
        if not a.get("driveId") or a.get("includeItemsFromAllDrives") != "true":
            raise s.error(400, "corpora=drive needs driveId and includeItemsFromAllDrives=true")
        drive = a["driveId"]
    elif a.get("corpora", "user") == "user" and a.get("includeItemsFromAllDrives") != "true":
        drive = ""
    else:
        raise s.error(400, f"the stand-in serves corpora user and drive, not {a['corpora']}")
    found = [
        f
        for f in s.drive.files.values()
        if f["id"] != ROOT and f.get("driveId", "") == drive and s.drive.matches(f, terms)
    ]
    start = int(decode_cursor("files", req.args["pageToken"])) if req.args.get("pageToken") else 0
    size = min(int(req.args.get("pageSize") or 100), s.drive.page_max)
    body: dict[str, Any] = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": found[start : start + size],
    }
    if start + size < len(found):
        body["nextPageToken"] = encode_cursor("files", start + size)
    return 200, project(body, _fields(s, req, DEFAULTS["files.list"])), {}


def _get(s: GoogleStandIn, req: Request) -> Response:
    f = _file(s, req)
    if req.args.get("alt") == "media":
        if f["id"] not in s.drive.data:
            raise s.error(
                403,
                "Only files with binary content can be downloaded. Use Export with Docs Editors "
                "files.",
                reason="fileNotDownloadable",
            )
        return 200, s.drive.data[f["id"]], {"content-type": f["mimeType"]}
    return 200, project(f, _fields(s, req)), {}


def _export(s: GoogleStandIn, req: Request) -> Response:
    f = _file(s, req)
    formats = EXPORTS.get(f["mimeType"])
    if formats is None:
        raise s.error(403, "Export only supports Docs Editors files.", reason="fileNotExportable")
    wanted = req.args["mimeType"]
    if wanted not in formats:
        raise s.error(400, "The requested conversion is not supported.", reason="badRequest")
    data = s.drive.exports.get(f["id"], {}).get(wanted, b"")
    return 200, data, {"content-type": wanted}


def _parents_of(s: GoogleStandIn, meta: dict[str, Any]) -> list[str]:
    parents = meta.get("parents") or [ROOT]
    for p in parents:
        if p not in s.drive.files or s.drive.files[p]["mimeType"] != FOLDER:
            raise s.error(404, f"File not found: {p}.", reason="notFound")
    return list(parents)


def _convertible(s: GoogleStandIn, mime: str, media: str | None) -> None:
    """Refuse content Drive would not take for a file of ``mime``: media of another type
    for a Google type (only an import converts into one, and only from :data:`IMPORTS`)."""
    if not mime.startswith(GOOGLE) or mime == FOLDER:
        return
    if (media or "").split(";")[0].strip() not in IMPORTS.get(mime, ()):
        raise s.error(
            400, f"Conversion from {media} to {mime} is not supported.", reason="badRequest"
        )


def _create(
    s: GoogleStandIn, meta: dict[str, Any], data: bytes | None, media: str | None = None
) -> dict[str, Any]:
    bad = set(meta) - {"name", "mimeType", "parents", "description"}
    if bad:
        raise s.error(400, f"the stand-in does not set {sorted(bad)}", reason="badRequest")
    parents = _parents_of(s, meta)
    mime = meta.get("mimeType") or media or "application/octet-stream"
    if data is not None:
        _convertible(s, mime, media)
    if data is None or mime not in IMPORTS:
        return s.drive.add(meta.get("name") or "Untitled", parents[0], mime=mime, data=data)
    f = s.drive.add(meta.get("name") or "Untitled", parents[0], mime=mime)
    s.drive.set_content(f, data)
    return f


def _replace_content(
    s: GoogleStandIn, fid: str, data: bytes, media: str | None, **meta: Any
) -> dict[str, Any]:
    """``files.update`` with media: new bytes, or a document converted anew (same id)."""
    f = s.drive.files[fid]
    _convertible(s, f["mimeType"], media)
    if f["mimeType"] not in IMPORTS:
        return s.drive.edit(fid, data=data, **meta)
    s.drive.set_content(f, data)
    return s.drive.edit(fid, **meta)


def _create_route(s: GoogleStandIn, req: Request) -> Response:
    f = _create(s, req.json or {}, None)
    return 200, project(f, _fields(s, req)), {}


def _update(s: GoogleStandIn, req: Request, f: dict[str, Any], data: bytes | None) -> Response:
    meta = dict(req.json or {}) if data is None else {}
    bad = set(meta) - {"name", "trashed", "description"}
    if bad:
        raise s.error(
            403,
            f"The resource body includes fields which are not directly writable: {sorted(bad)}",
            reason="fieldNotWritable",
        )
    add = [p for p in req.args.get("addParents", "").split(",") if p]
    remove = [p for p in req.args.get("removeParents", "").split(",") if p]
    if add:
        _parents_of(s, {"parents": add})
    moves: dict[str, Any] = {"addParents": add, "removeParents": remove} if add or remove else {}
    f = s.drive.edit(f["id"], data=data, **meta, **moves)
    return 200, project(f, _fields(s, req)), {}


def _patch(s: GoogleStandIn, req: Request) -> Response:
    return _update(s, req, _file(s, req), None)


def _delete(s: GoogleStandIn, req: Request) -> Response:
    f = _file(s, req)
    s.drive.remove(f["id"])
    return 204, None, {}


def _multipart(req: Request) -> tuple[dict[str, Any], str, bytes]:
    """The metadata, the media's type and the media of a multipart upload."""
    (_, raw), (media, data) = related_parts(req.headers["content-type"], req.body)  # as checked
    return json.loads(raw), media, data


def _upload(s: GoogleStandIn, req: Request) -> Response:
    kind = req.args["uploadType"]
    target = _file(s, req) if "id" in req.path_args else None
    if kind == "resumable":
        upload_id = "ADPyc" + secrets.token_urlsafe(12)
        total = req.headers.get("x-upload-content-length")
        s.drive.sessions[upload_id] = Session(
            target["id"] if target else None,
            dict(req.json or {}),
            int(total) if total else None,
            media=req.headers.get("x-upload-content-type"),
        )
        session = f"{req.base_url}{req.path}?uploadType=resumable&upload_id={upload_id}"
        return 200, None, {"location": session, "x-guploader-uploadid": upload_id}
    if kind == "multipart":
        meta, media, data = _multipart(req)
    else:
        meta, media, data = {}, req.headers.get("content-type"), req.body
    if target is None:
        f = _create(s, meta, data, media)
        return 200, project(f, _fields(s, req)), {}
    named = {k: v for k, v in meta.items() if k == "name"}
    f = _replace_content(s, target["id"], data, media, **named)
    return 200, project(f, _fields(s, req)), {}


def _piece(s: GoogleStandIn, req: Request) -> Response:
    session = s.drive.sessions.get(req.args["upload_id"])
    if session is None:
        raise s.error(404, "No such upload session.", reason="notFound")
    m = CONTENT_RANGE.match(req.headers["content-range"])
    assert m is not None  # the contract checked it
    first, _, total = m.groups()
    have = len(session.data)
    if first is not None and s.drive.fail_pieces:
        s.drive.fail_pieces -= 1
        raise s.error(503, "Backend Error", reason="backendError")
    if first is not None:
        if int(first) != have:
            raise s.error(400, f"the piece starts at {first}, the session holds {have} bytes")
        final = total != "*" and int(first) + len(req.body) == int(total)
        if not final and len(req.body) % PIECE:
            raise s.error(400, "every piece but the last must be a multiple of 256 KiB")
        keep = req.body
        if s.drive.short_pieces and not final and len(req.body) > PIECE:
            s.drive.short_pieces -= 1
            keep = req.body[:-PIECE]
        session.data += keep
        if final and len(keep) == len(req.body):
            del s.drive.sessions[req.args["upload_id"]]
            data = bytes(session.data)
            if session.file_id is None:
                f = _create(s, session.meta, data, session.media)
            else:
                f = _replace_content(s, session.file_id, data, session.media)
            return 200, project(f, _fields(s, req)), {}
    held = len(session.data)
    return 308, None, ({"range": f"bytes=0-{held - 1}"} if held else {})


def _start(s: GoogleStandIn, req: Request) -> Response:
    return 200, {"kind": "drive#startPageToken", "startPageToken": s.drive.token}, {}


def _changes(s: GoogleStandIn, req: Request) -> Response:
    st = s.drive
    try:
        since = int(req.args["pageToken"])
    except ValueError:
        raise s.error(400, "Invalid Value", reason="invalid") from None
    if since < 1 or since > len(st.log) + 1:
        raise s.error(400, "Invalid Value", reason="invalid")
    latest: dict[str, int] = {}
    for n, fid in st.log[since - 1 :]:
        latest[fid] = n
    order = sorted(latest.items(), key=lambda x: x[1])
    include_removed = req.args.get("includeRemoved", "true") == "true"
    drive = req.args.get("driveId", "")
    if drive and req.args.get("includeItemsFromAllDrives") != "true":
        raise s.error(400, "driveId needs includeItemsFromAllDrives=true")
    entries: list[tuple[int, dict[str, Any]]] = []
    for fid, n in order:
        f = st.files.get(fid)
        on = f.get("driveId", "") if f is not None else st.removed.get(fid, "")
        if on != drive or (f is None and not include_removed):
            continue
        change: dict[str, Any] = {
            "kind": "drive#change",
            "changeType": "file",
            "time": f["modifiedTime"] if f else st._now(),
            "removed": f is None,
            "fileId": fid,
        }
        if f is not None:
            change["file"] = f
        entries.append((n, change))
    size = min(int(req.args.get("pageSize") or 100), s.drive.page_max)
    body: dict[str, Any] = {"kind": "drive#changeList", "changes": [c for _, c in entries[:size]]}
    if len(entries) > size:
        body["nextPageToken"] = str(entries[size][0])
    else:
        body["newStartPageToken"] = st.token
    return 200, project(body, _fields(s, req, DEFAULTS["changes.list"])), {}


def _comments(s: GoogleStandIn, req: Request) -> Response:
    f = _file(s, req)
    tree = _fields(s, req, None)
    found = [
        c
        for c in s.drive.comments.get(f["id"], [])
        if req.args.get("includeDeleted") == "true" or not c["deleted"]
    ]
    start = (
        int(decode_cursor("comments", req.args["pageToken"])) if req.args.get("pageToken") else 0
    )
    size = min(int(req.args.get("pageSize") or 20), 100, s.drive.page_max)
    body: dict[str, Any] = {"kind": "drive#commentList", "comments": found[start : start + size]}
    if start + size < len(found):
        body["nextPageToken"] = encode_cursor("comments", start + size)
    return 200, project(body, tree), {}


def _comment_create(s: GoogleStandIn, req: Request) -> Response:
    f = _file(s, req)
    tree = _fields(s, req, None)
    body = req.json or {}
    if not body.get("content"):
        raise s.error(400, "Required parameter: content", reason="required")
    quoted = (body.get("quotedFileContent") or {}).get("value")
    c = s.drive.add_comment(f["id"], body["content"], by=req.me, quoted=quoted, me=True)
    return 200, project(c, tree), {}


def _reply_create(s: GoogleStandIn, req: Request) -> Response:
    f = _file(s, req)
    tree = _fields(s, req, None)
    cid = unquote(req.path_args["cid"])
    c = next((c for c in s.drive.comments.get(f["id"], []) if c["id"] == cid), None)
    if c is None:
        raise s.error(404, f"Comment not found: {cid}.", reason="notFound")
    body = req.json or {}
    action = body.get("action")
    if action not in (None, "resolve", "reopen"):
        raise s.error(400, f"Invalid action: {action}", reason="invalid")
    if not body.get("content") and action is None:
        raise s.error(400, "Required parameter: content", reason="required")
    now = s.drive._now()
    r: dict[str, Any] = {
        "kind": "drive#reply",
        "id": f"AAAR{next(s.drive.ids):04d}",
        "content": body.get("content", ""),
        "author": {
            "kind": "drive#user",
            "displayName": req.me.split("@")[0].title(),
            "emailAddress": req.me,
            "me": True,
        },
        "createdTime": now,
        "modifiedTime": now,
        "deleted": False,
    }
    if action:
        r["action"] = action
        c["resolved"] = action == "resolve"
    c["replies"].append(r)
    c["modifiedTime"] = now
    return 200, project(r, tree), {}


_ID = r"(?P<id>[^/]+)"
_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", r"/drive/v3/changes/startPageToken", _start),
    ("GET", r"/drive/v3/changes", _changes),
    ("GET", r"/drive/v3/files", _list),
    ("POST", r"/drive/v3/files", _create_route),
    ("GET", rf"/drive/v3/files/{_ID}/export", _export),
    ("GET", rf"/drive/v3/files/{_ID}/comments", _comments),
    ("POST", rf"/drive/v3/files/{_ID}/comments", _comment_create),
    ("POST", rf"/drive/v3/files/{_ID}/comments/(?P<cid>[^/]+)/replies", _reply_create),
    ("GET", rf"/drive/v3/files/{_ID}", _get),
    ("PATCH", rf"/drive/v3/files/{_ID}", _patch),
    ("DELETE", rf"/drive/v3/files/{_ID}", _delete),
    ("POST", r"/upload/drive/v3/files", _upload),
    ("PATCH", rf"/upload/drive/v3/files/{_ID}", _upload),
    ("PUT", r"/upload/drive/v3/files", _piece),
    ("PUT", rf"/upload/drive/v3/files/{_ID}", _piece),
]
