"""HTTP routes of the embeddable widgets: cards as HTML, CI badges as SVG.

::

    GET /widgets/pr/{connector}/{scope...}/{key}        a pull (merge) request card
    GET /widgets/issue/{connector}/{scope...}/{key}     an issue card
    GET /widgets/ci/{connector}/{scope...}@{branch}.svg a branch's CI badge
    GET /widgets/ci/{connector}/{scope...}.svg?branch=  the same, the branch as a parameter
    GET /widgets/agenda[?day=YYYY-MM-DD]                today's (or that day's) events
    GET /widgets/presence                               people's presence as last seen

``key`` is a number (``7``: ``#7``, or ``!7`` for a merge request), a key with its sigil
written ``%237`` / ``!7``, or a project key (``PROJ-7``); ``?host=`` picks one host where a
connector has several. A badge takes ``?label=`` (default ``ci``); a card takes
``?theme=light|dark`` where the embedder knows its scheme better than
``prefers-color-scheme`` says (a webview under a dark editor theme).

Every answer is built from the mirror (:class:`~server.hub.widgets.WidgetSource`), carries a
strong ``ETag`` of its body and answers ``If-None-Match`` with 304, so a preview polling a
card costs a hash and no transfer. Cards are sent with a Content-Security-Policy that allows
nothing but their inline style sheet and ``data:`` images (no script could run even if one
slipped in); badges with ``image/svg+xml`` and a policy with no script either. What is not
mirrored is a 404 whose body (a card, or a grey "unknown" badge) says why.

Only the routes live here: the application around them (Host-header checks, auth) is
``server/web/app.py``'s, which mounts :func:`routes`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.hub.widgets import (
    BadAddress,
    BadgeState,
    WidgetError,
    WidgetSource,
    agenda_card,
    badge,
    ci_badge,
    issue_card,
    message_card,
    pr_card,
    presence_card,
)
from server.hub.widgets.markup import THEMES, Theme

HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"
CARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"
#: Who may embed a widget (a webview, a README preview of another origin) is the app's call,
#: made with its Host checks and auth, so no Cross-Origin-Resource-Policy is set here.
#: ``Cross-Origin-Resource-Policy: cross-origin``: a widget is meant to be shown from
#: another origin (an ``<img>`` in a README preview, which is a webview of its own); the
#: web face's default, ``same-origin``, would have the browser drop it. Only a signed
#: link (:mod:`.widget_links`) or the token reaches one, so this exposes nothing new.
_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


def etag_of(body: str) -> str:
    """A strong validator: the body's SHA-256 (128 bits of it), quoted."""
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    """``If-None-Match`` holds ``etag`` (RFC 9110's weak comparison, as GET uses) or ``*``."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def _answer(request: Request, body: str, media_type: str, *, status: int = 200) -> Response:
    csp = CARD_CSP if media_type == HTML else BADGE_CSP
    headers = {**_COMMON, "Content-Security-Policy": csp}
    if status != 200:
        headers["Cache-Control"] = "no-store"
        return Response(body, status_code=status, media_type=media_type, headers=headers)
    etag = etag_of(body)
    headers |= {"ETag": etag, "Cache-Control": "no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _theme(request: Request) -> Theme | None:
    value = request.query_params.get("theme")
    if value is None:
        return None
    for t in THEMES:
        if value == t:
            return t
    raise BadAddress(f"theme={value!r}: a card's theme is light or dark")


def _scope_and_key(rest: str) -> tuple[str, str]:
    scope, _, key = rest.strip("/").rpartition("/")
    if not scope or not key:
        raise BadAddress(
            "A card's address is /widgets/<kind>/<connector>/<scope>/<key>,"
            " e.g. /widgets/pr/github/octo/app/7"
        )
    return scope, key


Endpoint = Callable[[Request], Awaitable[Response]]


def routes(source: WidgetSource) -> list[BaseRoute]:
    """The widget routes, reading ``source``; mount them in the web app."""

    def card(render: Callable[[Request], Awaitable[str]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                body = await render(request)
            except WidgetError as exc:
                title = "Not mirrored" if exc.status == 404 else "Not a widget address"
                return _answer(request, message_card(title, exc.message), HTML, status=exc.status)
            return _answer(request, body, HTML)

        return endpoint

    async def pr(request: Request) -> str:
        scope, key = _scope_and_key(request.path_params["rest"])
        item = await source.pull_request(
            request.path_params["connector"], scope, key, host=request.query_params.get("host")
        )
        return pr_card(item, zone=source.zone, theme=_theme(request))

    async def issue(request: Request) -> str:
        scope, key = _scope_and_key(request.path_params["rest"])
        item = await source.issue(
            request.path_params["connector"], scope, key, host=request.query_params.get("host")
        )
        return issue_card(item, zone=source.zone, theme=_theme(request))

    async def agenda(request: Request) -> str:
        day, events = source.agenda(source.parse_day(request.query_params.get("day")))
        return agenda_card(events, day, zone=source.zone, theme=_theme(request))

    async def presence(request: Request) -> str:
        return presence_card(source.presence(), zone=source.zone, theme=_theme(request))

    async def ci(request: Request) -> Response:
        label = request.query_params.get("label") or "ci"
        rest: str = request.path_params["rest"]
        try:
            if not rest.endswith(".svg"):
                raise BadAddress("a badge's address ends in .svg")
            rest = rest.removesuffix(".svg").strip("/")
            branch = request.query_params.get("branch")
            if branch is None:
                rest, _, branch = rest.partition("@")
            got = await source.ci(request.path_params["connector"], rest, branch)
        except WidgetError as exc:
            status = "unknown" if exc.status == 404 else "bad address"
            svg = badge(label, status, BadgeState.UNKNOWN, title=f"{label}: {exc.message}")
            return _answer(request, svg, SVG, status=exc.status)
        return _answer(request, ci_badge(got.summary, label=label, where=f"{rest}@{branch}"), SVG)

    return [
        Route("/widgets/pr/{connector}/{rest:path}", card(pr), methods=["GET"]),
        Route("/widgets/issue/{connector}/{rest:path}", card(issue), methods=["GET"]),
        Route("/widgets/ci/{connector}/{rest:path}", ci, methods=["GET"]),
        Route("/widgets/agenda", card(agenda), methods=["GET"]),
        Route("/widgets/presence", card(presence), methods=["GET"]),
    ]


__all__ = ["BADGE_CSP", "CARD_CSP", "etag_of", "routes"]
