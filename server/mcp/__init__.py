"""``tieline mcp``: Tieline's capabilities for AI agents, over the Model Context Protocol.

The same answers the command line gives (:mod:`server.verbs`: pull requests, issues, one
item, CI, a job's log, snippets, documentation) plus the calendar agenda, as MCP tools with
JSON input schemas and structured output, and issues and snippets as MCP resources. Built
on the official ``mcp`` SDK: stdio by default, streamable HTTP on 127.0.0.1 with ``--http``.

It sits beside :mod:`server.lsp`: it may import the hub, the hub never imports it. Tools
that change something are offered only when ``[mcp] allow_writes`` is on, and each call
needs a grant the person recorded for that tool (``tieline mcp grant TOOL``,
:mod:`server.mcp.grants`).
"""
