"""Identifiers: ``ep_`` for endpoints, ``msg_`` for messages (the ``webhook-id`` header).

Time-ordered (48 bits of milliseconds, then 80 random bits, Crockford base32), like a ULID:
ids sort by creation in the delivery log, and are unique across processes without asking
the database. Hand-written because it is twelve lines; a library would add a dependency for
a format nobody else parses.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str, *, now: float | None = None) -> str:
    """``<prefix>_`` and 26 characters: 10 of time, 16 of randomness."""
    ms = int((time.time() if now is None else now) * 1000) & ((1 << 48) - 1)
    return f"{prefix}_{_encode(ms, 10)}{_encode(secrets.randbits(80), 16)}"


def endpoint_id() -> str:
    return new_id("ep")


def message_id(now: float | None = None) -> str:
    return new_id("msg", now=now)
