"""Issues, pull requests and snippets as MCP resources, read as their tools answer.

``tieline://issue/{connector}/{host}/{scope}/{key}`` is one item (``scope`` may hold
slashes -- ``octo/app``, ``group/sub/project`` -- and ``key`` is percent-encoded where it
needs to be: ``%2312`` for ``#12``); ``tieline://snippet/{id}`` one snippet; and
``tieline://snippets`` the newest snippets. Each is the JSON document of the matching
``tieline ... --json`` verb.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from connectors.sdk.errors import NotFound, TielineError
from connectors.sdk.redact import redact
from server.verbs.base import Missing

from .verbs import run_json

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from server.hub.hub import Hub

ISSUE = "tieline://issue/{connector}/{host}/{+scope}/{key}"
SNIPPET = "tieline://snippet/{id}"
SNIPPETS = "tieline://snippets"
JSON = "application/json"


def issue_uri(connector: str, host: str, scope: str, key: str) -> str:
    """The resource of an item (what :data:`ISSUE` expands to)."""
    return f"tieline://issue/{connector}/{host}/{quote(scope, safe='/')}/{quote(key, safe='')}"


def _item_id(connector: str, host: str, scope: str, key: str) -> str:
    """The id ``tieline issue`` reads: ``connector:host:label``, the label being
    ``scope#12`` / ``scope!3`` for numbered items and the key itself (``PROJ-7``) else."""
    label = f"{scope}{key}" if key[:1] in ("#", "!") else key
    return f"{connector}:{host}:{label}"


async def _read(hub: Hub, verb: str, **args: Any) -> str:
    try:
        return json.dumps(await run_json(hub, verb, **args), ensure_ascii=False)
    except (Missing, NotFound) as exc:
        raise ResourceNotFoundError(redact(exc.message)) from None
    except TielineError as exc:
        raise ResourceError(redact(exc.message)) from None


def register(server: MCPServer[Any], hub: Hub) -> None:
    @server.resource(
        ISSUE,
        name="issue",
        title="Issue or pull request",
        description="One issue or pull request, as get_issue answers.",
        mime_type=JSON,
    )
    async def issue(connector: str, host: str, scope: str, key: str) -> str:
        return await _read(hub, "issue", key=_item_id(connector, host, scope, key))

    @server.resource(
        SNIPPET,
        name="snippet",
        title="Snippet",
        description="One snippet of the library, with its body.",
        mime_type=JSON,
    )
    async def snippet(id: str) -> str:
        return await _read(hub, "snippets", action="show", id=id, body=False)

    @server.resource(
        SNIPPETS,
        name="snippets",
        title="Snippets",
        description="The newest snippets of the library.",
        mime_type=JSON,
    )
    async def snippets() -> str:
        return await _read(hub, "snippets", action="search", text=[], language=None, tag=None,
                           limit=50)  # fmt: skip


__all__ = ["ISSUE", "SNIPPET", "SNIPPETS", "issue_uri", "register"]
