"""The Tieline language server: a pygls server whose features are small modules.

Each feature module exposes ``setup(server)`` and registers its handlers there (the esbonio
habit), so a feature can be read, tested and switched off alone.
"""

from __future__ import annotations

from pygls.lsp.server import LanguageServer

from server import __version__

from .protocol import TielineProtocol


class TielineServer(LanguageServer):
    """The server object passed to every handler."""

    def __init__(self) -> None:
        super().__init__(name="tieline", version=__version__, protocol_cls=TielineProtocol)


def build_server() -> TielineServer:
    """Create the server with every feature registered."""
    server = TielineServer()
    return server
