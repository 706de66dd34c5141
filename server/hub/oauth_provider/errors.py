"""The provider's errors: what the person or a client did wrong, said in words that need no
secret. Protocol errors towards OAuth clients are authlib's ``OAuth2Error`` responses; these
are for the person (CLI, editor) and for programming mistakes.

- :class:`OAuthProviderError` -- anything raised by this package
  - :class:`InvalidClientConfig` -- a registration asks for something unsafe or malformed
  - :class:`UnknownClient` -- no client has that id
  - :class:`UnknownConsentRequest` -- no pending consent request has that id
  - :class:`ConsentAlreadyDecided` -- the request was approved or denied before
  - :class:`UnknownGrant` -- the client holds no grant to revoke
"""

from __future__ import annotations

from connectors.sdk.errors import TielineError


class OAuthProviderError(TielineError):
    """Base of every error of the OAuth provider."""


class InvalidClientConfig(OAuthProviderError):
    """A client registration was refused (bad redirect URI, unknown scope, ...)."""


class UnknownClient(OAuthProviderError):
    """No registered client has this id."""


class UnknownConsentRequest(OAuthProviderError):
    """No consent request has this id, or it expired."""


class ConsentAlreadyDecided(OAuthProviderError):
    """The consent request was decided already; a decision is final."""


class UnknownGrant(OAuthProviderError):
    """The client holds no grant."""
