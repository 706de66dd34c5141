"""Tieline's local web face: a Starlette app on 127.0.0.1, started on demand.

It carries the incoming webhooks (:mod:`.hooks`) and is the place later parts plug into --
a public REST API, an OAuth provider, widgets, management pages -- as Starlette routes or
mounts passed to :func:`server.web.app.create_app` (``extra=``), with their own
:class:`~server.web.auth.Authenticator` added to the chain (``authenticators=``), never by
editing the app.

Every request passes, outermost first: security headers on whatever is answered, the
``Host`` guard (DNS rebinding), CORS (none unless origins are configured), authentication
(a bearer token by default; webhook routes by their signature, declared per endpoint), then
the routes. Nothing here is imported by the LSP layer at start-up: the hub imports
:class:`~server.web.face.WebFace` lazily when something first needs the web face.
"""

from __future__ import annotations

__all__: list[str] = []
