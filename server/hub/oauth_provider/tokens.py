"""Credential values: generated with ``secrets``, prefixed so a leaked one is recognisable
(and masked by :mod:`connectors.sdk.redact`), stored only as SHA-256 digests.

A fast hash is the right one here: every value is 256 bits of randomness, so there is
nothing for a slow password hash to protect against, and a lookup by digest stays an index
seek.
"""

from __future__ import annotations

import hashlib
import secrets

from connectors.sdk.redact import register_shapes

ACCESS_PREFIX = "tlat_"
REFRESH_PREFIX = "tlrt_"
SECRET_PREFIX = "tlcs_"  # noqa: S105 (a prefix, not a secret)
CODE_PREFIX = "tlac_"
DEVICE_PREFIX = "tldc_"
CLIENT_PREFIX = "tlci_"

register_shapes(
    [
        rf"\b{p}[A-Za-z0-9_-]{{20,}}"
        for p in (ACCESS_PREFIX, REFRESH_PREFIX, SECRET_PREFIX, CODE_PREFIX, DEVICE_PREFIX)
    ]
)


def new_value(prefix: str) -> str:
    """A fresh credential: ``prefix`` + 43 url-safe characters (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def new_client_id() -> str:
    """Client ids are public; 96 bits keeps them unguessable enough to not be enumerable."""
    return CLIENT_PREFIX + secrets.token_urlsafe(12)


def hash_secret(value: str) -> str:
    """The digest a credential is stored and looked up by."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels (no words), as RFC 8628 §6.1 advises


def new_user_code() -> str:
    """``WDJB-MJHT``: eight letters from a 20-letter alphabet (34 bits), easy to type."""
    half = ["".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(4)) for _ in range(2)]
    return "-".join(half)


def normalise_user_code(code: str) -> str:
    """What the person typed, as stored: case and dashes/spaces do not matter."""
    letters = "".join(c for c in code.upper() if c.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else code.strip().upper()
