"""Signatures against the Standard Webhooks reference: its published vector, and its own
verifier (the ``standardwebhooks`` package) accepting what Tieline signs -- plus the ways a
forged, stale or altered message must fail."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from server.hub.webhooks import SignatureInvalid, sign, verify
from server.hub.webhooks.signing import headers, new_secret, secret_key

# The reference vector of the Standard Webhooks Python library's `test_sign_function`
# (github.com/standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_vector() -> None:
    assert sign(secret_key(VECTOR_SECRET), VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG
    # the prefix is optional in a secret, as the standard says
    assert sign(secret_key(VECTOR_SECRET[6:]), VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG


def test_the_reference_vector_verifies() -> None:
    hdrs = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS)}
    verify([VECTOR_SECRET], VECTOR_BODY, {**hdrs, "webhook-signature": VECTOR_SIG}, now=VECTOR_TS)
    # the reference's own negative: one character changed
    bad = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    with pytest.raises(SignatureInvalid):
        verify([VECTOR_SECRET], VECTOR_BODY, {**hdrs, "webhook-signature": bad}, now=VECTOR_TS)


def test_the_reference_library_agrees_with_ours() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"type":"ci.failed","data":{"title":"caf\u00e9"}}'.encode()
    now = int(time.time())
    ours = headers([secret_key(secret)], "msg_abc", now, body)
    assert Webhook(secret).verify(body, ours) == {"type": "ci.failed", "data": {"title": "café"}}
    theirs = Webhook(secret).sign("msg_abc", datetime.fromtimestamp(now, UTC), body.decode())
    assert ours["webhook-signature"] == theirs


def test_two_secrets_make_two_signatures_and_either_verifies() -> None:
    old, new = new_secret(), new_secret()
    body, now = b"{}", int(time.time())
    hdrs = headers([secret_key(new), secret_key(old)], "msg_1", now, body)
    assert len(hdrs["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, hdrs)
    Webhook(new).verify(body, hdrs)
    verify([old], body, hdrs, now=now)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, hdrs)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda h, b: (h, b + b" "), "no signature matches"),
        (lambda h, b: ({**h, "webhook-id": "msg_other"}, b), "no signature matches"),
        (lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b), "no"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-id"}, b), "missing"),
        (lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), "whole number"),
        (lambda h, b: ({**h, "webhook-signature": "v2," + h["webhook-signature"][3:]}, b), "no"),
        (lambda h, b: ({**h, "webhook-signature": "v1,!!notbase64"}, b), "no signature"),
    ],
)
def test_altered_messages_fail(change: object, why: str) -> None:
    secret, body, now = new_secret(), b'{"a":1}', int(time.time())
    hdrs = headers([secret_key(secret)], "msg_1", now, body)
    h2, b2 = change(hdrs, body)  # type: ignore[operator]
    with pytest.raises(SignatureInvalid, match=why):
        verify([secret], b2, h2, now=now)


def test_stale_and_future_timestamps_fail() -> None:
    secret, body = new_secret(), b"{}"
    hdrs = headers([secret_key(secret)], "msg_1", 1_000_000, body)
    with pytest.raises(SignatureInvalid, match="too old"):
        verify([secret], body, hdrs, now=1_000_000 + 301)
    with pytest.raises(SignatureInvalid, match="future"):
        verify([secret], body, hdrs, now=1_000_000 - 301)
    verify([secret], body, hdrs, now=1_000_000 + 299)


def test_wrong_secret_fails() -> None:
    body, now = b"{}", int(time.time())
    hdrs = headers([secret_key(new_secret())], "msg_1", now, body)
    with pytest.raises(SignatureInvalid):
        verify([new_secret()], body, hdrs, now=now)
