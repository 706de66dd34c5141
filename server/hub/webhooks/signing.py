"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A message is sent with three headers::

    webhook-id:        msg_...                    (the same on every attempt of the message)
    webhook-timestamp: 1614265330                 (Unix seconds of this attempt)
    webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")> [v1,... ]

Secrets are ``whsec_`` + base64 of 32 random bytes; the HMAC key is the decoded bytes.
During a rotation's overlap two signatures are sent, space-separated, and a receiver accepts
the message if any one verifies.

Own code rather than the ``standardwebhooks`` package at run time: the body is signed as the
bytes that go on the wire (the package signs a ``str`` and re-encodes it), several keys are
signed at once, and :func:`verify` takes the clock as an argument. The test suite checks
both directions against that package and its published test vector.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence

from connectors.sdk.redact import register_secret

from .errors import WebhookError

PREFIX = "whsec_"
SECRET_BYTES = 32
#: How far a timestamp may lie from the verifier's clock (the standard's five minutes).
TOLERANCE = 300


class SignatureInvalid(WebhookError):
    """A received message's headers are missing, too old or new, or match no signature."""


def new_secret() -> str:
    """A fresh signing secret (registered with the redactor at once)."""
    secret = PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")
    register_secret(secret)
    return secret


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (the prefix is optional, as in the standard)."""
    raw = secret.removeprefix(PREFIX)
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookError("a webhook secret is not valid base64") from None
    if not key:
        raise WebhookError("a webhook secret may not be empty")
    return key


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature."""
    mac = hmac.new(key, b"%s.%d.%s" % (msg_id.encode(), timestamp, body), hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def signature_header(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per key, space-separated."""
    return " ".join(sign(k, msg_id, timestamp, body) for k in keys)


def headers(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(keys, msg_id, timestamp, body),
    }


def verify(
    secrets_: Iterable[str],
    body: bytes,
    received: Mapping[str, str],
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE,
) -> None:
    """Check a received message; raise :class:`SignatureInvalid` saying why it fails.

    Versions other than ``v1`` are ignored (the standard reserves them), and comparison is
    constant-time.
    """
    lower = {k.lower(): v for k, v in received.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    sigs = lower.get("webhook-signature")
    if not (msg_id and stamp and sigs):
        raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        ts = int(stamp)
    except ValueError:
        raise SignatureInvalid("webhook-timestamp is not a whole number of seconds") from None
    clock = time.time() if now is None else now
    if ts < clock - tolerance:
        raise SignatureInvalid("webhook-timestamp is too old")
    if ts > clock + tolerance:
        raise SignatureInvalid("webhook-timestamp is in the future")
    offered = []
    for part in sigs.split(" "):
        version, _, value = part.partition(",")
        if version == "v1" and value:
            try:
                offered.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                continue
    for secret in secrets_:
        expected = base64.b64decode(sign(secret_key(secret), msg_id, ts, body)[3:])
        if any(hmac.compare_digest(expected, got) for got in offered):
            return
    raise SignatureInvalid("no signature matches")
