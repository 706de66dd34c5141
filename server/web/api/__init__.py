"""Tieline's public REST API over the hub's capabilities, as Starlette routes.

:func:`routes` gives the routes to mount under ``/api/v1``; the app that mounts them checks
the Host header and serves them. Two seams are injected: ``authorize``
(:class:`~.auth.Authorize`: who the bearer token stands for, and its scopes) and ``hooks``
(:class:`~.hooks.HookRegistry`: where REST hook subscriptions are kept and delivered from).
The OpenAPI document (``GET /api/v1/openapi.json``, authenticated like the rest) is made
from the same endpoint table the routes are (:mod:`.spec`).

Any other path under the mount is a 404 problem (401 without credentials). A path no route
of the app matches at all (one holding a newline, which no Starlette mount matches) is the
app's to answer: :func:`~.dispatch.not_found` answers it as a problem, installed with
``Starlette(exception_handlers={404: not_found})``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .auth import SCOPES, Authorize, Principal, TokenTable
from .hooks import Hook, HookRegistry, MemoryHooks

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from server.hub.hub import Hub

    from .spec import Endpoint

VERSION = "1.0.0"
PREFIX = "/api/v1"


def endpoints(handlers: Any) -> list[Endpoint]:
    """The API's operations (``handlers``: a :class:`~.handlers.Handlers`, or anything with
    its methods, to build the document alone)."""
    from . import models as m
    from .spec import Endpoint, Header

    h = handlers
    link = Header("Link", 'The next page, as <url>; rel="next" (absent on the last page)')
    inm = Header("If-None-Match", "An ETag from an earlier answer: 304 when unchanged")
    item_id = {
        "id": "The item's id, connector:host:label (github:github.com:octo/app#7), "
        "percent-encoded (# as %23; slashes may stay)"
    }
    return [
        Endpoint("GET", "/openapi.json", "getOpenApi", "This document", None, h.openapi,
                 tag="meta", etag=True, headers=(inm,)),
        Endpoint("GET", "/issues", "listIssues", "List mirrored issues", "issues:read",
                 h.list_issues, tag="issues", query=m.IssueQuery, response=m.IssuePage,
                 etag=True, headers=(link, inm),
                 links={"GetFirstIssue": ("getIssue", {"id": "$response.body#/items/0/id"})},
                 description="Issues from every tracker signed in to, as the last sync "
                 "mirrored them, newest change first."),
        Endpoint("POST", "/issues", "createIssue", "Create an issue", "issues:write",
                 h.create_issue, tag="issues", body=m.IssueCreate, status=201,
                 response=m.IssueDetail, errors=(404, 409, 429, 502, 503),
                 description="Created through the signed-in account of `connector` (on "
                 "`host`, when several) in `scope`; 409 not-connected when none is signed in."),
        Endpoint("GET", "/issues/{id}", "getIssue", "One mirrored issue", "issues:read",
                 h.get_issue, tag="issues", params=item_id, response=m.IssueDetail,
                 errors=(404,), etag=True, headers=(inm,), route_path="/issues/{id:path}"),
        Endpoint("GET", "/prs", "listPullRequests", "List mirrored pull requests", "prs:read",
                 h.list_pulls, tag="prs", query=m.IssueQuery, response=m.PullRequestPage,
                 etag=True, headers=(link, inm),
                 links={"GetFirstPull": ("getPullRequest", {"id": "$response.body#/items/0/id"})}),
        Endpoint("GET", "/prs/{id}", "getPullRequest", "One mirrored pull request", "prs:read",
                 h.get_pull, tag="prs", params=item_id, response=m.PullRequestDetail,
                 errors=(404,), etag=True, headers=(inm,), route_path="/prs/{id:path}"),
        Endpoint("GET", "/ci", "getCiStatus", "CI status of a branch", "ci:read",
                 h.ci_status, tag="ci", query=m.CIQuery, response=m.CIStatus, errors=(404,),
                 etag=True, headers=(inm,),
                 description="What every CI reports on `repo`@`branch`, of the branches the "
                 "hub watches (the workspace's checkouts); 404 when none reports on it."),
        Endpoint("GET", "/snippets", "listSnippets", "The newest snippets", "snippets:read",
                 h.list_snippets, tag="snippets", query=m.SnippetQuery,
                 response=m.SnippetList, etag=True, headers=(inm,)),
        Endpoint("POST", "/snippets", "createSnippet", "Save a snippet", "snippets:write",
                 h.create_snippet, tag="snippets", body=m.SnippetCreate, status=201,
                 response=m.Snippet,
                 links={"GetSnippet": ("getSnippet", {"id": "$response.body#/id"})},
                 description="Refused with 422 secret-found when the body looks like it "
                 "holds a secret (the findings say what and where, never the value)."),
        Endpoint("GET", "/snippets/search", "searchSnippets", "Search snippets",
                 "snippets:read", h.search_snippets, tag="snippets", query=m.SnippetSearch,
                 response=m.SnippetList, etag=True, headers=(inm,)),
        Endpoint("GET", "/snippets/{id}", "getSnippet", "One snippet", "snippets:read",
                 h.get_snippet, tag="snippets", params={"id": "The snippet's id"},
                 response=m.Snippet, errors=(404,), etag=True, headers=(inm,)),
        Endpoint("GET", "/calendar/agenda", "getAgenda", "The calendar agenda",
                 "calendar:read", h.agenda, tag="calendar", query=m.AgendaQuery,
                 response=m.Agenda, etag=True, headers=(inm,),
                 description="Events of every calendar signed in to overlapping "
                 "[start, end), each meeting once."),
        Endpoint("GET", "/events", "listEvents", "Recent events", "events:read", h.events,
                 tag="events", query=m.EventQuery, response=m.EventPage,
                 description="Events kept in memory (the newest thousand) with an id "
                 "above `since`, oldest first."),
        Endpoint("GET", "/events/stream", "streamEvents", "Follow events (SSE)", "events:read",
                 h.stream, tag="events", media="text/event-stream",
                 headers=(Header("Last-Event-ID", "Resume after this event id"),),
                 description="Server-Sent Events: each event as `id:`, `event:` (its kind) "
                 "and `data:` (an Event as JSON); a `: keep-alive` comment when quiet. "
                 "Reconnect with Last-Event-ID to get what was missed (from the in-memory "
                 "ring); when the ring no longer holds all of it, an `event: gap` frame "
                 "(data: {after, first}) comes first."),
        Endpoint("GET", "/hooks", "listHooks", "My REST hooks", "events:read", h.list_hooks,
                 tag="hooks", response=m.HookList),
        Endpoint("POST", "/hooks", "createHook", "Subscribe a REST hook", "events:read",
                 h.create_hook, tag="hooks", body=m.HookCreate, status=201,
                 response=m.HookOut,
                 links={"DeleteHook": ("deleteHook", {"id": "$response.body#/id"})},
                 description="Events of kind `event` (a glob) are POSTed to `target_url`; "
                 "a target answering 410 Gone is unsubscribed."),
        Endpoint("DELETE", "/hooks/{id}", "deleteHook", "Unsubscribe a REST hook",
                 "events:read", h.delete_hook, tag="hooks", params={"id": "The hook's id"},
                 status=204, errors=(404,)),
    ]  # fmt: skip


def routes(
    hub: Hub,
    *,
    authorize: Authorize,
    hooks: HookRegistry,
    ring_size: int | None = None,
    keepalive: float = 15.0,
) -> list[BaseRoute]:
    """The API's routes over ``hub``, to mount under :data:`PREFIX`.

    The event ring subscribes to ``hub.bus`` now: events published before this call are
    not in it."""
    from .dispatch import build_routes
    from .handlers import Handlers
    from .ring import DEFAULT_SIZE, EventRing
    from .spec import document

    ring = EventRing(ring_size or DEFAULT_SIZE)
    ring.attach(hub.bus)
    handlers = Handlers(hub, hooks, ring, keepalive=keepalive)
    table = endpoints(handlers)
    doc = document(table, version=VERSION)
    _installed(doc, hub)
    handlers.document = doc
    return build_routes(table, authorize)


def _installed(doc: dict[str, Any], hub: Hub) -> None:
    """Name this server's trackers in the document: ``connector`` of a new issue is one."""
    trackers = sorted(m.id for m in hub.registry.manifests() if "IssueTracker" in m.capabilities)
    field = doc["components"]["schemas"]["IssueCreate"]["properties"]["connector"]
    field["enum"] = trackers


def openapi_document() -> dict[str, Any]:
    """The document without a hub (for docs and tooling)."""
    from .spec import document

    class _Names:
        def __getattr__(self, name: str) -> Any:
            async def nothing(_call: Any) -> None:
                return None

            return nothing

    return document(endpoints(_Names()), version=VERSION)


__all__ = [
    "PREFIX",
    "SCOPES",
    "VERSION",
    "Authorize",
    "Hook",
    "HookRegistry",
    "MemoryHooks",
    "Principal",
    "TokenTable",
    "openapi_document",
    "routes",
]
