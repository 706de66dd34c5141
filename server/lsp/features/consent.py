"""Incremental consent in the editor: when a feature first needs a permission the account
has not given (:mod:`server.hub.consent_gate`), offer to allow it, then run the sign-in
that adds it -- in any LSP editor, with messages and the browser.

The offer comes once per account and capability (one message for all the capabilities an
account waits on at that moment); "Not now" holds until the editor restarts. The
``tieline.grantAccess`` command makes the same offer from a panel or the command palette,
and the Integrations list shows what waits (``needsConsent`` on an account).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..common import choose, hub_or_fail, info
from ..guard import guarded
from ..server import TielineServer, client_supports_show_document
from . import notify

if TYPE_CHECKING:
    from server.hub.consent_gate import ConsentWanted
    from server.hub.events import Event
    from server.hub.hub import Hub

ALLOW = "Allow…"
NOT_NOW = "Not now"
GRANT = "tieline.grantAccess"
#: How long the offer waits for the other capabilities an account misses at the same moment
#: (a panel that reads mail and drive at once), so the person gets one message, not two.
GATHER_SECONDS = 0.3


def offer_text(wanted: Sequence[ConsentWanted]) -> str:
    """``Microsoft 365 (alice@…): Mail and Drive need permissions …`` with every reason."""
    first = wanted[0]
    caps = " and ".join(dict.fromkeys(w.capability for w in wanted))
    lines = [
        f"{first.service} ({first.account}): {caps} need permissions you have not given"
        " Tieline yet:"
    ]
    seen: set[str] = set()
    for w in wanted:
        for s in w.scopes:
            if s.name not in seen:
                seen.add(s.name)
                lines.append(f"  - {s.name}: {s.why}")
    lines.append("Allow them? You sign in once more; what you allowed before is kept.")
    return "\n".join(lines)


async def grant_access(
    ls: TielineServer, hub: Hub, connector: str, host: str, login: str, capabilities: Sequence[str]
) -> str:
    """Run the sign-in that adds ``capabilities``' scopes to the account; the state it
    reached (``pending`` while the browser or the device code waits)."""
    from .. import tieline_protocol as proto
    from .auth import present, sign_in

    session = next(
        (
            s
            for s in hub.sessions.values()
            if (s.connector_id, s.host, s.login) == (connector, host, login)
        ),
        None,
    )
    method = session.method if session is not None else None
    offered = hub.sign_ins.methods(connector)
    if method not in offered or (method == "pkce" and not client_supports_show_document(ls)):
        method = "device" if "device" in offered else None
    result = await sign_in(
        ls,
        proto.SignInParams(connector=connector, host=host, method=method),
        capabilities=capabilities,
        account=login,
    )
    await present(ls, result)
    return result.state


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """Offer each consent a feature waits for, once, gathered per account."""
    from server.hub.events import EventKind

    waiting: dict[str, set[str]] = {}

    async def offer(account: str) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        caps = waiting.pop(account, set())
        wanted = [
            w for w in hub.consent.wanted.values() if w.account == account and w.capability in caps
        ]
        if not wanted:
            return
        notify.panels_changed(ls)
        if await choose(ls, offer_text(wanted), [ALLOW, NOT_NOW]) != ALLOW:
            return
        w = wanted[0]
        await grant_access(ls, hub, w.connector, w.host, w.login, [x.capability for x in wanted])

    def on_wanted(event: Event) -> None:
        account = f"{event.payload['login']}@{event.payload['host']}"
        gathering = account in waiting
        waiting.setdefault(account, set()).add(str(event.payload["capability"]))
        if gathering:
            return
        task = asyncio.ensure_future(offer(account))
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

    hub.bus.subscribe(EventKind.AUTH_CONSENT_REQUIRED, on_wanted)


def _strs(args: Sequence[Any]) -> list[str]:
    return [a for a in args if isinstance(a, str)]


def setup(server: TielineServer) -> None:
    @server.command(GRANT)
    @guarded(GRANT)
    async def grant_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``tieline.grantAccess [connector, host, login, capability…]``: without arguments,
        pick among the consents waiting."""
        hub = await hub_or_fail(ls)
        got = _strs(args)
        if len(got) >= 4:
            connector, host, login, caps = got[0], got[1], got[2], got[3:]
        else:
            wanted = list(hub.consent.wanted.values())
            if not wanted:
                info(ls, "No feature is waiting for a permission.")
                return {"state": "none"}
            labels = {f"{w.service} ({w.account}): {w.capability}": w for w in wanted}
            picked = await choose(ls, "Allow which permissions?", list(labels))
            if picked is None:
                return {"state": "cancelled"}
            w = labels[picked]
            connector, host, login, caps = w.connector, w.host, w.login, [w.capability]
        return {"state": await grant_access(ls, hub, connector, host, login, caps)}
