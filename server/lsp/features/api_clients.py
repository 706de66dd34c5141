"""Tieline's own API from the editor: register, list and remove API clients, answer the
consent requests clients make, list and withdraw grants.

When a client asks for access (:mod:`server.hub.oauth_provider`), the provider publishes an
``api.consent_requested`` event on the hub's bus; here it becomes a
``window/showMessageRequest`` naming the client, where its answer goes and each scope, with
"Allow" and "Deny" -- in any LSP editor. ``tieline.api.approve`` asks about the requests
waiting (any process may have filed them) for editors that missed the message.

Commands (arguments in brackets):

- ``tieline.api.addClient [{"name", "kind": "public"|"confidential", "redirectUris": [...],
  "scopes": [...]}]`` -> ``{"clientId", "clientSecret"?}`` (the secret only this once)
- ``tieline.api.listClients`` -> ``{"clients": [...]}``
- ``tieline.api.removeClient [clientId]``
- ``tieline.api.approve [requestId?]`` -> ``{"id", "status"}`` or ``{"state": "none"}``
- ``tieline.api.listGrants`` -> ``{"grants": [...]}``
- ``tieline.api.revokeGrant [clientId]`` -> ``{"revokedTokens": n}``

Heavy modules (the provider, authlib) are imported inside the handlers, never at start-up.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..common import arg, choose, hub_or_fail, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer

if TYPE_CHECKING:
    from server.hub.events import Event
    from server.hub.hub import Hub
    from server.hub.oauth_provider.admin import ApiAdmin
    from server.hub.oauth_provider.storage import ConsentRequest

ADD = "tieline.api.addClient"
LIST = "tieline.api.listClients"
REMOVE = "tieline.api.removeClient"
APPROVE = "tieline.api.approve"
GRANTS = "tieline.api.listGrants"
REVOKE = "tieline.api.revokeGrant"
COMMANDS = (ADD, LIST, REMOVE, APPROVE, GRANTS, REVOKE)


def _admin(hub: Hub) -> ApiAdmin:
    from server.hub.oauth_provider.admin import ApiAdmin

    return ApiAdmin(hub.store.target, store=hub.store)


async def ask(ls: TielineServer, admin: ApiAdmin, request: ConsentRequest) -> str:
    """Ask the person about one request; the status it reached (``pending`` if dismissed)."""
    from server.hub.oauth_provider.consent import APPROVE as ALLOW
    from server.hub.oauth_provider.consent import DENY, consent_text
    from server.hub.oauth_provider.errors import ConsentAlreadyDecided, UnknownConsentRequest

    picked = await choose(ls, consent_text(request), [ALLOW, DENY])
    if picked is None:
        return "pending"
    try:
        decided = await admin.decide(request.id, approve=picked == ALLOW, by="editor")
    except (ConsentAlreadyDecided, UnknownConsentRequest) as exc:
        info(ls, str(exc))
        return "gone"
    return decided.status


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """Ask about every consent request the provider announces on the hub's bus."""
    from server.hub.oauth_provider.consent import EVENT

    async def asked(event: Event) -> None:
        admin = _admin(hub)
        try:
            request = await admin.request(event.subject)
        except Exception:
            return  # decided or expired before the editor got to it
        if request.status == "pending":
            await ask(ls, admin, request)

    def on_event(event: Event) -> None:
        task = asyncio.ensure_future(asked(event))
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

    hub.bus.subscribe(EVENT, on_event)


def _client_json(c: Any) -> dict[str, Any]:
    return {
        "clientId": c.client_id,
        "name": c.name,
        "kind": c.kind,
        "redirectUris": list(c.redirect_uris),
        "scopes": list(c.scopes),
    }


def _str_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FeatureError(code=INVALID_PARAMS, message=f"{name} must be a list of strings")
    return value


def setup(server: TielineServer) -> None:
    @server.command(ADD)
    @guarded(ADD)
    async def add_client(ls: TielineServer, *args: Any) -> dict[str, Any]:
        spec = arg(list(args), 0, dict, "client")
        name = spec.get("name")
        if not isinstance(name, str):
            raise FeatureError(code=INVALID_PARAMS, message="the client needs a name")
        hub = await hub_or_fail(ls)
        reg = await _admin(hub).add_client(
            name,
            kind=spec.get("kind", "public"),
            redirect_uris=_str_list(spec.get("redirectUris"), "redirectUris"),
            scopes=_str_list(spec.get("scopes"), "scopes"),
        )
        out = _client_json(reg.client)
        if reg.secret is not None:
            out["clientSecret"] = reg.secret
        return out

    @server.command(LIST)
    @guarded(LIST)
    async def list_clients(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        return {"clients": [_client_json(c) for c in await _admin(hub).list_clients()]}

    @server.command(REMOVE)
    @guarded(REMOVE)
    async def remove_client(ls: TielineServer, *args: Any) -> dict[str, Any]:
        client_id = arg(list(args), 0, str, "clientId")
        hub = await hub_or_fail(ls)
        gone = await _admin(hub).remove_client(client_id)
        return {"removed": gone.client_id}

    @server.command(APPROVE)
    @guarded(APPROVE)
    async def approve(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        admin = _admin(hub)
        if args:
            request = await admin.request(arg(list(args), 0, str, "requestId"))
        else:
            waiting = await admin.pending()
            if not waiting:
                info(ls, "No API client is waiting for your approval.")
                return {"state": "none"}
            if len(waiting) == 1:
                request = waiting[0]
            else:
                labels = {f"{r.client_name} ({r.id}): {r.scope}": r for r in waiting}
                picked = await choose(ls, "Answer which request?", list(labels))
                if picked is None:
                    return {"state": "cancelled"}
                request = labels[picked]
        return {"id": request.id, "status": await ask(ls, admin, request)}

    @server.command(GRANTS)
    @guarded(GRANTS)
    async def list_grants(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        return {
            "grants": [
                {
                    "clientId": g.client_id,
                    "name": g.client_name,
                    "scopes": list(g.scopes),
                    "grantedAt": g.granted_at,
                    "liveTokens": g.live_tokens,
                }
                for g in await _admin(hub).list_grants()
            ]
        }

    @server.command(REVOKE)
    @guarded(REVOKE)
    async def revoke_grant(ls: TielineServer, *args: Any) -> dict[str, Any]:
        client_id = arg(list(args), 0, str, "clientId")
        hub = await hub_or_fail(ls)
        return {"revokedTokens": await _admin(hub).revoke_grant(client_id)}
