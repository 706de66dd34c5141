"""The web face's errors, under the project's one root (:class:`TielineError`).

::

    TielineError
    └── WebError                    something the web face refused or could not do
        ├── HookRefused             a webhook delivery was not accepted (carries the status)
        │   ├── SignatureInvalid    missing, malformed or wrong signature / shared token (401)
        │   ├── StaleDelivery       its signed timestamp is outside ``web.replay_window`` (401)
        │   ├── Replayed            its delivery id was already accepted in the window (409)
        │   ├── HookNotConfigured   no secret is kept for this source (404: nothing is here)
        │   └── BadPayload          signed, but not the JSON (or form) its source sends (400)
        ├── StartFailed             the listener could not bind or start
        └── CsrfRefused             a management form post not from its page (403)

Messages say what was wrong with the request, never what the secret or the expected
signature is.
"""

from __future__ import annotations

from connectors.sdk.errors import TielineError


class WebError(TielineError):
    """Base of the web face's errors."""


class HookRefused(WebError):
    """A webhook delivery was refused; ``status`` is the HTTP answer it gets."""

    status: int = 400


class SignatureInvalid(HookRefused):
    status = 401


class StaleDelivery(HookRefused):
    status = 401


class Replayed(HookRefused):
    status = 409


class HookNotConfigured(HookRefused):
    status = 404


class BadPayload(HookRefused):
    status = 400


class StartFailed(WebError):
    """The web face could not listen (the configured port is taken, say)."""


class CsrfRefused(WebError):
    """A management page's form post without the session's CSRF token, or from another
    origin (:mod:`server.web.manage.sessions`); answered 403, nothing done."""
