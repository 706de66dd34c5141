"""Declared connectors: a simple REST tracker as a TOML manifest, with no Python.

A file in a workspace's ``.tieline/connectors/<id>.toml`` (or in the user's config folder,
``connectors/<id>.toml``) is read by :mod:`.source` whenever the configuration is, checked by
:mod:`.spec` and :mod:`.load` (errors name the file, the line and the key), and becomes an
ordinary sdk connector (:mod:`.connector`) with the ``IssueTracker`` capability: sign-in, the
vault, the HTTP stack, settings and reference scanning treat it like an installed one.
"""
