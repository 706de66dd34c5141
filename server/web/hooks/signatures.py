"""The signature schemes of the webhook sources, as pure functions over bytes.

Each ``verify_*`` raises :class:`~server.web.errors.SignatureInvalid` (saying what was
wrong with the request, never the expected value) and compares in constant time
(:func:`hmac.compare_digest`). Each ``sign_*`` is its sender's side, for tests and for a
sender on this machine.

Sources:

- GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``
  (docs.github.com, "Validating webhook deliveries").
- Jira Cloud admin webhooks registered with a secret: ``X-Hub-Signature:
  sha256=<hex HMAC-SHA256(secret, body)>`` -- the WebSub ``method=signature`` form
  (developer.atlassian.com/cloud/jira/platform/webhooks, "Securing admin webhooks").
  Webhooks registered by Connect or OAuth apps are not signed this way and are refused.
- GitLab: ``X-Gitlab-Token`` is the secret token itself, compared in constant time
  (docs.gitlab.com, "Webhooks", secret token). A webhook with a signing token
  (``whsec_...``, GitLab's newer option) is signed as Standard Webhooks instead (below).
- Slack: ``X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" +
  body)>`` with ``X-Slack-Request-Timestamp`` (api.slack.com, "Verifying requests from
  Slack").
- Linear: ``Linear-Signature: <hex HMAC-SHA256(secret, body)>`` (no prefix), the body
  carrying ``webhookTimestamp`` in milliseconds (linear.app/developers/webhooks, "Securing
  webhooks").
- Standard Webhooks (standardwebhooks.com, spec v1): ``webhook-signature`` is a space
  separated list of ``v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>``;
  the key is the base64 after ``whsec_``.

Standard Webhooks is verified here rather than with the ``standardwebhooks`` package: its
verifier has a fixed five-minute tolerance (``web.replay_window`` is configurable), and a
malformed list entry raises an unexpected exception instead of a refusal. The tests check
this verifier against the package's signer and the specification's published vector.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from ..errors import SignatureInvalid

STANDARD_PREFIX = "whsec_"


def _hex_hmac(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def _prefixed_hex(header: str | None, prefix: str, expected_hex: str, what: str) -> None:
    if not header:
        raise SignatureInvalid(f"the request carries no {what} header")
    header = header.strip()
    if not header.startswith(prefix):
        raise SignatureInvalid(f"the {what} header is not of the form {prefix}<hex>")
    given = header[len(prefix) :].lower()
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected_hex.encode("ascii")):
        raise SignatureInvalid(f"the {what} does not match the body")


# -- GitHub --------------------------------------------------------------------------------
def sign_github(secret: str, body: bytes) -> str:
    return "sha256=" + _hex_hmac(secret, body)


def verify_github(secret: str, body: bytes, header: str | None) -> None:
    _prefixed_hex(header, "sha256=", _hex_hmac(secret, body), "X-Hub-Signature-256")


# -- Jira ----------------------------------------------------------------------------------
def sign_jira(secret: str, body: bytes) -> str:
    return "sha256=" + _hex_hmac(secret, body)


def verify_jira(secret: str, body: bytes, header: str | None) -> None:
    _prefixed_hex(header, "sha256=", _hex_hmac(secret, body), "X-Hub-Signature")


# -- GitLab --------------------------------------------------------------------------------
def verify_gitlab(secret: str, header: str | None) -> None:
    if not header:
        raise SignatureInvalid("the request carries no X-Gitlab-Token header")
    if not hmac.compare_digest(header.encode("utf-8"), secret.encode("utf-8")):
        raise SignatureInvalid("the X-Gitlab-Token does not match")


# -- Slack ---------------------------------------------------------------------------------
def sign_slack(secret: str, timestamp: str, body: bytes) -> str:
    return "v0=" + _hex_hmac(secret, b"v0:" + timestamp.encode("ascii") + b":" + body)


def verify_slack(secret: str, body: bytes, timestamp: str | None, header: str | None) -> int:
    """Check the signature; return the signed timestamp (for the replay window)."""
    ts = _timestamp(timestamp, "X-Slack-Request-Timestamp")
    signed = str(timestamp).strip().encode("ascii")  # as sent: the sender signed the text
    expected = _hex_hmac(secret, b"v0:" + signed + b":" + body)
    _prefixed_hex(header, "v0=", expected, "X-Slack-Signature")
    return ts


# -- Standard Webhooks ---------------------------------------------------------------------
def standard_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret (``whsec_`` + base64; the prefix is
    optional, as in the reference libraries)."""
    raw = secret.strip()
    if raw.startswith(STANDARD_PREFIX):
        raw = raw[len(STANDARD_PREFIX) :]
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("the stored Standard Webhooks secret is not base64") from None
    if not key:
        raise SignatureInvalid("the stored Standard Webhooks secret is empty")
    return key


def sign_standard(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_standard(
    secret: str,
    body: bytes,
    msg_id: str | None,
    timestamp: str | None,
    header: str | None,
) -> int:
    """Check ``webhook-signature`` against the id, timestamp and body; return the
    timestamp. Any one ``v1`` entry matching is enough (senders list several while they
    rotate keys); entries of other versions, or malformed ones, are skipped."""
    if not msg_id:
        raise SignatureInvalid("the request carries no webhook-id header")
    ts = _timestamp(timestamp, "webhook-timestamp")
    if not header:
        raise SignatureInvalid("the request carries no webhook-signature header")
    content = f"{msg_id}.{str(timestamp).strip()}.".encode() + body
    expected = hmac.new(standard_key(secret), content, hashlib.sha256).digest()
    for entry in header.split():
        version, sep, value = entry.partition(",")
        if version != "v1" or not sep:
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(given, expected):
            return ts
    raise SignatureInvalid("no webhook-signature matches the body")


def _timestamp(value: str | None, what: str) -> int:
    if not value:
        raise SignatureInvalid(f"the request carries no {what} header")
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise SignatureInvalid(f"the {what} header is not a Unix time in seconds")
    return int(value)


# -- Linear --------------------------------------------------------------------------------
def sign_linear(secret: str, body: bytes) -> str:
    return _hex_hmac(secret, body)


def verify_linear(secret: str, body: bytes, header: str | None) -> None:
    _prefixed_hex(header, "", _hex_hmac(secret, body), "Linear-Signature")
