"""The MCP server: one hub, opened for the current directory's checkout as the command
line's verbs open it, held for the whole session, and an :class:`MCPServer` with the tools
and resources on it.

Which tools exist is decided when the server starts: the write tools are added only when
``[mcp] allow_writes`` is on (in the person's own configuration, never a workspace's), so
an agent of a read-only session never sees them. On stdio
nothing but the protocol reaches stdout: the verbs write into buffers and logs go to
stderr.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server import __version__

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from server.hub.hub import Hub

log = logging.getLogger("tieline.mcp")

INSTRUCTIONS = (
    "Tieline connects this workspace to the developer's services: code hosts, issue trackers, "
    "CI, calendars, the snippet library and documentation sets. Items are named as the "
    "developer names them: #12 (this checkout's repository), owner/repo#12, PROJ-7. "
    "Listings carry `problems` for services that could not answer."
)


def build(hub: Hub) -> MCPServer[Any]:
    """The server for ``hub``: read tools, write tools when allowed, and the resources."""
    from mcp.server.mcpserver import MCPServer

    from . import resources, tools

    server: MCPServer[Any] = MCPServer(
        "tieline",
        title="Tieline",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    names = tools.register(server, hub, writes=hub.config.mcp.allow_writes)
    resources.register(server, hub)
    log.info("MCP tools: %s", ", ".join(names))
    return server


async def open_hub(cwd: Path | None = None) -> Hub:
    from server.cli_common import workspace_root
    from server.hub.hub import Hub

    return await Hub.open(root=workspace_root(cwd or Path.cwd()))


async def run_stdio(cwd: Path | None = None) -> None:
    hub = await open_hub(cwd)
    try:
        await build(hub).run_stdio_async()
    finally:
        await hub.close()


async def run_http(port: int, secret: str, cwd: Path | None = None) -> None:
    from . import http

    sock = http.listen(port)  # a taken port fails before the hub opens
    try:
        hub = await open_hub(cwd)
        try:
            await http.serve(build(hub), secret, sock)
        finally:
            await hub.close()
    finally:
        sock.close()


__all__ = ["build", "open_hub", "run_http", "run_stdio"]
