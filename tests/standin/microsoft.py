"""A local Microsoft Graph v1.0 stand-in (calendar, mail, presence, Teams chat, meetings), on
the stand-in kit.

Every request is checked against ``tests/contracts/microsoft/graph.json`` (Graph's own
OpenAPI description, cut to the operations Tieline calls; see its PROVENANCE) before it is
served, and every answer against the same description's response schemas, so a path,
parameter, ``$select`` field or body Graph does not take fails the test, and so does a body
the stand-in builds that Graph could not send.

Where each shape comes from:

- Paths: Graph's; bound actions and functions in the short form Graph's documentation uses
  (``/me/messages/{id}/reply``, ``/me/calendarView/delta``), validated as the namespaced
  paths the description writes (``.../microsoft.graph.reply``, ``microsoft.graph.delta()``).
- Paging (learn.microsoft.com/graph/paging): ``$top`` plus ``@odata.nextLink``, an absolute
  URL with ``$skip`` that the client follows as it is; delta queries
  (learn.microsoft.com/graph/delta-query-events) page with ``$skiptoken`` and end a round
  with ``@odata.deltaLink`` (``$deltatoken``), whose next call answers only what changed
  since, deleted events as ``{"id", "@removed": {"reason": "deleted"}}``; a token that has
  left Graph's cache is ``410 Gone`` (``SyncStateNotFound``: synchronise again). The first delta
  request must carry ``startDateTime`` and ``endDateTime``; later ones must not need them
  (the tokens encode them), which the description does not say, so the route enforces it.
- Mail: ``$filter`` and ``$orderby`` together follow Outlook's rule (a property sorted on
  must be filtered on first, else ``400 InefficientFilter``); ``$search`` takes neither
  ``$orderby`` nor ``$filter`` (learn.microsoft.com/graph/api/user-list-messages).
  ``reply``/``replyAll`` take ``comment`` or ``message``, answer 202.
- Presence (learn.microsoft.com/graph/api/resources/presence): what ``GET /me/presence``
  shows is the user's preferred presence while one is set and has not expired, else the
  presence of the newest session (``setPresence``; ``clearPresence`` ends one), else
  ``Offline``; a preference set without ``expirationDuration`` lasts a day (Busy,
  DoNotDisturb) or seven (the others), as
  learn.microsoft.com/graph/api/presence-setuserpreferredpresence says. Graph never says which
  of the two is shown, and neither does the stand-in. ``setStatusMessage`` is not in this
  description (it came to v1.0 later) and follows the documented shape.
- Personal (consumer) accounts: Graph's permission tables list presence, Teams chats and
  online meetings as not supported for them; the stand-in answers those calls ``403
  Forbidden`` with a message naming personal (MSA) accounts.
- A request the description does not allow is answered ``400 BadRequest``, as Graph does.
- Errors: ``{"error": {"code", "message", "innerError": {"date", "request-id",
  "client-request-id"}}}`` with Graph's codes (``InvalidAuthenticationToken``,
  ``ErrorItemNotFound``, ``Request_ResourceNotFound``, ``ErrorAccessDenied``,
  ``TooManyRequests``); throttling is ``429`` with ``Retry-After``
  (learn.microsoft.com/graph/throttling) and no budget headers.
- No ETags on these answers and ``Cache-Control: private, no-cache`` (Graph sends none that
  a client could revalidate collections with), so an unchanged calendar is cheap only by
  delta, as with the real service.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import itertools
import json
import math
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote, urlencode

from .graph_wire import _body, _token, _untoken, select, stamp
from .kit import OpenAPIContract, Quota, Reply, Request, Response, Router, StandIn
from .microsoft_drive import BlobHost, DriveState, contract_path, register
from .microsoft_onenote import NotesState, contract_body
from .microsoft_onenote import register as register_onenote

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(
    ROOT / "contracts" / "microsoft" / "graph.json", server_url="https://graph.microsoft.com"
)
V1 = "/v1.0"
#: Short action/function forms -> the description's namespaced spelling.
_NAMESPACED = (
    (re.compile(r"/(reply|replyAll)$"), r"/microsoft.graph.\1"),
    (re.compile(r"/calendarView/delta$"), "/calendarView/microsoft.graph.delta()"),
    (
        re.compile(
            r"/presence/(setPresence|clearPresence|setUserPreferredPresence"
            r"|clearUserPreferredPresence)$"
        ),
        r"/presence/microsoft.graph.\1",
    ),
    (re.compile(r"(/onenote/resources/[^/]+)/\$value$"), r"\1/content"),
    (
        re.compile(r"^/v1\.0/communications/getPresencesByUserId$"),
        f"{V1}/communications/microsoft.graph.getPresencesByUserId",
    ),
)
#: Documented operations the description does not have (see PROVENANCE).
UNDESCRIBED = {("POST", f"{V1}/me/presence/setStatusMessage")}
_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "Forbidden",
    404: "ErrorItemNotFound",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
}
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def iso(when: datetime) -> str:
    """Graph's ``dateTimeTimeZone.dateTime`` in UTC: seven fractional digits, no zone."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def parse_when(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def duration(text: str | None) -> timedelta | None:
    """An ISO 8601 duration of hours, minutes, seconds (what presence expirations use)."""
    if not text:
        return None
    m = _DURATION.match(text)
    if not m:
        raise Reply(400, _body("BadRequest", f"Invalid expirationDuration {text!r}"))
    h, mi, s = (int(g or 0) for g in m.groups())
    return timedelta(hours=h, minutes=mi, seconds=s)


@dataclasses.dataclass
class Presence:
    """One user's presence as Graph keeps it."""

    sessions: dict[str, tuple[str, str, datetime]] = dataclasses.field(default_factory=dict)
    preferred: tuple[str, str, datetime | None] | None = None
    status: dict[str, Any] | None = None  # statusMessage as Graph answers it

    def shown(self, now: datetime) -> tuple[str, str]:
        if self.preferred is not None:
            availability, activity, until = self.preferred
            if until is None or until > now:
                return availability, activity
            self.preferred = None
        live = [(t, a, act) for a, act, t in self.sessions.values() if t > now]
        if live:
            _, availability, activity = max(live)
            return availability, activity
        return "Offline", "Offline"


class GraphState:
    """Users, calendars and events, mail, presence, chats and teams of one tenant.

    ``seq`` counts changes: each event remembers the change that last touched it, so a delta
    token (the ``seq`` it was issued at) answers exactly what changed since."""

    def __init__(self) -> None:
        self.seq = 0
        self._ids = itertools.count(1)
        self.users: dict[str, dict[str, Any]] = {}
        self.calendars: dict[str, list[dict[str, Any]]] = {}  # user id -> calendars
        self.events: dict[str, dict[str, Any]] = {}  # id -> event (with private "_" keys)
        self.removed: dict[str, tuple[int, str, str]] = {}  # id -> (seq, calendar, user)
        self.messages: dict[str, dict[str, Any]] = {}
        self.replies: list[dict[str, Any]] = []
        self.presence: dict[str, Presence] = {}
        self.chats: dict[str, list[dict[str, Any]]] = {}  # user id -> chats
        self.teams: dict[str, list[dict[str, Any]]] = {}  # user id -> teams
        self.channels: dict[str, list[dict[str, Any]]] = {}  # team id -> channels
        self.posted: list[dict[str, Any]] = []  # chat/channel messages, with "_where"
        self.meetings: list[dict[str, Any]] = []
        self.personal: set[str] = set()  # user ids of personal (consumer) accounts
        #: Delta tokens issued before this ``seq`` are gone from Graph's token cache (410).
        self.delta_floor = 0

    def new_id(self, prefix: str = "AAMk") -> str:
        n = next(self._ids)
        return f"{prefix}AGI1{n:08d}AAA="

    def add_user(self, name: str, mail: str, *, personal: bool = False) -> dict[str, Any]:
        uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"graph-standin/{mail}"))
        user = {
            "id": uid,
            "displayName": name,
            "mail": mail,
            "userPrincipalName": mail,
            "givenName": name.split()[0],
            "surname": name.split()[-1],
        }
        self.users[uid] = user
        self.calendars[uid] = []
        self.presence[uid] = Presence()
        if personal:
            self.personal.add(uid)
        self.add_calendar(user, "Calendar", default=True)
        return user

    def user_by(self, key: str) -> dict[str, Any] | None:
        low = key.lower()
        return next(
            (
                u
                for u in self.users.values()
                if low in (u["id"].lower(), u["mail"].lower(), u["userPrincipalName"].lower())
            ),
            None,
        )

    def add_calendar(
        self, user: dict[str, Any], name: str, *, default: bool = False, can_edit: bool = True
    ) -> dict[str, Any]:
        cal = {
            "id": self.new_id("AAMkCal"),
            "name": name,
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": default,
            "canEdit": can_edit,
            "canShare": default,
            "canViewPrivateItems": True,
            "isRemovable": not default,
            "isTallyingResponses": True,
            "changeKey": "fJKVL07sbkmIfHqjbDnRgQAAAAAA",
            "owner": {"name": user["displayName"], "address": user["mail"]},
        }
        self.calendars[user["id"]].append(cal)
        return cal

    def default_calendar(self, user: dict[str, Any]) -> dict[str, Any]:
        return next(c for c in self.calendars[user["id"]] if c["isDefaultCalendar"])

    # -- events -----------------------------------------------------------------------------
    def add_event(
        self,
        user: dict[str, Any],
        subject: str,
        start: datetime,
        minutes: int = 30,
        *,
        calendar: dict[str, Any] | None = None,
        all_day: bool = False,
        show_as: str = "busy",
        categories: Sequence[str] = (),
        body: str = "",
        location: str = "",
        join_url: str | None = None,
        attendees: Sequence[dict[str, Any]] = (),
        organizer: dict[str, Any] | None = None,
        response: str = "organizer",
        cancelled: bool = False,
        series: str | None = None,
        zone: str = "UTC",
    ) -> dict[str, Any]:
        """An event (an occurrence of ``series`` when given, as calendarView expands them)."""
        cal = calendar or self.default_calendar(user)
        eid = self.new_id()
        end = start + (timedelta(days=1) if all_day else timedelta(minutes=minutes))
        org = organizer or user
        self.seq += 1
        event: dict[str, Any] = {
            "@odata.etag": f'W/"{eid[-12:]}"',
            "id": eid,
            "createdDateTime": stamp(start - timedelta(days=3)),
            "lastModifiedDateTime": stamp(start - timedelta(days=1)),
            "changeKey": f"ck{self.seq}",
            "categories": list(categories),
            "iCalUId": f"040000008200E00074C5B7101A82E008{eid[-12:]}",
            "subject": subject,
            "bodyPreview": html.unescape(re.sub(r"<[^>]+>", " ", body)).strip()[:255],
            "body": {"contentType": "html", "content": body},
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": all_day,
            "isCancelled": cancelled,
            "isOrganizer": org is user,
            "isOnlineMeeting": join_url is not None,
            "onlineMeetingProvider": "teamsForBusiness" if join_url else "unknown",
            "onlineMeeting": {"joinUrl": join_url} if join_url else None,
            "onlineMeetingUrl": None,
            "responseRequested": True,
            "seriesMasterId": series,
            "showAs": show_as,
            "type": "occurrence" if series else "singleInstance",
            "webLink": f"https://outlook.office365.com/owa/?itemid={eid}&exvsurl=1&path=/calendar/item",
            "originalStartTimeZone": zone,
            "originalEndTimeZone": zone,
            "originalStart": stamp(start) if series else None,
            "responseStatus": {"response": response, "time": "0001-01-01T00:00:00Z"},
            "start": {"dateTime": iso(start), "timeZone": "UTC"},
            "end": {"dateTime": iso(end), "timeZone": "UTC"},
            "location": {
                "displayName": location,
                "locationType": "default",
                "uniqueIdType": "unknown",
            },
            "locations": [],
            "attendees": list(attendees),
            "organizer": {"emailAddress": {"name": org["displayName"], "address": org["mail"]}},
            "_user": user["id"],
            "_calendar": cal["id"],
            "_seq": self.seq,
            "_start": start,
            "_end": end,
        }
        self.events[eid] = event
        return event

    def touch(self, event: dict[str, Any], **changes: Any) -> None:
        self.seq += 1
        event.update(changes)
        event["_seq"] = self.seq
        event["changeKey"] = f"ck{self.seq}"

    def delete_event(self, event: dict[str, Any]) -> None:
        self.seq += 1
        del self.events[event["id"]]
        self.removed[event["id"]] = (self.seq, event["_calendar"], event["_user"])

    def window(
        self, user: str, calendar: str, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        out = [
            e
            for e in self.events.values()
            if e["_user"] == user
            and e["_calendar"] == calendar
            and e["_start"] < end
            and e["_end"] > start
        ]
        return sorted(out, key=lambda e: (e["_start"], e["id"]))

    # -- mail -------------------------------------------------------------------------------
    def add_message(
        self,
        user: dict[str, Any],
        subject: str,
        *,
        sender: tuple[str, str] = ("Bob Builder", "bob@contoso.com"),
        received: datetime,
        body: str = "<p>Hello</p>",
        read: bool = False,
        flagged: bool = False,
        folder: str = "inbox",
        cc: Sequence[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        mid = self.new_id("AAMkMsg")
        who = {"emailAddress": {"name": sender[0], "address": sender[1]}}
        msg = {
            "@odata.etag": f'W/"{mid[-12:]}"',
            "id": mid,
            "createdDateTime": stamp(received),
            "lastModifiedDateTime": stamp(received),
            "changeKey": mid[-12:],
            "categories": [],
            "receivedDateTime": stamp(received),
            "sentDateTime": stamp(received - timedelta(seconds=5)),
            "hasAttachments": False,
            "internetMessageId": f"<{mid[-12:]}@contoso.com>",
            "subject": subject,
            "bodyPreview": html.unescape(re.sub(r"<[^>]+>", " ", body)).strip()[:255],
            "importance": "normal",
            "parentFolderId": folder,
            "conversationId": f"AAQk{mid[-12:]}",
            "isDeliveryReceiptRequested": False,
            "isReadReceiptRequested": False,
            "isRead": read,
            "isDraft": False,
            "webLink": f"https://outlook.office365.com/owa/?ItemID={mid}&exvsurl=1&viewmodel=ReadMessageItem",
            "inferenceClassification": "focused",
            "body": {"contentType": "html", "content": body},
            "sender": who,
            "from": who,
            "toRecipients": [
                {"emailAddress": {"name": user["displayName"], "address": user["mail"]}}
            ],
            "ccRecipients": [{"emailAddress": {"name": n, "address": a}} for n, a in cc],
            "bccRecipients": [],
            "replyTo": [],
            "flag": {"flagStatus": "flagged" if flagged else "notFlagged"},
            "_user": user["id"],
        }
        self.messages[mid] = msg
        return msg

    # -- teams ------------------------------------------------------------------------------
    def add_chat(
        self, user: dict[str, Any], topic: str | None, members: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        cid = f"19:{uuid.uuid4().hex}@thread.v2"
        chat = {
            "id": cid,
            "topic": topic,
            "createdDateTime": "2026-01-05T10:00:00Z",
            "lastUpdatedDateTime": "2026-11-30T10:00:00Z",
            "chatType": "group" if len(members) > 2 else "oneOnOne",
            "webUrl": f"https://teams.microsoft.com/l/chat/{cid}/0",
            "tenantId": "2a3b4c5d-0000-4000-8000-000000000001",
            "_members": [m["id"] for m in members],
        }
        for m in members:
            self.chats.setdefault(m["id"], []).append(chat)
        return chat

    def add_team(
        self, users: Sequence[dict[str, Any]], name: str, channels: Sequence[str]
    ) -> dict[str, Any]:
        tid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"graph-standin/team/{name}"))
        team = {"id": tid, "displayName": name, "description": name, "isArchived": False}
        for u in users:
            self.teams.setdefault(u["id"], []).append(team)
        self.channels[tid] = [
            {
                "id": f"19:{uuid.uuid5(uuid.NAMESPACE_URL, f'{tid}/{c}').hex}@thread.tacv2",
                "displayName": c,
                "description": None,
                "membershipType": "standard",
                "createdDateTime": "2026-01-05T10:00:00Z",
                "webUrl": f"https://teams.microsoft.com/l/channel/{c}?groupId={tid}",
            }
            for c in channels
        ]
        return team


routes: Router[MicrosoftStandIn] = Router()


class MicrosoftStandIn(StandIn):
    service = "Microsoft Graph"
    router = routes
    contract = CONTRACT
    budgets = {"requests": 10000}
    window = 600.0
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = GraphState()
        self.default_cache_control = "private, no-cache"
        self.page_size = 10
        #: Graph pages server-side too: fewer than ``$top`` items and a nextLink (a test
        #: lowers this to make any collection span pages).
        self.max_page = 1000
        #: OneDrive and SharePoint (tests/standin/microsoft_drive.py), downloads and upload
        #: sessions served by a second host.
        self.drive = DriveState()
        self.blobs = BlobHost(self)
        #: OneNote (tests/standin/microsoft_onenote.py).
        self.notes = NotesState()

    def start(self) -> Self:
        self.blobs.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.blobs.stop()
        with self.lock:
            self.violations.extend(v for v in self.blobs.violations if v not in self.violations)

    def grant(self, token: str, user: dict[str, Any]) -> None:
        self.tokens[token] = user["id"]

    # -- hooks --------------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        return Reply(status, _body(_CODES.get(status, "BadRequest"), message))

    def unauthorized(self, req: Request) -> Reply:
        if not req.headers.get("authorization"):
            return Reply(401, _body("InvalidAuthenticationToken", "Access token is empty."))
        return Reply(
            401,
            _body(
                "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
            ),
        )

    def not_found(self, req: Request) -> Reply:
        return Reply(
            400,
            _body(
                "BadRequest", f"Resource not found for the segment '{req.path.rsplit('/', 1)[-1]}'."
            ),
        )

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        """Graph answers a request it cannot take with 400 BadRequest."""
        return Reply(400, _body("BadRequest", "Invalid request: " + "; ".join(problems)))

    def rate_limited(self, quota: Quota) -> Reply:
        return Reply(
            429,
            _body("TooManyRequests", "Too many requests, please retry later."),
            {"retry-after": str(max(1, quota.retry_after()))},
        )

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return Reply(
            429,
            _body("TooManyRequests", "Too many requests, please retry later."),
            {"retry-after": str(max(1, math.ceil(seconds)))},
        )

    def check_contract(self, req: Request) -> list[str]:
        if (req.method, req.path) in UNDESCRIBED:
            return []
        path = contract_path(req.path)
        for rx, repl in _NAMESPACED:
            path = rx.sub(repl, path)
        body = req.body
        described = contract_body(req)
        if described is not None:  # an HTML page: checked as the page it describes
            req = dataclasses.replace(
                req, body=described, headers={**req.headers, "content-type": "application/json"}
            )
            body = described
        if body and req.headers.get("content-type", "").startswith("application/json"):
            with contextlib.suppress(ValueError):  # else the contract says what is wrong
                body = json.dumps(_typed(json.loads(body))).encode()
        return CONTRACT.check(dataclasses.replace(req, path=path, body=body))

    def _route(self, req: Request) -> Response:
        """Answers are checked too: each must fit the description's response schema."""
        req.path = unquote(req.path)  # ids are percent-encoded segments (= : @)
        status, payload, headers = super()._route(req)
        if (
            self.validate
            and isinstance(payload, (dict, list))
            and (req.method, req.path) not in UNDESCRIBED
        ):
            self._check_answer(req, status, payload)
        return status, payload, headers

    def _check_answer(self, req: Request, status: int, payload: Any) -> None:
        """The kit's answer check, on the namespaced path, with ``@odata.type`` filled in
        where Graph leaves it out (every entity schema requires it; see PROVENANCE)."""
        path = contract_path(req.path)
        for rx, repl in _NAMESPACED:
            path = rx.sub(repl, path)
        body = json.dumps(_typed(payload)).encode()
        ctype = {"content-type": "application/json"}
        problems = CONTRACT.answer_problems(
            dataclasses.replace(req, path=path), status, ctype, body
        )
        if problems:
            with self.lock:
                self.violations.extend(problems)

    # -- helpers ------------------------------------------------------------------------------
    def user(self, req: Request) -> dict[str, Any]:
        return self.state.users[req.me]

    def page(self, req: Request, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        """One ``$top``/``$skip`` page with ``@odata.nextLink`` to the next (server-driven:
        at most ``max_page`` items whatever ``$top`` asks)."""
        top = min(int(req.args.get("$top") or self.page_size), self.max_page)
        skip = int(req.args.get("$skip") or 0)
        chunk = items[skip : skip + top]
        body: dict[str, Any] = {
            "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#{req.path}",
            **extra,
        }
        fields = req.args.get("$select")
        if fields and req.args.get("$expand"):  # expanded relations come whatever $select says
            fields += "," + req.args["$expand"]
        body["value"] = [select(i, fields) for i in chunk]
        if skip + top < len(items):
            args = {**req.args, "$skip": str(skip + top)}
            body["@odata.nextLink"] = f"{req.base_url}{req.path}?{urlencode(args)}"
        return body

    def presence_of(self, uid: str) -> dict[str, Any]:
        if uid in self.state.personal:
            raise Reply(
                403,
                _body("Forbidden", "This API is not supported for MSA (personal) accounts."),
            )
        p = self.state.presence[uid]
        availability, activity = p.shown(datetime.now(UTC))
        return {
            "id": uid,
            "availability": availability,
            "activity": activity,
            "statusMessage": p.status,
        }


def _typed(node: Any) -> Any:
    """A body with ``@odata.type`` in every object that lacks one: the description requires
    it of every entity and complex value, and Graph does not (see PROVENANCE), so only
    what else the body says is judged."""
    if isinstance(node, dict):
        typed = {k: _typed(v) for k, v in node.items()}
        return (
            {"@odata.type": "#microsoft.graph.x", **typed} if "@odata.type" not in node else typed
        )
    if isinstance(node, list):
        return [_typed(v) for v in node]
    return node


def _personal(s: MicrosoftStandIn, req: Request, what: str) -> None:
    if req.me in s.state.personal:
        raise Reply(
            403, _body("Forbidden", f"{what} is not supported for personal Microsoft accounts.")
        )


# -- the user ---------------------------------------------------------------------------------
@routes.route("GET", rf"{V1}/me")
def _me(s: MicrosoftStandIn, req: Request) -> Response:
    body = select(s.user(req), req.args.get("$select"))
    return (
        200,
        {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", **body},
        {},
    )


@routes.route("GET", rf"{V1}/users/(?P<user>[^/]+)")
def _user(s: MicrosoftStandIn, req: Request) -> Response:
    found = s.state.user_by(req.path_args["user"])
    if found is None:
        raise Reply(
            404,
            _body(
                "Request_ResourceNotFound",
                f"Resource '{req.path_args['user']}' does not exist or one of its queried "
                "reference-property objects are not present.",
            ),
        )
    return 200, select(found, req.args.get("$select")), {}


# -- calendars --------------------------------------------------------------------------------
@routes.route("GET", rf"{V1}/me/calendars")
def _calendars(s: MicrosoftStandIn, req: Request) -> Response:
    return 200, s.page(req, s.state.calendars[req.me]), {}


def _window(req: Request) -> tuple[datetime, datetime]:
    try:
        return parse_when(req.args["startDateTime"]), parse_when(req.args["endDateTime"])
    except (KeyError, ValueError) as exc:
        raise Reply(
            400,
            _body(
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string parameters "
                "StartDateTime and EndDateTime.",
            ),
        ) from exc


@routes.route("GET", rf"{V1}/me/calendarView")
def _calendar_view(s: MicrosoftStandIn, req: Request) -> Response:
    start, end = _window(req)
    cal = s.state.default_calendar(s.user(req))
    return 200, s.page(req, s.state.window(req.me, cal["id"], start, end)), {}


@routes.route("GET", rf"{V1}/me/calendars/(?P<cal>[^/]+)/calendarView")
def _calendar_view_of(s: MicrosoftStandIn, req: Request) -> Response:
    start, end = _window(req)
    cal = req.path_args["cal"]
    if not any(c["id"] == cal for c in s.state.calendars[req.me]):
        raise Reply(
            404, _body("ErrorItemNotFound", "The specified object was not found in the store.")
        )
    return 200, s.page(req, s.state.window(req.me, cal, start, end)), {}


def _max_page(req: Request, default: int) -> int:
    m = re.search(r"odata\.maxpagesize=(\d+)", req.headers.get("prefer", ""))
    return int(m.group(1)) if m else default


@routes.route("GET", rf"{V1}/me/calendarView/delta")
def _delta(s: MicrosoftStandIn, req: Request) -> Response:
    """A delta round: the first call needs the window; ``$skiptoken`` pages; the last page
    carries ``@odata.deltaLink``, whose call answers what changed since it was issued."""
    st = s.state
    cal = st.default_calendar(s.user(req))["id"]
    if "$skiptoken" in req.args:
        t = _untoken(req.args["$skiptoken"])
    elif "$deltatoken" in req.args:
        t = {**_untoken(req.args["$deltatoken"]), "offset": 0}
        t["since"] = t["seq"]
        if t["seq"] < st.delta_floor:
            raise Reply(
                410,
                _body(
                    "SyncStateNotFound",
                    "The sync state generation is not found. The delta token is expired and "
                    "data must be synchronized again.",
                ),
            )
    else:
        start, end = _window(req)
        t = {"start": stamp(start), "end": stamp(end), "since": 0, "offset": 0}
    if t.get("user") not in (None, req.me):
        raise Reply(400, _body("BadRequest", "Invalid state token."))
    start, end = parse_when(t["start"]), parse_when(t["end"])
    changed: list[dict[str, Any]] = [
        select(e, None) for e in st.window(req.me, cal, start, end) if e["_seq"] > t["since"]
    ]
    if t["since"]:
        changed += [
            {"@odata.type": "#microsoft.graph.event", "id": eid, "@removed": {"reason": "deleted"}}
            for eid, (seq, c, u) in sorted(st.removed.items())
            if c == cal and u == req.me and t["since"] < seq
        ]
    size = _max_page(req, s.page_size)
    chunk = changed[t["offset"] : t["offset"] + size]
    body: dict[str, Any] = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)",
        "value": chunk,
    }
    base = f"{req.base_url}{req.path}"
    keep = {"start": t["start"], "end": t["end"], "user": req.me}
    if t["offset"] + size < len(changed):
        nxt = {**keep, "since": t["since"], "offset": t["offset"] + size}
        body["@odata.nextLink"] = f"{base}?{urlencode({'$skiptoken': _token(nxt)})}"
    else:
        body["@odata.deltaLink"] = (
            f"{base}?{urlencode({'$deltatoken': _token({**keep, 'seq': st.seq})})}"
        )
    return 200, body, {}


@routes.route("GET", rf"{V1}/me/events/(?P<id>[^/]+)")
def _event(s: MicrosoftStandIn, req: Request) -> Response:
    e = s.state.events.get(req.path_args["id"])
    if e is None or e["_user"] != req.me:
        raise Reply(
            404, _body("ErrorItemNotFound", "The specified object was not found in the store.")
        )
    return 200, select(e, req.args.get("$select")), {}


# -- mail -------------------------------------------------------------------------------------
_CLAUSE = re.compile(
    r"^(?P<prop>[A-Za-z/]+) (?P<op>eq|ne|ge|gt|le|lt) (?P<value>true|false|'[^']*'|[0-9TZ:.\-]+)$"
)


def _clauses(text: str) -> list[tuple[str, str, str]]:
    out = []
    for part in text.split(" and "):
        m = _CLAUSE.match(part.strip())
        if not m:
            raise Reply(400, _body("BadRequest", f"Invalid filter clause: {part!r}"))
        out.append((m["prop"], m["op"], m["value"].strip("'")))
    return out


def _get(msg: dict[str, Any], prop: str) -> Any:
    node: Any = msg
    for part in prop.split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _holds(msg: dict[str, Any], prop: str, op: str, value: str) -> bool:
    got = _get(msg, prop)
    want: Any = {"true": True, "false": False}.get(value, value)
    if op == "eq":
        return bool(got == want)
    if op == "ne":
        return bool(got != want)
    a, b = str(got), str(want)
    return {"ge": a >= b, "gt": a > b, "le": a <= b, "lt": a < b}[op]


def _haystack(m: dict[str, Any]) -> str:
    return f"{m['subject']} {m['bodyPreview']} {m['from']['emailAddress']['address']}".lower()


def _mail(s: MicrosoftStandIn, req: Request, folder: str | None) -> Response:
    items = [
        m
        for m in s.state.messages.values()
        if m["_user"] == req.me and (folder is None or m["parentFolderId"] == folder)
    ]
    filt, order, search = req.args.get("$filter"), req.args.get("$orderby"), req.args.get("$search")
    if search is not None:
        if filt:
            raise Reply(
                400,
                _body(
                    "BadRequest", "The query parameter '$filter' is not supported with '$search'."
                ),
            )
        if order:
            raise Reply(
                400,
                _body(
                    "BadRequest", "The query parameter '$orderBy' is not supported with '$search'."
                ),
            )
        words = search.strip('"').lower().split()
        items = [m for m in items if all(w in _haystack(m) for w in words)]
    clauses = _clauses(filt) if filt else []
    if order and clauses:
        sorted_props = [o.split()[0] for o in order.split(",")]
        filtered = [c[0] for c in clauses]
        if filtered[: len(sorted_props)] != sorted_props:
            raise Reply(
                400,
                _body(
                    "InefficientFilter",
                    "The restriction or sort order is too complex for this operation.",
                ),
            )
    items = [m for m in items if all(_holds(m, *c) for c in clauses)]
    # $search answers "sorted by the date and time the message was sent", newest first
    # (learn.microsoft.com/graph/search-query-parameter); the rest newest received first.
    items.sort(
        key=lambda m: m["receivedDateTime" if search is None else "sentDateTime"], reverse=True
    )
    return 200, s.page(req, items), {}


@routes.route("GET", rf"{V1}/me/mailFolders/(?P<folder>[^/]+)/messages")
def _folder_messages(s: MicrosoftStandIn, req: Request) -> Response:
    return _mail(s, req, req.path_args["folder"])


@routes.route("GET", rf"{V1}/me/messages")
def _messages(s: MicrosoftStandIn, req: Request) -> Response:
    return _mail(s, req, None)


def _message(s: MicrosoftStandIn, req: Request) -> dict[str, Any]:
    m = s.state.messages.get(req.path_args["id"])
    if m is None or m["_user"] != req.me:
        raise Reply(
            404, _body("ErrorItemNotFound", "The specified object was not found in the store.")
        )
    return m


@routes.route("GET", rf"{V1}/me/messages/(?P<id>[^/]+)")
def _get_message(s: MicrosoftStandIn, req: Request) -> Response:
    return 200, select(_message(s, req), req.args.get("$select")), {}


@routes.route("POST", rf"{V1}/me/messages/(?P<id>[^/]+)/(?P<how>reply|replyAll)")
def _reply(s: MicrosoftStandIn, req: Request) -> Response:
    m = _message(s, req)
    body = req.json if isinstance(req.json, dict) else {}
    if (
        body.get("comment")
        and isinstance(body.get("message"), dict)
        and body["message"].get("body")
    ):
        raise Reply(400, _body("ErrorInvalidArgument", "Cannot specify both comment and body."))
    s.state.replies.append({"to": m["id"], "all": req.path_args["how"] == "replyAll", **body})
    return 202, None, {}


# -- presence ---------------------------------------------------------------------------------
@routes.route("GET", rf"{V1}/me/presence")
def _my_presence(s: MicrosoftStandIn, req: Request) -> Response:
    return 200, s.presence_of(req.me), {}


def _action(req: Request) -> dict[str, Any]:
    body = req.json
    if not isinstance(body, dict):
        raise Reply(400, _body("BadRequest", "Empty Payload. JSON content expected."))
    return body


@routes.route("POST", rf"{V1}/me/presence/setPresence")
def _set_presence(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "Presence")
    b = _action(req)
    if not b.get("sessionId") or not b.get("availability") or not b.get("activity"):
        raise Reply(400, _body("BadRequest", "sessionId, availability and activity are required."))
    ttl = duration(b.get("expirationDuration")) or timedelta(minutes=5)
    if not timedelta(minutes=5) <= ttl <= timedelta(hours=4):
        raise Reply(400, _body("BadRequest", "expirationDuration must be between PT5M and PT4H."))
    p = s.state.presence[req.me]
    p.sessions[b["sessionId"]] = (b["availability"], b["activity"], datetime.now(UTC) + ttl)
    return 200, None, {}


@routes.route("POST", rf"{V1}/me/presence/clearPresence")
def _clear_presence(s: MicrosoftStandIn, req: Request) -> Response:
    """Ends this app's session (``sessionId``); with no other session the user is Offline."""
    _personal(s, req, "Presence")
    b = _action(req)
    if not b.get("sessionId"):
        raise Reply(400, _body("BadRequest", "sessionId is required."))
    s.state.presence[req.me].sessions.pop(b["sessionId"], None)
    return 204, None, {}


_PREFERRED = {
    ("Available", "Available"),
    ("Busy", "Busy"),
    ("DoNotDisturb", "DoNotDisturb"),
    ("BeRightBack", "BeRightBack"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
}


@routes.route("POST", rf"{V1}/me/presence/setUserPreferredPresence")
def _set_preferred(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "Presence")
    b = _action(req)
    pair = (b.get("availability"), b.get("activity"))
    if pair not in _PREFERRED:
        raise Reply(400, _body("BadRequest", f"Invalid availability/activity combination {pair}."))
    ttl = duration(b.get("expirationDuration"))
    if ttl is None:  # Graph's default: a day for Busy and DoNotDisturb, else seven
        ttl = timedelta(days=1 if pair[0] in ("Busy", "DoNotDisturb") else 7)
    s.state.presence[req.me].preferred = (str(pair[0]), str(pair[1]), datetime.now(UTC) + ttl)
    return 200, None, {}


@routes.route("POST", rf"{V1}/me/presence/clearUserPreferredPresence")
def _clear_preferred(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "Presence")
    s.state.presence[req.me].preferred = None
    return 200, None, {}


@routes.route("POST", rf"{V1}/me/presence/setStatusMessage")
def _set_status(s: MicrosoftStandIn, req: Request) -> Response:
    """Not in the description: the documented body is checked here instead."""
    _personal(s, req, "Presence")
    b = _action(req)
    sm = b.get("statusMessage")
    msg = sm.get("message") if isinstance(sm, dict) else None
    if (
        set(b) != {"statusMessage"}
        or not isinstance(msg, dict)
        or not isinstance(msg.get("content"), str)
    ):
        raise Reply(400, _body("BadRequest", "statusMessage.message.content is required."))
    if msg.get("contentType", "text") != "text":
        raise Reply(400, _body("BadRequest", "Only contentType 'text' is supported."))
    expiry = sm.get("expiryDateTime")
    if expiry is not None and (
        not isinstance(expiry, dict)
        or not {"dateTime", "timeZone"} <= set(expiry)
        or re.search(r"(Z|[+-]\d\d:\d\d)$", str(expiry["dateTime"]))
    ):
        raise Reply(
            400, _body("BadRequest", "expiryDateTime is a dateTimeTimeZone without an offset.")
        )
    p = s.state.presence[req.me]
    if msg["content"] == "":
        p.status = None
    else:
        p.status = {
            "message": {"content": msg["content"], "contentType": "text"},
            "expiryDateTime": expiry,
            "publishedDateTime": stamp(datetime.now(UTC)),
        }
    return 200, None, {}


@routes.route("POST", rf"{V1}/communications/getPresencesByUserId")
def _presences(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "Presence")
    ids = _action(req).get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > 650:
        raise Reply(400, _body("BadRequest", "ids must list 1 to 650 user ids."))
    value = []
    for uid in ids:
        if uid in s.state.presence and uid not in s.state.personal:
            p = s.presence_of(uid)
            if p["statusMessage"]:  # others see the message, not its expiry
                p["statusMessage"] = {"message": p["statusMessage"]["message"]}
            value.append(p)
    return 200, {"value": value}, {}


# -- teams ------------------------------------------------------------------------------------
@routes.route("GET", rf"{V1}/me/chats")
def _chats(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "Teams chat")
    chats = []
    for c in s.state.chats.get(req.me, []):
        item = dict(c)
        if "members" in (req.args.get("$expand") or ""):
            item["members"] = [
                {
                    "@odata.type": "#microsoft.graph.aadUserConversationMember",
                    "id": f"m-{uid}",
                    "displayName": s.state.users[uid]["displayName"],
                    "userId": uid,
                    "email": s.state.users[uid]["mail"],
                    "roles": ["owner"],
                }
                for uid in c["_members"]
            ]
        chats.append(item)
    return 200, s.page(req, chats), {}


@routes.route("GET", rf"{V1}/me/joinedTeams")
def _teams(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "Teams")
    return 200, s.page(req, s.state.teams.get(req.me, [])), {}


@routes.route("GET", rf"{V1}/me/joinedTeams/(?P<team>[^/]+)/channels")
def _channels(s: MicrosoftStandIn, req: Request) -> Response:
    team = req.path_args["team"]
    if not any(t["id"] == team for t in s.state.teams.get(req.me, [])):
        raise Reply(404, _body("NotFound", "No team found with Group Id " + team))
    return 200, s.page(req, s.state.channels.get(team, [])), {}


def _post(s: MicrosoftStandIn, req: Request, where: str, reply_to: str | None = None) -> Response:
    b = _action(req)
    body = b.get("body")
    if not isinstance(body, dict) or not body.get("content"):
        raise Reply(400, _body("BadRequest", "Message body cannot be empty."))
    user = s.user(req)
    mid = str(next(s.state._ids) + 1_700_000_000_000)
    msg = {
        "id": mid,
        "replyToId": reply_to,
        "messageType": "message",
        "createdDateTime": stamp(datetime.now(UTC)),
        "importance": "normal",
        "locale": "en-us",
        "webUrl": f"https://teams.microsoft.com/l/message/{where.split('/')[-1]}/{mid}",
        "from": {
            "user": {
                "id": user["id"],
                "displayName": user["displayName"],
                "userIdentityType": "aadUser",
            }
        },
        "body": {"contentType": body.get("contentType", "text"), "content": body["content"]},
        "attachments": [],
        "mentions": [],
        "reactions": [],
        "_where": where,
    }
    s.state.posted.append(msg)
    return 201, select(msg, None), {}


@routes.route("POST", rf"{V1}/chats/(?P<chat>[^/]+)/messages")
def _chat_message(s: MicrosoftStandIn, req: Request) -> Response:
    chat = req.path_args["chat"]
    if not any(c["id"] == chat for c in s.state.chats.get(req.me, [])):
        raise Reply(404, _body("NotFound", "Chat not found"))
    return _post(s, req, chat)


def _team_channel(s: MicrosoftStandIn, req: Request) -> str:
    team, channel = req.path_args["team"], req.path_args["channel"]
    if not any(t["id"] == team for t in s.state.teams.get(req.me, [])) or not any(
        c["id"] == channel for c in s.state.channels.get(team, [])
    ):
        raise Reply(404, _body("NotFound", "Channel not found"))
    return f"{team}/{channel}"


@routes.route("POST", rf"{V1}/teams/(?P<team>[^/]+)/channels/(?P<channel>[^/]+)/messages")
def _channel_message(s: MicrosoftStandIn, req: Request) -> Response:
    return _post(s, req, _team_channel(s, req))


@routes.route(
    "POST",
    rf"{V1}/teams/(?P<team>[^/]+)/channels/(?P<channel>[^/]+)/messages/(?P<msg>[^/]+)/replies",
)
def _channel_reply(s: MicrosoftStandIn, req: Request) -> Response:
    where = _team_channel(s, req)
    parent = req.path_args["msg"]
    if not any(m["id"] == parent and m["_where"] == where for m in s.state.posted):
        raise Reply(404, _body("NotFound", "Message not found"))
    return _post(s, req, where, parent)


# -- meetings ---------------------------------------------------------------------------------
@routes.route("POST", rf"{V1}/me/onlineMeetings")
def _meeting(s: MicrosoftStandIn, req: Request) -> Response:
    _personal(s, req, "onlineMeetings")
    b = _action(req)
    mid = f"MSo1N2Y5{next(s.state._ids):06d}"
    meeting = {
        "id": mid,
        "creationDateTime": stamp(datetime.now(UTC)),
        "startDateTime": b.get("startDateTime"),
        "endDateTime": b.get("endDateTime"),
        "subject": b.get("subject"),
        "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{mid}%40thread.v2/0",
        "videoTeleconferenceId": None,
    }
    s.state.meetings.append(meeting)
    return 201, meeting, {}


register(routes, V1)
register_onenote(routes, V1)
