"""The management pages: a local page, in a browser, to create, test and inspect outgoing
webhooks, API clients, consent requests and grants.

Served by the web face under ``/manage/`` (a built-in part, :func:`server.web.parts.manage`).
A browser cannot send the bearer token, so a person logs in by a one-time link that
``tieline web manage`` (or the editor's ``tieline.manage`` command) prints: a short-lived,
single-use ticket signed with a key derived from the local token (:mod:`.sessions`), which
the login route trades for a server-side session behind an ``HttpOnly; SameSite=Strict``
cookie scoped to ``/manage``. Every form that changes something posts a per-session CSRF
token and must come from the page's own origin. The pages are server-rendered HTML
(:mod:`.pages`, Jinja2 with autoescape) with a small style sheet and no script.

- :mod:`.sessions` -- login tickets, sessions, the authenticator, CSRF checks;
- :mod:`.pages` -- the templates and their rendering;
- :mod:`.routes` -- the Starlette routes.
"""

from __future__ import annotations

__all__: list[str] = []
