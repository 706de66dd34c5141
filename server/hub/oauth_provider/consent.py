"""Asking the person: what a consent request says, and who is told about it.

The provider does not draw a consent page of its own. A request waits in the store until the
person decides -- in the editor (the hub's bus carries an :data:`EVENT` that the LSP turns
into a ``window/showMessageRequest``, like the hub's other consents in
:mod:`server.hub.consent_gate`) or at a terminal (``tieline api approve <id>``); the browser
that started an authorization shows the same text and waits. Approving records the grant in
the hub's ``grants`` table (:mod:`server.hub.grants`), where ``tieline api grants`` lists and
revokes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import scopes as scope_names

if TYPE_CHECKING:
    from .storage import ConsentRequest

#: The bus event a new consent request publishes (payload: id, client, redirect, scopes).
EVENT = "api.consent_requested"
#: The ``grants`` table's connector column for grants to API clients.
GRANT_CONNECTOR = "tieline-api"
APPROVE = "Allow"
DENY = "Deny"


def consent_text(request: ConsentRequest) -> str:
    """The question, with everything the person needs to judge it."""
    lines = [f'"{request.client_name}" asks to use Tieline on your behalf.']
    if request.kind == "device":
        lines.append(f"Code shown by the app: {request.id} (allow only if it matches)")
    else:
        lines.append(f"It will receive access at: {request.redirect_uri}")
    lines.append("It asks to:")
    for s in scope_names.parse(request.scope):
        lines.append(f"  - {s}: {scope_names.describe(s)}")
    lines.append(f"Request {request.id}; from a terminal: tieline api approve {request.id}")
    return "\n".join(lines)


def event_payload(request: ConsentRequest) -> dict[str, object]:
    return {
        "id": request.id,
        "kind": request.kind,
        "client_id": request.client_id,
        "client": request.client_name,
        "redirect_uri": request.redirect_uri,
        "scopes": scope_names.parse(request.scope),
    }
