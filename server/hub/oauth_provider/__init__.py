"""Tieline's own OAuth 2.0 provider, for the public REST API: the person registers clients
(``tieline api clients add``), approves what a client asks for (in the editor or with
``tieline api approve``), and the API checks every call with :func:`verify`.

Framework-neutral: :mod:`.storage` (SQLite, hashed credentials), :mod:`.clients`,
:mod:`.scopes`, :mod:`.consent`, :mod:`.server` (authlib's ``AuthorizationServer`` with its
grants and a small request adapter) and :mod:`.provider`, the facade the HTTP layer
(``server/web/oauth_routes.py``) calls. This module itself imports nothing heavy, so the
editor's command modules may import it at start-up.
"""

from __future__ import annotations
