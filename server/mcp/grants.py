"""Per-tool grants for the MCP tools that change something.

An agent acts for the person without the editor in between: no consent dialog can appear
in a headless stdio session. So a write tool runs only when the person said beforehand
that this tool may run (``tieline mcp grant create_issue``). The grant is recorded where
every other consent Tieline asks for is recorded -- the store's ``grants`` table, through
:class:`server.hub.grants.StoreGrants` -- under the connector id ``mcp`` and the account
``tool:<name>``, and granting and revoking are written to the audit log like any other
grant. The services' own scopes are still checked by the hub's consent gate
(:mod:`server.hub.consent_gate`) when the tool finds its session.

MCP's elicitation (a server asking "allow this?" through the client) is not taken as
consent: the protocol lets the client answer it itself, and the client may be the very
agent asking.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.hub.grants import StoreGrants
from server.hub.store import Store

from .errors import UnknownTool

#: The ``connector`` column of an MCP tool's grant.
CONNECTOR = "mcp"
#: The one scope a tool grant holds: the tool may be called.
CALL = "call"

#: The tools that change something, and what a grant lets an agent do (``tieline mcp
#: grants`` prints this).
WRITE_TOOLS: dict[str, str] = {
    "create_issue": "open issues on the trackers you are signed in to",
    "comment_on_issue": "comment on issues and pull requests",
    "save_snippet": "save snippets to your snippet library",
}


def _account(tool: str) -> str:
    return f"tool:{tool}"


def _known(tool: str) -> str:
    if tool not in WRITE_TOOLS:
        raise UnknownTool(
            f"no MCP tool {tool!r} needs a grant (those that do: {', '.join(WRITE_TOOLS)})"
        )
    return tool


async def grant(store: Store, tool: str) -> None:
    """Let agents call ``tool`` (recorded and audited)."""
    await StoreGrants(store).record_grant(CONNECTOR, _account(_known(tool)), [CALL])


async def revoke(store: Store, tool: str) -> bool:
    """Withdraw the grant; whether there was one."""
    had = await store.revoke_grant(CONNECTOR, _account(_known(tool)))
    if had:
        await store.audit("user", "revoke", f"{CONNECTOR}:{_account(tool)}")
    return had


async def granted(store: Store, tool: str) -> bool:
    scopes = await StoreGrants(store).get_grant(CONNECTOR, _account(tool))
    return scopes is not None and CALL in scopes


async def granted_tools(store: Store, tools: Iterable[str] = WRITE_TOOLS) -> list[str]:
    return [t for t in tools if await granted(store, t)]


__all__ = ["WRITE_TOOLS", "grant", "granted", "granted_tools", "revoke"]
