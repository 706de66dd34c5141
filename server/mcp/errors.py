"""What ``tieline mcp`` refuses, on top of the hub's own :class:`TielineError` tree.

Every error a tool meets reaches the agent as an MCP tool error (``isError``) whose text is
the hub's message, redacted, prefixed with its kind (``[not_found]``, ``[auth]``,
``[refused]``...) so an agent can tell "sign in first" from "no such issue" without parsing
prose. A crash is reported as an internal error naming the tool only; its traceback goes to
the server's log, never to the agent.
"""

from __future__ import annotations

from connectors.sdk.errors import TielineError


class McpError(TielineError):
    """Base of the errors the MCP layer raises itself."""


class WriteRefused(McpError):
    """A tool that changes something was called without the person's permission: writes
    are off (``[mcp] allow_writes``), or this tool has no grant (``tieline mcp grant``)."""


class UnknownTool(McpError):
    """``tieline mcp grant NAME`` named no tool that needs a grant."""


__all__ = ["McpError", "UnknownTool", "WriteRefused"]
