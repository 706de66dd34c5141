"""The OAuth provider's HTTP endpoints as Starlette routes: ``routes(provider)`` returns them
for any Starlette app to mount (``Starlette(routes=[*routes(provider), ...])``).

Endpoints (RFC 8414 metadata names them for clients):
``/.well-known/oauth-authorization-server``, ``/oauth/authorize`` (and the page that waits for
the person's decision, ``/oauth/authorize/wait``), ``/oauth/token``,
``/oauth/device_authorization``, ``/oauth/device`` (the verification page),
``/oauth/revoke``, ``/oauth/introspect``.

These handlers only translate: a Starlette request becomes the provider's framework-neutral
:class:`HttpRequest`, its :class:`HttpResponse` becomes a Starlette response. Every decision
is the provider's (:mod:`server.hub.oauth_provider`).

In the web face (:mod:`server.web.app`) every endpoint here is
:func:`~server.web.auth.self_authenticating`: OAuth clients prove themselves to these
endpoints (client credentials, PKCE, device codes), never with the local token.
:class:`OAuthBearer` is the authenticator that lets the provider's access tokens into the
rest of the face, with their scopes (``starlette.authentication.requires("issues:read")``).
"""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.hub.oauth_provider.adapter import Headers, HttpRequest, HttpResponse
from server.hub.oauth_provider.consent import consent_text
from server.hub.oauth_provider.provider import Waiting
from server.hub.oauth_provider.scopes import ALL_SCOPES
from server.hub.oauth_provider.tokens import ACCESS_PREFIX, normalise_user_code

from .auth import Principal, bearer_token, self_authenticating

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection

    from server.hub.oauth_provider.provider import OAuthProvider

#: The browser reloads the waiting page this often (seconds) until the person decided.
REFRESH_SECONDS = 2
_FORM = "application/x-www-form-urlencoded"


async def _neutral(request: Request) -> HttpRequest:
    """The provider's request. OAuth bodies are only ever ``x-www-form-urlencoded``
    (RFC 6749 §3.2), which the standard library parses; Starlette's ``request.form()`` would
    need python-multipart for nothing more."""
    form: list[tuple[str, str]] = []
    if request.method == "POST" and request.headers.get("content-type", "").startswith(_FORM):
        body = (await request.body()).decode("utf-8", errors="replace")
        form = parse_qsl(body, keep_blank_values=True)
    return HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=Headers(list(request.headers.items())),
        query=list(request.query_params.multi_items()),
        form=form,
    )


def _starlette(resp: HttpResponse) -> Response:
    return Response(content=resp.body, status_code=resp.status, headers=dict(resp.headers))


def _page(title: str, body: str, *, status: int = 200, refresh: str | None = None) -> Response:
    meta = (
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS};url={html.escape(refresh)}">'
        if refresh
        else ""
    )
    doc = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>{meta}</head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers={"Cache-Control": "no-store"})


def _waiting(request: Request, waiting: Waiting) -> Response:
    # A path, not an absolute URL: behind a tunnel that ends TLS (the web face sees plain
    # http and no forwarded scheme), an absolute one would send the browser to http://.
    wait = request.url_for("oauth_authorize_wait").include_query_params(request=waiting.request.id)
    again = f"{wait.path}?{wait.query}"
    text = html.escape(consent_text(waiting.request))
    return _page(
        "Waiting for your approval",
        "<p>Approve or deny this request in your editor, or at a terminal.</p>"
        f"<pre>{text}</pre><p>This page continues by itself.</p>",
        refresh=again,
    )


def _authorization(request: Request, outcome: HttpResponse | Waiting) -> Response:
    if isinstance(outcome, Waiting):
        return _waiting(request, outcome)
    return _starlette(outcome)


class OAuthBearer:
    """The web face's authenticator for the provider's access tokens: the client is the
    principal's subject, the token's scopes its scopes."""

    name = "oauth"

    def __init__(self, provider: OAuthProvider) -> None:
        self.provider = provider

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        token = bearer_token(conn)
        if token is None or not token.startswith(ACCESS_PREFIX):
            return None  # not ours (the local token, another scheme): the chain goes on
        who = await asyncio.to_thread(self.provider.principal, token)
        if who is None:
            return None
        return Principal(who.client_id, frozenset(who.scopes), via=self.name)


_CLIENTS = "OAuth: clients prove themselves (PKCE, client secret, device code)"
_PUBLIC = "OAuth: public by design (metadata, the pages a browser waits on)"


def routes(provider: OAuthProvider) -> list[BaseRoute]:
    """The provider's endpoints, for any Starlette app."""

    @self_authenticating(_PUBLIC)
    async def metadata(request: Request) -> Response:
        def url(name: str) -> str:
            return str(request.url_for(name))

        return JSONResponse(
            {
                "issuer": str(request.base_url).rstrip("/"),
                "authorization_endpoint": url("oauth_authorize"),
                "token_endpoint": url("oauth_token"),
                "device_authorization_endpoint": url("oauth_device_authorization"),
                "revocation_endpoint": url("oauth_revoke"),
                "introspection_endpoint": url("oauth_introspect"),
                "scopes_supported": list(ALL_SCOPES),
                "response_types_supported": ["code"],
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "urn:ietf:params:oauth:grant-type:device_code",
                ],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "none",
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "introspection_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            }
        )

    @self_authenticating(_PUBLIC)
    async def authorize(request: Request) -> Response:
        return _authorization(request, await provider.authorize(await _neutral(request)))

    @self_authenticating(_PUBLIC)
    async def authorize_wait(request: Request) -> Response:
        request_id = request.query_params.get("request", "")
        return _authorization(request, await provider.resume(request_id, await _neutral(request)))

    @self_authenticating(_CLIENTS)
    async def token(request: Request) -> Response:
        return _starlette(await provider.token(await _neutral(request)))

    @self_authenticating(_CLIENTS)
    async def revoke(request: Request) -> Response:
        return _starlette(await provider.revoke(await _neutral(request)))

    @self_authenticating(_CLIENTS)
    async def introspect(request: Request) -> Response:
        return _starlette(await provider.introspect(await _neutral(request)))

    @self_authenticating(_CLIENTS)
    async def device_authorization(request: Request) -> Response:
        verification = str(request.url_for("oauth_device"))
        return _starlette(
            await provider.device_authorization(await _neutral(request), verification)
        )

    @self_authenticating(_PUBLIC)
    async def device(request: Request) -> Response:
        code = request.query_params.get("user_code", "")
        intro = (
            "<p>An app on this computer asks to use Tieline. Approve it in your editor, or at a"
            " terminal with <code>tieline api approve CODE</code>, using the code the app"
            " shows.</p>"
        )
        if not code:
            return _page("Allow an app", intro)
        try:
            found = await provider.admin.request(normalise_user_code(code))
        except Exception:
            return _page(
                "Unknown code", intro + "<p>No request waits with that code.</p>", status=404
            )
        text = html.escape(consent_text(found))
        return _page("Allow an app", f"{intro}<pre>{text}</pre><p>Status: {found.status}</p>")

    return [
        Route("/.well-known/oauth-authorization-server", metadata, name="oauth_metadata"),
        Route("/oauth/authorize", authorize, methods=["GET"], name="oauth_authorize"),
        Route(
            "/oauth/authorize/wait", authorize_wait, methods=["GET"], name="oauth_authorize_wait"
        ),
        Route("/oauth/token", token, methods=["POST"], name="oauth_token"),
        Route("/oauth/revoke", revoke, methods=["POST"], name="oauth_revoke"),
        Route("/oauth/introspect", introspect, methods=["POST"], name="oauth_introspect"),
        Route(
            "/oauth/device_authorization",
            device_authorization,
            methods=["POST"],
            name="oauth_device_authorization",
        ),
        Route("/oauth/device", device, methods=["GET"], name="oauth_device"),
    ]
