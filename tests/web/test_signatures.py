"""The signature schemes against their senders' published examples, and the ways a
delivery must be refused.

Vectors, each from its source's own documentation:
- GitHub, docs.github.com "Validating webhook deliveries" (testing section): secret
  "It's a Secret to Everybody", payload "Hello, World!".
- Slack, api.slack.com/authentication/verifying-requests-from-slack (step-by-step
  walk-through): the slash-command body below, signed at 1531420618.
- Standard Webhooks, the specification's reference test vector (standard-webhooks
  repository, libraries' tests): secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
import standardwebhooks
from slack_sdk.signature import SignatureVerifier

from server.web.errors import Replayed, SignatureInvalid, StaleDelivery
from server.web.hooks import signatures as sig
from server.web.replay import ReplayGuard

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TS = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SW_TS = 1614265330
SW_BODY = b'{"test": 2432232314}'
SW_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


# -- GitHub ----------------------------------------------------------------------------------
def test_github_docs_example() -> None:
    assert sig.sign_github(GITHUB_SECRET, GITHUB_BODY) == GITHUB_SIGNATURE
    sig.verify_github(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE)
    sig.verify_github(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE.upper().replace("SHA", "sha"))


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("another secret", GITHUB_BODY, GITHUB_SIGNATURE),
        (GITHUB_SECRET, b"Hello, World?", GITHUB_SIGNATURE),
        (GITHUB_SECRET, GITHUB_BODY, None),
        (GITHUB_SECRET, GITHUB_BODY, ""),
        (GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE.removeprefix("sha256=")),
        (GITHUB_SECRET, GITHUB_BODY, "sha1=" + GITHUB_SIGNATURE.removeprefix("sha256=")),
        (GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE[:-2]),
        (GITHUB_SECRET, GITHUB_BODY, "sha256=ünïcode"),
    ],
)
def test_github_refusals(secret: str, body: bytes, header: str | None) -> None:
    with pytest.raises(SignatureInvalid) as err:
        sig.verify_github(secret, body, header)
    assert "757107" not in err.value.message  # never the expected value


def test_jira_signs_like_websub() -> None:
    header = sig.sign_jira("jira secret", b'{"webhookEvent":"jira:issue_created"}')
    assert header.startswith("sha256=") and len(header) == 7 + 64
    sig.verify_jira("jira secret", b'{"webhookEvent":"jira:issue_created"}', header)
    with pytest.raises(SignatureInvalid):
        sig.verify_jira("jira secret", b'{"webhookEvent":"jira:issue_deleted"}', header)
    with pytest.raises(SignatureInvalid):
        sig.verify_jira("other", b'{"webhookEvent":"jira:issue_created"}', header)


def test_gitlab_token() -> None:
    sig.verify_gitlab("a-token", "a-token")
    for wrong in (None, "", "a-tokeN", "a-token ", "a-toke"):
        with pytest.raises(SignatureInvalid):
            sig.verify_gitlab("a-token", wrong)


# -- Slack -----------------------------------------------------------------------------------
def test_slack_docs_example() -> None:
    assert sig.sign_slack(SLACK_SECRET, SLACK_TS, SLACK_BODY) == SLACK_SIGNATURE
    assert sig.verify_slack(SLACK_SECRET, SLACK_BODY, SLACK_TS, SLACK_SIGNATURE) == int(SLACK_TS)


def test_slack_agrees_with_slacks_own_sdk() -> None:
    """Both directions with slack_sdk's SignatureVerifier (its clock pinned to the example)."""

    class At:
        def now(self) -> float:
            return float(SLACK_TS)

    sdk = SignatureVerifier(SLACK_SECRET, clock=At())
    assert sdk.is_valid(SLACK_BODY, SLACK_TS, sig.sign_slack(SLACK_SECRET, SLACK_TS, SLACK_BODY))
    body = b'{"type":"event_callback","event":{"type":"app_mention","text":"hi"}}'
    theirs = sdk.generate_signature(timestamp=SLACK_TS, body=body)
    assert theirs is not None
    assert sig.verify_slack(SLACK_SECRET, body, SLACK_TS, theirs) == int(SLACK_TS)


@pytest.mark.parametrize(
    ("secret", "body", "ts", "header"),
    [
        ("bogus", SLACK_BODY, SLACK_TS, SLACK_SIGNATURE),
        (SLACK_SECRET, SLACK_BODY + b"&evil=1", SLACK_TS, SLACK_SIGNATURE),
        (SLACK_SECRET, SLACK_BODY, "1531420619", SLACK_SIGNATURE),
        (SLACK_SECRET, SLACK_BODY, None, SLACK_SIGNATURE),
        (SLACK_SECRET, SLACK_BODY, "soon", SLACK_SIGNATURE),
        (SLACK_SECRET, SLACK_BODY, SLACK_TS, None),
        (SLACK_SECRET, SLACK_BODY, SLACK_TS, SLACK_SIGNATURE.replace("v0=", "v1=")),
    ],
)
def test_slack_refusals(secret: str, body: bytes, ts: str | None, header: str | None) -> None:
    with pytest.raises(SignatureInvalid):
        sig.verify_slack(secret, body, ts, header)


# -- Standard Webhooks -----------------------------------------------------------------------
def test_standard_webhooks_reference_vector() -> None:
    assert sig.sign_standard(SW_SECRET, SW_ID, SW_TS, SW_BODY) == SW_SIGNATURE
    assert sig.verify_standard(SW_SECRET, SW_BODY, SW_ID, str(SW_TS), SW_SIGNATURE) == SW_TS
    # The prefix is optional, as in the reference libraries.
    bare = SW_SECRET.removeprefix("whsec_")
    assert sig.verify_standard(bare, SW_BODY, SW_ID, str(SW_TS), SW_SIGNATURE) == SW_TS


def test_standard_webhooks_any_matching_entry_of_several() -> None:
    """Senders list several signatures while rotating keys: one match is enough, and
    malformed or other-version entries are skipped rather than crashing."""
    other = "v1," + base64.b64encode(b"x" * 32).decode()
    for header in (
        f"{other} {SW_SIGNATURE}",
        f"v1a,abc v2,{SW_SIGNATURE[3:]} {SW_SIGNATURE}",
        f"v1,!!!notbase64 v1 {SW_SIGNATURE}",
        f"  {SW_SIGNATURE}  ",
    ):
        assert sig.verify_standard(SW_SECRET, SW_BODY, SW_ID, str(SW_TS), header) == SW_TS


@pytest.mark.parametrize(
    ("secret", "body", "msg_id", "ts", "header"),
    [
        # wrong secret
        ("whsec_" + base64.b64encode(b"another key").decode(), SW_BODY, SW_ID, SW_TS, SW_SIGNATURE),
        # altered body, id, or timestamp
        (SW_SECRET, b'{"test": 2432232315}', SW_ID, SW_TS, SW_SIGNATURE),
        (SW_SECRET, SW_BODY, "msg_other", SW_TS, SW_SIGNATURE),
        (SW_SECRET, SW_BODY, SW_ID, SW_TS + 1, SW_SIGNATURE),
        # only extra (wrong) signatures, another version, malformed entries
        (SW_SECRET, SW_BODY, SW_ID, SW_TS, "v1,bm9wZQ== v1,AAAA"),
        (SW_SECRET, SW_BODY, SW_ID, SW_TS, "v2," + SW_SIGNATURE[3:]),
        (SW_SECRET, SW_BODY, SW_ID, SW_TS, SW_SIGNATURE[3:]),
        (SW_SECRET, SW_BODY, SW_ID, SW_TS, "v1,"),
        # missing headers
        (SW_SECRET, SW_BODY, None, SW_TS, SW_SIGNATURE),
        (SW_SECRET, SW_BODY, SW_ID, None, SW_SIGNATURE),
        (SW_SECRET, SW_BODY, SW_ID, SW_TS, None),
        (SW_SECRET, SW_BODY, SW_ID, "1614265330.5", SW_SIGNATURE),
    ],
)
def test_standard_webhooks_refusals(
    secret: str, body: bytes, msg_id: str | None, ts: int | str | None, header: str | None
) -> None:
    with pytest.raises(SignatureInvalid):
        sig.verify_standard(secret, body, msg_id, None if ts is None else str(ts), header)


def test_standard_webhooks_agrees_with_the_reference_library() -> None:
    """Both directions: the reference package's signature verifies here, and ours there."""
    now = int(time.time())
    body = '{"type":"invoice.paid","timestamp":"2026-01-01T00:00:00Z","data":{"id":1}}'
    lib = standardwebhooks.Webhook(SW_SECRET)
    theirs = lib.sign("msg_1", datetime.fromtimestamp(now, tz=UTC), body)
    assert sig.verify_standard(SW_SECRET, body.encode(), "msg_1", str(now), theirs) == now
    ours = sig.sign_standard(SW_SECRET, "msg_2", now, body.encode())
    headers = {"webhook-id": "msg_2", "webhook-timestamp": str(now), "webhook-signature": ours}
    assert lib.verify(body, headers) == {
        "type": "invoice.paid",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"id": 1},
    }


def test_a_stored_secret_that_is_not_base64_is_refused_not_crashed() -> None:
    with pytest.raises(SignatureInvalid):
        sig.verify_standard("whsec_not base64!", SW_BODY, SW_ID, str(SW_TS), SW_SIGNATURE)


# -- replay window ---------------------------------------------------------------------------
class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_timestamps_outside_the_window_are_refused() -> None:
    clock = Clock(SW_TS)
    guard = ReplayGuard(lambda: 300.0, clock=clock)
    guard.check_timestamp(SW_TS)
    clock.now = SW_TS + 300
    guard.check_timestamp(SW_TS)
    clock.now = SW_TS + 301
    with pytest.raises(StaleDelivery, match="too old"):
        guard.check_timestamp(SW_TS)
    clock.now = SW_TS - 301
    with pytest.raises(StaleDelivery, match="future"):
        guard.check_timestamp(SW_TS)


def test_a_delivery_id_is_accepted_once_within_the_window() -> None:
    clock = Clock(1000.0)
    window = [300.0]
    guard = ReplayGuard(lambda: window[0], clock=clock)
    guard.accept("github", "d-1")
    guard.accept("gitlab", "d-1")  # ids are per source
    with pytest.raises(Replayed):
        guard.accept("github", "d-1")
    clock.now += 299
    with pytest.raises(Replayed):
        guard.accept("github", "d-1")
    clock.now += 2  # forgotten once out of the window
    guard.accept("github", "d-1")


def test_the_remembered_ids_stay_bounded() -> None:
    guard = ReplayGuard(lambda: 300.0, clock=Clock(0.0), limit=3)
    for i in range(10):
        guard.accept("standard", f"m-{i}")
    assert len(guard._seen) == 3
    with pytest.raises(Replayed):
        guard.accept("standard", "m-9")
