"""Tieline's server: the LSP layer (``server.lsp``) over the hub (``server.hub``)."""

from __future__ import annotations

__version__ = "0.1.0"
