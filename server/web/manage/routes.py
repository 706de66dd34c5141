"""The management pages' routes, under ``/manage/``.

::

    GET  /manage/login?ticket=T                 trade a one-time ticket for a session cookie
    POST /manage/logout
    GET  /manage/                               overview
    GET  /manage/webhooks                       endpoints, last delivery, the add form
    POST /manage/webhooks                       add (its secret shown once, on the next page)
    GET  /manage/webhooks/{id}                  one endpoint and its delivery log
    POST /manage/webhooks/{id}/test|rotate|enable|disable|delete|recover
    POST /manage/webhooks/messages/{id}/replay
    GET  /manage/api                            clients, waiting requests, grants
    POST /manage/api/clients                    register (a confidential client's secret once)
    POST /manage/api/clients/{id}/remove
    POST /manage/api/consents/{id}/approve|deny
    POST /manage/api/grants/{client_id}/revoke

Every page needs a session (:mod:`.sessions`): the local bearer token reaches these paths (it
reaches every route) but is told to log in, since a page without a session has no CSRF token
for its forms. Every POST checks the origin and the session's CSRF token before anything
else, then does one thing and redirects (303) to a page, which shows what happened: a new
secret travels in the session's one-time notices, so a reload shows it no more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.errors import TielineError
from connectors.sdk.redact import redact

from ..auth import self_authenticating
from ..guards import CSP_PAGE
from . import pages
from .sessions import (
    COOKIE,
    IDLE,
    PREFIX,
    CsrfRefused,
    Session,
    Sessions,
    check_csrf,
    check_same_origin,
)

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.oauth_provider.admin import ApiAdmin

_FORM = "application/x-www-form-urlencoded"
#: The largest form accepted (a template or a list of redirect URIs is small).
MAX_FORM = 64 * 1024
_HEADERS = {"Content-Security-Policy": CSP_PAGE, "Cache-Control": "no-store"}

Form = dict[str, list[str]]
Handler = Callable[[Request, Session], Awaitable[Response]]
Action = Callable[[Request, Session, Form], Awaitable[str]]


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def _refused(title: str, text: str, status: int) -> HTMLResponse:
    return _html(pages.render("refused", title=title, text=text), status)


def _page(request: Request, session: Session, name: str, title: str, **values: Any) -> Response:
    body = pages.render(
        name,
        title=title,
        csrf=session.csrf,
        notices=session.take_notices(),
        errors=session.take_errors(),
        **values,
    )
    return _html(body)


def _session(request: Request) -> Session | None:
    found = request.scope.get("tieline.manage")
    return found if isinstance(found, Session) else None


def _no_session() -> Response:
    return _refused(
        "Log in first",
        "These pages need a login link: run `tieline web manage`, or the editor's"
        " command Tieline: Manage Webhooks and API Clients, and open the link it gives.",
        403,
    )


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        session = _session(request)
        if session is None:
            return _no_session()
        return await handler(request, session)

    return endpoint


async def read_form(request: Request) -> Form:
    """A urlencoded form (what an HTML form posts); the standard library parses it."""
    if not request.headers.get("content-type", "").startswith(_FORM):
        raise CsrfRefused("a form post must be application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM:
        raise CsrfRefused("this form is larger than any of these pages sends")
    form: Form = {}
    for k, v in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form.setdefault(k, []).append(v)
    return form


def first(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0]


def action(run: Action, back: Callable[[Request], str]) -> Callable[[Request], Awaitable[Response]]:
    """A POST: same origin, the session's CSRF token, then ``run``, whose answer is where to
    go next; an error of the project's is shown on the ``back`` page, its words redacted."""

    async def endpoint(request: Request) -> Response:
        session = _session(request)
        if session is None:
            return _no_session()
        try:
            check_same_origin(request)
            form = await read_form(request)
            check_csrf(session, first(form, "csrf"))
        except CsrfRefused as exc:
            return _refused("Refused", exc.message, 403)
        try:
            where = await run(request, session, form)
        except TielineError as exc:
            session.errors.append(redact(exc.message))
            where = back(request)
        return RedirectResponse(where, status_code=303, headers=_HEADERS)

    return endpoint


def routes(hub: Hub, sessions: Sessions, admin: ApiAdmin | None = None) -> list[BaseRoute]:
    """The management routes over ``hub`` (its webhooks) and the API clients' database."""
    if admin is None:
        from server.hub.oauth_provider.admin import ApiAdmin

        admin = ApiAdmin(hub.store.target, store=hub.store)
    api: ApiAdmin = admin
    hooks = hub.webhooks

    # -- logging in and out -----------------------------------------------------------------

    @self_authenticating("manage: a one-time login ticket signed with the local token's key")
    async def login(request: Request) -> Response:
        ticket = request.query_params.get("ticket", "")
        session = await sessions.redeem(ticket) if ticket else None
        if session is None:
            return _refused(
                "This login link does not work",
                "It was used already, it expired, or it was never valid. Get a new one with"
                " `tieline web manage`.",
                401,
            )
        response = RedirectResponse(f"{PREFIX}/", status_code=303, headers=_HEADERS)
        response.set_cookie(
            COOKIE,
            session.id,
            max_age=int(IDLE),
            path=PREFIX,
            httponly=True,
            samesite="strict",
        )
        return response

    async def logout(request: Request) -> Response:
        session = _session(request)
        if session is None:
            return _no_session()
        try:
            check_same_origin(request)
            check_csrf(session, first(await read_form(request), "csrf"))
        except CsrfRefused as exc:
            return _refused("Refused", exc.message, 403)
        sessions.end(session.id)
        response = _refused("Logged out", "Close this page, or log in again with a new link.", 200)
        response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
        return response

    async def style(request: Request) -> Response:
        return Response(pages.STYLE, media_type="text/css")

    @page
    async def overview(request: Request, session: Session) -> Response:
        return _page(
            request,
            session,
            "overview",
            "Manage",
            endpoints=len(await hooks.endpoints()),
            clients=len(await api.list_clients()),
            pending=len(await api.pending()),
            grants=len(await api.list_grants()),
        )

    # -- webhooks ---------------------------------------------------------------------------

    @page
    async def webhooks(request: Request, session: Session) -> Response:
        rows = []
        for ep in await hooks.endpoints():
            latest = await hooks.log(ep.id, limit=1)
            last = latest[0].message if latest else None
            rows.append(
                {
                    "ep": ep,
                    "last": last,
                    "last_class": pages.state_class(last.state.value) if last else "",
                    "last_status": (
                        f"HTTP {last.last_status}" if last and last.last_status else ""
                    ),
                }
            )
        return _page(request, session, "webhooks", "Outgoing webhooks", rows=rows)

    async def add_webhook(request: Request, session: Session, form: Form) -> str:
        events = first(form, "events").split()
        template = first(form, "template").strip() or None
        created = await hooks.add(
            first(form, "url"),
            event_types=events or None,
            template=template,
            description=first(form, "description").strip(),
        )
        session.notice(
            f"Added {created.endpoint.id}. Its signing secret (verify deliveries with any"
            " Standard Webhooks library):",
            secret=created.secret,
        )
        return f"{PREFIX}/webhooks/{created.endpoint.id}"

    @page
    async def endpoint(request: Request, session: Session) -> Response:
        ep = await _endpoint_or_none(request)
        if ep is None:
            return _refused("No such endpoint", "It may have been deleted.", 404)
        log = await hooks.log(ep.id, limit=50)
        return _page(request, session, "endpoint", f"Endpoint {ep.id}", ep=ep, log=log)

    async def _endpoint_or_none(request: Request) -> Any:
        from server.hub.webhooks import UnknownEndpoint

        try:
            return await hooks.get(request.path_params["id"])
        except UnknownEndpoint:
            return None

    def _here(request: Request) -> str:
        return f"{PREFIX}/webhooks/{request.path_params['id']}"

    async def test_webhook(request: Request, session: Session, form: Form) -> str:
        mid = await hooks.send_test(request.path_params["id"])
        entry = await hooks.deliver_now(mid)
        last = entry.attempts[-1] if entry.attempts else None
        if last is None:
            session.notice(f"Test message {mid} was not sent: {entry.message.last_error or ''}")
        else:
            status = last.status if last.status is not None else "no answer"
            session.notice(f"Test message {mid}: {last.outcome.value} ({status})")
        return _here(request)

    async def rotate(request: Request, session: Session, form: Form) -> str:
        secret = await hooks.rotate_secret(request.path_params["id"])
        session.notice(
            "A new signing secret; the previous one also signs for 24 hours:", secret=secret
        )
        return _here(request)

    async def enable(request: Request, session: Session, form: Form) -> str:
        await hooks.enable(request.path_params["id"])
        session.notice("Enabled.")
        return _here(request)

    async def disable(request: Request, session: Session, form: Form) -> str:
        await hooks.disable(request.path_params["id"], "disabled on the management page")
        session.notice("Disabled: events are not sent to it (nor kept for it) until enabled.")
        return _here(request)

    async def delete(request: Request, session: Session, form: Form) -> str:
        await hooks.remove(request.path_params["id"])
        session.notice(f"Deleted {request.path_params['id']}, its log and its secrets.")
        return f"{PREFIX}/webhooks"

    async def recover(request: Request, session: Session, form: Form) -> str:
        from server.verbs.webhooks import parse_since

        since = parse_since(first(form, "since"))
        n = await hooks.recover(request.path_params["id"], since=since)
        session.notice(f"{n} failed message(s) queued to be sent again.")
        return _here(request)

    async def replay(request: Request, session: Session, form: Form) -> str:
        mid = request.path_params["id"]
        await hooks.replay(mid)
        entry = await hooks.deliver_now(mid)
        last = entry.attempts[-1] if entry.attempts else None
        words = f"{last.outcome.value} ({last.status})" if last else "not sent"
        session.notice(f"Replayed {mid}: {words}")
        return f"{PREFIX}/webhooks/{entry.message.endpoint_id}"

    # -- API clients ------------------------------------------------------------------------

    @page
    async def api_page(request: Request, session: Session) -> Response:
        from server.hub.oauth_provider import scopes

        return _page(
            request,
            session,
            "api",
            "API clients",
            clients=await api.list_clients(),
            pending=await api.pending(),
            grants=await api.list_grants(),
            all_scopes=scopes.ALL_SCOPES,
            describe=scopes.describe,
        )

    async def add_client(request: Request, session: Session, form: Form) -> str:
        confidential = first(form, "confidential") == "1"
        reg = await api.add_client(
            first(form, "name"),
            kind="confidential" if confidential else "public",
            redirect_uris=first(form, "redirect_uris").split(),
            scopes=form.get("scope", []),
        )
        if reg.secret is not None:
            session.notice(
                f"Registered {reg.client.name!r} as {reg.client.client_id}. Its client secret:",
                secret=reg.secret,
            )
        else:
            session.notice(f"Registered {reg.client.name!r} as {reg.client.client_id}.")
        return f"{PREFIX}/api"

    async def remove_client(request: Request, session: Session, form: Form) -> str:
        gone = await api.remove_client(request.path_params["id"])
        session.notice(f"Removed {gone.name!r}; its tokens no longer work.")
        return f"{PREFIX}/api"

    def decide(approve: bool) -> Action:
        async def run(request: Request, session: Session, form: Form) -> str:
            done = await api.decide(request.path_params["id"], approve=approve, by="manage page")
            session.notice(f"Request {done.id} of {done.client_name!r}: {done.status}.")
            return f"{PREFIX}/api"

        return run

    async def revoke(request: Request, session: Session, form: Form) -> str:
        n = await api.revoke_grant(request.path_params["id"])
        session.notice(f"Grant revoked; {n} live token(s) stopped working.")
        return f"{PREFIX}/api"

    def to_list(request: Request) -> str:
        return f"{PREFIX}/webhooks"

    def to_api(request: Request) -> str:
        return f"{PREFIX}/api"

    post = ["POST"]
    hook = f"{PREFIX}/webhooks/{{id}}"
    return [
        Route(f"{PREFIX}/login", login, methods=["GET"], name="manage_login"),
        Route(f"{PREFIX}/logout", logout, methods=post, name="manage_logout"),
        Route(f"{PREFIX}/style.css", style, methods=["GET"], name="manage_style"),
        Route(f"{PREFIX}/", overview, methods=["GET"], name="manage"),
        Route(f"{PREFIX}/webhooks", webhooks, methods=["GET"], name="manage_webhooks"),
        Route(f"{PREFIX}/webhooks", action(add_webhook, to_list), methods=post),
        Route(
            f"{PREFIX}/webhooks/messages/{{id}}/replay",
            action(replay, to_list),
            methods=post,
            name="manage_replay",
        ),
        Route(hook, endpoint, methods=["GET"], name="manage_endpoint"),
        Route(f"{hook}/test", action(test_webhook, _here), methods=post),
        Route(f"{hook}/rotate", action(rotate, _here), methods=post),
        Route(f"{hook}/enable", action(enable, _here), methods=post),
        Route(f"{hook}/disable", action(disable, _here), methods=post),
        Route(f"{hook}/delete", action(delete, _here), methods=post),
        Route(f"{hook}/recover", action(recover, _here), methods=post),
        Route(f"{PREFIX}/api", api_page, methods=["GET"], name="manage_api"),
        Route(f"{PREFIX}/api/clients", action(add_client, to_api), methods=post),
        Route(f"{PREFIX}/api/clients/{{id}}/remove", action(remove_client, to_api), methods=post),
        Route(f"{PREFIX}/api/consents/{{id}}/approve", action(decide(True), to_api), methods=post),
        Route(f"{PREFIX}/api/consents/{{id}}/deny", action(decide(False), to_api), methods=post),
        Route(f"{PREFIX}/api/grants/{{id}}/revoke", action(revoke, to_api), methods=post),
    ]
