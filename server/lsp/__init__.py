"""The LSP layer: thin handlers that parse params, call the hub and return lsprotocol types."""
