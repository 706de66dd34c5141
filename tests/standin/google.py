"""A local Google stand-in: Calendar API v3, Gmail API v1 and Drive API v3 (in
:mod:`.google_drive`) on one origin, on the stand-in kit.

Every request is checked against Google's own discovery documents
(``tests/contracts/google/calendar.v3.json``, ``gmail.v1.json``, ``drive.v3.json``; see
PROVENANCE) before it
is served, and every 2xx answer against the method's response schema, so neither the
connector nor this stand-in can use a path, parameter, body or field Google does not have.

Where each behaviour comes from:

- Auth: ``Authorization: Bearer <token>``; each token carries OAuth scopes, and a method is
  served only to a token holding one of the scopes its discovery entry lists (else 403
  ``insufficientPermissions`` / ``ACCESS_TOKEN_SCOPE_INSUFFICIENT``, Google's body for it).
  A missing or unknown token is 401 ``UNAUTHENTICATED`` with ``WWW-Authenticate: Bearer``.
- Errors: ``{"error": {"code", "message", "status", "errors": [{"message", "domain",
  "reason"}]}}`` (cloud.google.com/apis/design/errors; the Calendar and Gmail error guides).
- Calendar paging: ``maxResults`` + ``pageToken``/``nextPageToken``; the last page carries
  ``nextSyncToken``. ``syncToken`` answers what changed since (cancelled events as
  ``{"id", "status": "cancelled"}`` plus their instance fields), and is refused beside
  ``timeMin``, ``timeMax``, ``orderBy`` or ``q`` (400), as the events.list reference says; an
  expired token (``expire_sync_tokens``) is 410 ``fullSyncRequired``. Recurring events are
  stored as the instances ``singleEvents=true`` hands out (``recurringEventId``,
  ``originalStartTime``, ids ``<series>_<start>``).
- Gmail: ``messages.list`` filters by every ``labelIds`` and a small part of the search
  syntax (``is:unread``, ``is:starred``, ``from:``, ``label:``, words), newest first, paged
  by ``pageToken``; ``messages.get`` answers ``format=full`` with the MIME tree (base64url
  bodies) and ``metadata`` with only the ``metadataHeaders`` asked for; ``messages.send``
  parses the ``raw`` RFC 2822 message and files it in ``threadId``. Every change the state
  makes (:meth:`GoogleState.add_message`, :meth:`~GoogleState.relabel`,
  :meth:`~GoogleState.delete_message`) appends a record to the mailbox's history log and
  raises its ``historyId`` (``getProfile`` answers the current one); ``history.list`` answers
  the records after ``startHistoryId`` of the ``historyTypes`` asked (``labelId`` keeps those
  of messages carrying it), paged by ``pageToken``, and an id below the floor
  (:meth:`~GoogleState.expire_history`) is 404, as the reference says of an out-of-date one
  (developers.google.com/gmail/api/reference/rest/v1/users.history/list, guides/sync).
- Rate limits: Google sends no budget headers; a spent budget is 429 ``rateLimitExceeded``
  with Retry-After, the ``secondary`` fault 403 ``userRateLimitExceeded`` with Retry-After,
  and ``plan(...)`` queues any other answer (a 403 limit without Retry-After, a 5xx).
- Caching: ``Cache-Control: private, max-age=0, must-revalidate, no-transform`` and an ETag,
  as Google's API answers carry.
"""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .google_drive import DriveState, add_routes
from .kit import BadRequest, Quota, Reply, Request, Response, Router, StandIn
from .kit.discovery import DiscoveryContract, DiscoveryContracts
from .kit.paging import decode_cursor, encode_cursor

ROOT = Path(__file__).resolve().parents[1]
CALENDAR = DiscoveryContract(ROOT / "contracts" / "google" / "calendar.v3.json")
GMAIL = DiscoveryContract(ROOT / "contracts" / "google" / "gmail.v1.json")
DRIVE = DiscoveryContract(ROOT / "contracts" / "google" / "drive.v3.json")
CONTRACT = DiscoveryContracts([CALENDAR, GMAIL, DRIVE])
SCOPES = "https://www.googleapis.com/auth/"
ALL_SCOPES = (
    "openid",
    "email",
    SCOPES + "calendar.readonly",
    SCOPES + "gmail.readonly",
    SCOPES + "gmail.send",
    SCOPES + "drive",
)
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    410: "GONE",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
}
_REASONS = {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound", 410: "deleted"}

routes: Router[GoogleStandIn] = Router()
add_routes(routes)


def rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(value: dict[str, Any]) -> datetime:
    if "dateTime" in value:
        return datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
    return datetime.fromisoformat(value["date"]).replace(tzinfo=UTC)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


@dataclass
class Account:
    email: str
    scopes: tuple[str, ...]


class GoogleState:
    """Calendars, events (with a change counter per calendar), mail and labels of one
    account (the tests need one; every token maps to an account by address)."""

    def __init__(self) -> None:
        self.seq = itertools.count(1)
        self.calendars: list[dict[str, Any]] = []
        self.events: dict[str, dict[str, dict[str, Any]]] = {}
        self.changed: dict[str, dict[str, int]] = {}  # calendar -> event id -> change number
        self.sync_floor: dict[str, int] = {}  # tokens below this are expired (410)
        self.messages: dict[str, dict[str, Any]] = {}
        self.labels: list[dict[str, Any]] = [
            {"id": i, "name": i, "type": "system"}
            for i in ("INBOX", "UNREAD", "STARRED", "IMPORTANT", "SENT", "DRAFT", "SPAM", "TRASH")
        ]
        self.sent: list[email.message.EmailMessage] = []
        self.clock = 1_764_000_000
        #: The mailbox's history log: ``(id, type, message as the record names it)``.
        self.history: list[tuple[int, str, dict[str, Any]]] = []
        self.history_id = next(self.seq)
        self.history_floor = 0  # startHistoryId below this is out of date (404)

    # -- calendar --------------------------------------------------------------------------
    def add_calendar(
        self, cid: str, summary: str, *, primary: bool = False, selected: bool = True, **extra: Any
    ) -> dict[str, Any]:
        c = {
            "kind": "calendar#calendarListEntry",
            "etag": f'"{next(self.seq)}"',
            "id": cid,
            "summary": summary,
            "timeZone": "Europe/Berlin",
            "backgroundColor": "#9fe1e7",
            "accessRole": "owner",
            "selected": selected,
            **({"primary": True} if primary else {}),
            **extra,
        }
        self.calendars.append(c)
        self.events[cid] = {}
        self.changed[cid] = {}
        return c

    def add_event(
        self, cid: str, eid: str, summary: str, start: str, end: str, **extra: Any
    ) -> dict[str, Any]:
        """An event; ``start``/``end`` are RFC 3339 times, or dates for an all-day event."""

        def when(v: str) -> dict[str, str]:
            return {"date": v} if len(v) == 10 else {"dateTime": v, "timeZone": "Europe/Berlin"}

        e: dict[str, Any] = {
            "kind": "calendar#event",
            "id": eid,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
            "summary": summary,
            "start": when(start),
            "end": when(end),
            "iCalUID": f"{eid.split('_')[0]}@google.com",
            "eventType": "default",
            **extra,
        }
        self.events[cid][eid] = e
        self.touch(cid, eid)
        return e

    def add_instances(
        self, cid: str, series: str, summary: str, starts: list[str], minutes: int, **extra: Any
    ) -> list[dict[str, Any]]:
        """A recurring event as Google expands it: one instance per start (UTC times)."""
        out = []
        for s in starts:
            at = datetime.fromisoformat(s.replace("Z", "+00:00"))
            end = rfc3339(at.timestamp() + minutes * 60)
            iid = f"{series}_{at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
            out.append(
                self.add_event(
                    cid,
                    iid,
                    summary,
                    s,
                    end,
                    recurringEventId=series,
                    originalStartTime={"dateTime": s, "timeZone": "Europe/Berlin"},
                    **extra,
                )
            )
        return out

    def touch(self, cid: str, eid: str) -> None:
        self.changed[cid][eid] = next(self.seq)
        e = self.events[cid][eid]
        self.clock += 1
        e["updated"] = rfc3339(self.clock)
        e["etag"] = f'"{self.changed[cid][eid]}"'

    def update_event(self, cid: str, eid: str, **fields: Any) -> None:
        self.events[cid][eid].update(fields)
        self.touch(cid, eid)

    def cancel_event(self, cid: str, eid: str) -> None:
        self.update_event(cid, eid, status="cancelled")

    def expire_sync_tokens(self, cid: str) -> None:
        self.sync_floor[cid] = next(self.seq)

    # -- mail ------------------------------------------------------------------------------
    def add_label(self, lid: str, name: str) -> None:
        self.labels.append({"id": lid, "name": name, "type": "user"})

    def add_message(
        self,
        mid: str,
        *,
        sender: str,
        subject: str,
        text: str | None = "Hello",
        html: str | None = None,
        labels: tuple[str, ...] = ("INBOX", "UNREAD"),
        thread: str | None = None,
        to: str = "Ada Lovelace <ada@example.com>",
        cc: str | None = None,
        message_id: str | None = None,
        references: str | None = None,
        attachment: bool = False,
        charset: str = "utf-8",
    ) -> dict[str, Any]:
        """A message with a MIME tree: text and/or HTML (``multipart/alternative`` for both),
        inside ``multipart/mixed`` with an attachment when asked."""
        self.clock += 60
        headers = [
            {"name": "From", "value": sender},
            {"name": "To", "value": to},
            {"name": "Subject", "value": subject},
            {"name": "Date", "value": email.utils.formatdate(self.clock)},
            {"name": "Message-ID", "value": message_id or f"<{mid}@mail.example.com>"},
        ]
        if cc:
            headers.append({"name": "Cc", "value": cc})
        if references:
            headers.append({"name": "References", "value": references})

        def leaf(mime: str, body: str, part_id: str) -> dict[str, Any]:
            data = body.encode(charset)
            return {
                "partId": part_id,
                "mimeType": mime,
                "filename": "",
                "headers": [{"name": "Content-Type", "value": f"{mime}; charset={charset}"}],
                "body": {"size": len(data), "data": b64url(data)},
            }

        leaves = []
        if text is not None:
            leaves.append(leaf("text/plain", text, "0"))
        if html is not None:
            leaves.append(leaf("text/html", html, str(len(leaves))))
        body: dict[str, Any] = (
            leaves[0]
            if len(leaves) == 1
            else {
                "partId": "",
                "mimeType": "multipart/alternative",
                "filename": "",
                "parts": leaves,
            }
        )
        if attachment:
            body = {
                "partId": "",
                "mimeType": "multipart/mixed",
                "filename": "",
                "parts": [
                    {**body, "partId": "0"},
                    {
                        "partId": "1",
                        "mimeType": "application/pdf",
                        "filename": "plan.pdf",
                        "headers": [
                            {
                                "name": "Content-Disposition",
                                "value": 'attachment; filename="plan.pdf"',
                            }
                        ],
                        "body": {"size": 1234, "attachmentId": "ANGjdJ8"},
                    },
                ],
            }
        payload = {**body, "headers": [*headers, *body.get("headers", [])]}
        m = {
            "id": mid,
            "threadId": thread or mid,
            "labelIds": list(labels),
            "snippet": (text or html or "")[:100].replace("'", "&#39;"),
            "historyId": "0",
            "internalDate": str(self.clock * 1000),
            "sizeEstimate": 2048,
            "payload": payload,
        }
        self.messages[mid] = m
        self._record("messageAdded", m)
        return m

    def relabel(self, mid: str, *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> None:
        """``messages.modify`` as the owner's web client would: labels added and removed,
        one history record for each kind."""
        m = self.messages[mid]
        added = [lb for lb in add if lb not in m["labelIds"]]
        removed = [lb for lb in remove if lb in m["labelIds"]]
        m["labelIds"] = [lb for lb in m["labelIds"] if lb not in removed] + added
        if added:
            self._record("labelAdded", m, added)
        if removed:
            self._record("labelRemoved", m, removed)

    def delete_message(self, mid: str) -> None:
        """Deleted for good (not trashed): gone from every list, a ``messageDeleted``."""
        self._record("messageDeleted", self.messages.pop(mid))

    def expire_history(self) -> None:
        """History ids issued so far go out of date: ``history.list`` answers them 404."""
        self.history_floor = self.history_id + 1

    def _record(self, kind: str, m: dict[str, Any], labels: list[str] | None = None) -> None:
        self.history_id = next(self.seq)
        m["historyId"] = str(self.history_id)
        named: dict[str, Any] = {"id": m["id"], "threadId": m["threadId"]}
        if kind != "messageDeleted":
            named["labelIds"] = list(m["labelIds"])
        entry = {"message": named, **({"labelIds": labels} if labels is not None else {})}
        self.history.append((self.history_id, kind, entry))


class GoogleStandIn(StandIn):
    service = "Google"
    router = routes
    contract = CONTRACT
    budgets = {"requests": 10_000}

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = GoogleState()
        self.drive = DriveState()
        self.accounts: dict[str, Account] = {}
        self.default_cache_control = "private, max-age=0, must-revalidate, no-transform"
        self.planned: list[tuple[str, Reply]] = []

    def grant(self, token: str, address: str, scopes: tuple[str, ...] = ALL_SCOPES) -> None:
        self.tokens[token] = address
        self.accounts[token] = Account(address, scopes)

    def plan(self, reply: Reply, *, path: str = "") -> None:
        """Answer the next request whose path contains ``path`` with ``reply``."""
        with self.lock:
            self.planned.append((path, reply))

    # -- hooks -------------------------------------------------------------------------------
    def error(
        self, status: int, message: str, *, reason: str | None = None, domain: str = "global"
    ) -> Reply:
        return Reply(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [
                        {
                            "message": message,
                            "domain": domain,
                            "reason": reason or _REASONS.get(status, "backendError"),
                        }
                    ],
                    "status": STATUS_NAMES.get(status, "UNKNOWN"),
                }
            },
        )

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Not Found")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential.",
            reason="authError",
        ).with_headers({"www-authenticate": 'Bearer realm="https://accounts.google.com/"'})

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "Invalid request: " + "; ".join(problems), reason="invalid")

    def rate_limited(self, quota: Quota) -> Reply:
        return self.error(
            429, "Rate Limit Exceeded", reason="rateLimitExceeded", domain="usageLimits"
        ).with_headers({"retry-after": str(quota.retry_after())})

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        if secondary:
            return self.error(
                403,
                "User Rate Limit Exceeded",
                reason="userRateLimitExceeded",
                domain="usageLimits",
            ).with_headers({"retry-after": str(math.ceil(seconds))})
        return self.error(
            429, "Rate Limit Exceeded", reason="rateLimitExceeded", domain="usageLimits"
        ).with_headers({"retry-after": str(math.ceil(seconds))})

    def _route(self, req: Request) -> Response:
        for i, (path, reply) in enumerate(self.planned):
            if path in req.path:
                del self.planned[i]
                return reply.as_response()
        account = self.accounts.get(self._token(req))
        found = CONTRACT.owner(req.path)
        method = found.find(req.method, req.path) if found else None
        scopes = set(method[0].scopes) if method is not None else set()
        if account is not None and scopes and not scopes & set(account.scopes):
            assert method is not None
            return self._scope_refusal(method[0].id)
        status, payload, headers = super()._route(req)
        if self.validate:
            for problem in CONTRACT.answer_errors(req, status, payload):
                self.violations.append(f"stand-in answer broke the contract: {problem}")
        return status, payload, headers

    @staticmethod
    def _token(req: Request) -> str:
        return req.headers.get("authorization", "").partition(" ")[2].strip()

    def _scope_refusal(self, method_id: str) -> Response:
        r = self.error(
            403, "Request had insufficient authentication scopes.", reason="insufficientPermissions"
        )
        r.body["error"]["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"method": method_id, "service": method_id.split(".")[0]},
            }
        ]
        return r.as_response()


# -- paging --------------------------------------------------------------------------------------
def _page(
    items: list[Any], req: Request, *, default: int, maximum: int
) -> tuple[list[Any], str | None]:
    start = int(decode_cursor("page", req.args["pageToken"])) if req.args.get("pageToken") else 0
    size = min(max(int(req.args.get("maxResults") or default), 1), maximum)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, encode_cursor("page", start + size) if more else None


# -- Gmail ---------------------------------------------------------------------------------------
@routes.route("GET", r"/gmail/v1/users/me/profile")
def _profile(s: GoogleStandIn, req: Request) -> Response:
    return (
        200,
        {
            "emailAddress": req.me,
            "messagesTotal": len(s.state.messages),
            "threadsTotal": len({m["threadId"] for m in s.state.messages.values()}),
            "historyId": str(s.state.history_id),
        },
        {},
    )


_HISTORY_FIELDS = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


@routes.route("GET", r"/gmail/v1/users/me/history")
def _history(s: GoogleStandIn, req: Request) -> Response:
    st = s.state
    start = req.args.get("startHistoryId")
    if not start:
        raise s.error(400, "Missing required parameter: startHistoryId", reason="required")
    if int(start) < st.history_floor:
        raise s.error(404, "Requested entity was not found.", reason="notFound")
    kinds = {v for k, v in req.query if k == "historyTypes"} or set(_HISTORY_FIELDS)
    label = req.args.get("labelId")
    records = [
        {
            "id": str(n),
            "messages": [entry["message"]],
            _HISTORY_FIELDS[kind]: [entry],
        }
        for n, kind, entry in st.history
        if n > int(start)
        and kind in kinds
        and (label is None or label in entry["message"].get("labelIds", [label]))
    ]
    chunk, nxt = _page(records, req, default=100, maximum=500)
    body: dict[str, Any] = {"historyId": str(st.history_id)}
    if chunk:
        body["history"] = chunk
    if nxt:
        body["nextPageToken"] = nxt
    return 200, body, {}


@routes.route("GET", r"/gmail/v1/users/me/labels")
def _labels(s: GoogleStandIn, req: Request) -> Response:
    return 200, {"labels": s.state.labels}, {}


def _header(m: dict[str, Any], name: str) -> str:
    return next(
        (h["value"] for h in m["payload"].get("headers", []) if h["name"].lower() == name.lower()),
        "",
    )


def _matches(m: dict[str, Any], q: str, labels: dict[str, str]) -> bool:
    for term in q.split():
        key, sep, value = term.partition(":")
        if sep and key == "is":
            wanted = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}.get(value)
            if wanted is None:
                raise BadRequest(f"unsupported search term {term!r}")
            if wanted not in m["labelIds"]:
                return False
        elif sep and key == "from":
            if value.lower() not in _header(m, "From").lower():
                return False
        elif sep and key == "label":
            ids = {i for i, n in labels.items() if n.lower() == value.lower()} | {value.upper()}
            if not ids & set(m["labelIds"]):
                return False
        elif term.lower() not in (_header(m, "Subject") + " " + m["snippet"]).lower():
            return False
    return True


@routes.route("GET", r"/gmail/v1/users/me/messages")
def _messages(s: GoogleStandIn, req: Request) -> Response:
    wanted = [v for k, v in req.query if k == "labelIds"]
    names = {lb["id"]: lb["name"] for lb in s.state.labels}
    found = [
        m
        for m in sorted(s.state.messages.values(), key=lambda m: -int(m["internalDate"]))
        if all(lb in m["labelIds"] for lb in wanted) and _matches(m, req.args.get("q", ""), names)
    ]
    chunk, nxt = _page(found, req, default=100, maximum=500)
    body: dict[str, Any] = {"resultSizeEstimate": len(found)}
    if chunk:
        body["messages"] = [{"id": m["id"], "threadId": m["threadId"]} for m in chunk]
    if nxt:
        body["nextPageToken"] = nxt
    return 200, body, {}


@routes.route("GET", r"/gmail/v1/users/me/messages/(?P<id>[^/]+)")
def _message(s: GoogleStandIn, req: Request) -> Response:
    m = s.state.messages.get(unquote(req.path_args["id"]))
    if m is None:
        raise s.error(404, "Requested entity was not found.", reason="notFound")
    fmt = req.args.get("format", "full")
    if fmt == "full":
        return 200, m, {}
    if fmt != "metadata":
        raise s.error(400, f"format {fmt} is not served by this stand-in")
    asked = {v.lower() for k, v in req.query if k == "metadataHeaders"}
    headers = [h for h in m["payload"]["headers"] if not asked or h["name"].lower() in asked]
    payload = {
        "partId": "",
        "mimeType": m["payload"]["mimeType"],
        "filename": "",
        "headers": headers,
        "body": {"size": 0},
    }
    return 200, {**m, "payload": payload}, {}


@routes.route("POST", r"/gmail/v1/users/me/messages/send")
def _send(s: GoogleStandIn, req: Request) -> Response:
    body = req.json
    raw = body["raw"]
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError as exc:
        raise s.error(400, "Invalid value for ByteString") from exc
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not msg["To"]:
        raise s.error(400, "Invalid To header", reason="invalidArgument")
    thread = body.get("threadId")
    if thread and not any(m["threadId"] == thread for m in s.state.messages.values()):
        raise s.error(404, "Requested entity was not found.", reason="notFound")
    s.state.sent.append(msg)  # type: ignore[arg-type]
    mid = f"sent{len(s.state.sent)}"
    return 200, {"id": mid, "threadId": thread or mid, "labelIds": ["SENT"]}, {}


# -- Calendar ------------------------------------------------------------------------------------
@routes.route("GET", r"/calendar/v3/users/me/calendarList")
def _calendar_list(s: GoogleStandIn, req: Request) -> Response:
    chunk, nxt = _page(s.state.calendars, req, default=100, maximum=250)
    body: dict[str, Any] = {"kind": "calendar#calendarList", "etag": '"p1"', "items": chunk}
    if nxt:
        body["nextPageToken"] = nxt
    else:
        body["nextSyncToken"] = encode_cursor("calsync", next(s.state.seq))
    return 200, body, {}


def _calendar(s: GoogleStandIn, req: Request) -> str:
    cid = unquote(req.path_args["cid"])
    if cid == "primary":
        cid = next((c["id"] for c in s.state.calendars if c.get("primary")), cid)
    if cid not in s.state.events:
        raise s.error(404, "Not Found", reason="notFound")
    return cid


def _cancelled(e: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime", "updated")
    return {k: e[k] for k in keep if k in e}


@routes.route("GET", r"/calendar/v3/calendars/(?P<cid>[^/]+)/events")
def _events(s: GoogleStandIn, req: Request) -> Response:
    cid = _calendar(s, req)
    a = req.args
    st = s.state
    if a.get("singleEvents") != "true":
        raise s.error(400, "this stand-in serves expanded instances only (singleEvents=true)")
    if a.get("syncToken"):
        bad = [p for p in ("timeMin", "timeMax", "orderBy", "q", "updatedMin") if p in a]
        if bad:
            raise s.error(
                400, f"The syncToken cannot be combined with {', '.join(bad)}", reason="invalid"
            )
        since = int(decode_cursor("sync", a["syncToken"]))
        if since < st.sync_floor.get(cid, 0):
            raise s.error(
                410,
                "Sync token is no longer valid, a full sync is required.",
                reason="fullSyncRequired",
            )
        ids = [i for i, n in sorted(st.changed[cid].items(), key=lambda x: x[1]) if n > since]
        items = [
            _cancelled(st.events[cid][i])
            if st.events[cid][i]["status"] == "cancelled"
            else st.events[cid][i]
            for i in ids
        ]
    else:
        if a.get("orderBy") == "startTime" and a.get("singleEvents") != "true":
            raise s.error(400, "orderBy=startTime needs singleEvents=true")
        lo = datetime.fromisoformat(a["timeMin"].replace("Z", "+00:00")) if "timeMin" in a else None
        hi = datetime.fromisoformat(a["timeMax"].replace("Z", "+00:00")) if "timeMax" in a else None
        items = [
            e
            for e in st.events[cid].values()
            if e["status"] != "cancelled"
            and (lo is None or _when(e["end"]) > lo)
            and (hi is None or _when(e["start"]) < hi)
        ]
        if a.get("orderBy") == "startTime":
            items.sort(key=lambda e: _when(e["start"]))
    chunk, nxt = _page(items, req, default=250, maximum=2500)
    body: dict[str, Any] = {
        "kind": "calendar#events",
        "etag": f'"{max(st.changed[cid].values(), default=0)}"',
        "summary": next(c["summary"] for c in st.calendars if c["id"] == cid),
        "timeZone": "Europe/Berlin",
        "accessRole": "owner",
        "items": chunk,
    }
    if nxt:
        body["nextPageToken"] = nxt
    else:
        body["nextSyncToken"] = encode_cursor("sync", max(st.changed[cid].values(), default=0))
    return 200, body, {}


@routes.route("GET", r"/calendar/v3/calendars/(?P<cid>[^/]+)/events/(?P<eid>[^/]+)")
def _event(s: GoogleStandIn, req: Request) -> Response:
    cid = _calendar(s, req)
    e = s.state.events[cid].get(unquote(req.path_args["eid"]))
    if e is None:
        raise s.error(404, "Not Found", reason="notFound")
    return 200, e, {}
