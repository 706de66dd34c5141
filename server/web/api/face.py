"""The REST API as a part of the hub's web face (:mod:`server.web.parts`).

The face's authenticator chain (the local token, the OAuth provider's access tokens) has
already decided who is calling when a request reaches the API: :func:`face_principal` reads
that principal (``request.user``) as the API's :class:`~.auth.Principal`, the face's
every-scope ``*`` spelled out as the API's scopes. The API's routes are marked as
authenticating themselves, so the face's guard lets a request without credentials through
to them and the API answers it with its own RFC 6750 problem (401, ``WWW-Authenticate:
Bearer``) -- the one its OpenAPI document promises -- instead of the face's plain text.

REST hook subscriptions are the hub's durable outgoing webhooks
(:class:`~.durable_hooks.WebhookHooks`, given by :mod:`server.web.parts`); without one the
API keeps them in memory (:class:`~.hooks.MemoryHooks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.routing import Mount, Route

from .auth import SCOPES, Principal

if TYPE_CHECKING:
    from server.hub.hub import Hub

    from .hooks import HookRegistry

REASON = (
    "the REST API checks the face's principal and the operation's scope itself, answering "
    "401/403 as RFC 6750 problems"
)


def face_principal(request: Request, scope: str) -> Principal | None:
    """The web face's principal of this request as the API's, or ``None`` (no credentials,
    or none the chain vouched for)."""
    from server.web.auth import ALL_SCOPES
    from server.web.auth import Principal as FacePrincipal

    user = request.scope.get("user")
    if not isinstance(user, FacePrincipal) or not user.is_authenticated:
        return None
    scopes = frozenset(SCOPES) if ALL_SCOPES in user.scopes else frozenset(user.scopes)
    return Principal(user.identity, scopes)


def mount(hub: Hub, hooks: HookRegistry | None = None) -> Mount:
    """The API's routes under :data:`~server.web.api.PREFIX`, each marked as
    authenticating itself (through :func:`face_principal`)."""
    from server.web.auth import self_authenticating

    from . import PREFIX, routes
    from .hooks import MemoryHooks

    api = routes(hub, authorize=face_principal, hooks=hooks or MemoryHooks())
    for route in api:
        if isinstance(route, Route):
            self_authenticating(REASON)(route.endpoint)
    return Mount(PREFIX, routes=api)


__all__ = ["face_principal", "mount"]
