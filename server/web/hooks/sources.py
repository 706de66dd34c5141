"""Each webhook source: how its deliveries are verified, identified and parsed.

A :class:`Source` turns the raw request (headers and body bytes) into a :class:`Delivery`
or raises a :class:`~server.web.errors.HookRefused`: the signature first, over the exact
bytes received, then the signed timestamp against the replay window, and only then the
body is parsed. The delivery id it returns is recorded by the inbox once all that passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers

from ..errors import BadPayload
from ..replay import ReplayGuard
from . import signatures as sig


@dataclass(frozen=True)
class Delivery:
    """One verified delivery: its source, the source's event type, id and parsed body."""

    source: str
    event: str
    delivery_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    #: What to answer instead of the usual acknowledgement (Slack's challenge).
    reply: dict[str, Any] | None = None
    #: Whether the sender signed a timestamp the replay window was checked against (then an
    #: id need be remembered only for the window; see :mod:`.ledger`).
    timed: bool = False


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("the body is not JSON") from None
    if not isinstance(data, dict):
        raise BadPayload("the body is not a JSON object")
    return data


@dataclass(frozen=True)
class Source:
    """A webhook sender Tieline understands (``name`` is its path: ``/hooks/<name>``)."""

    name: str
    title: str
    #: Where the sender's docs say to put the URL and the secret (for ``tieline web secret``).
    setup: str
    verify: Callable[[str, Headers, bytes, ReplayGuard], Delivery]


def _github(secret: str, h: Headers, body: bytes, guard: ReplayGuard) -> Delivery:
    sig.verify_github(secret, body, h.get("x-hub-signature-256"))
    delivery = h.get("x-github-delivery")
    if not delivery:
        raise BadPayload("the request carries no X-GitHub-Delivery header")
    event = h.get("x-github-event") or ""
    return Delivery("github", event, delivery, _json(body))


def _gitlab(secret: str, h: Headers, body: bytes, guard: ReplayGuard) -> Delivery:
    if secret.startswith(sig.STANDARD_PREFIX):
        # A signing token (whsec_...): GitLab signs as Standard Webhooks, webhook-id being
        # the Idempotency-Key, and the timestamp is signed, so the window applies.
        delivery = h.get("webhook-id")
        signature = h.get("webhook-signature")
        ts = sig.verify_standard(secret, body, delivery, h.get("webhook-timestamp"), signature)
        guard.check_timestamp(ts)
        timed = True
    else:
        # A secret token, sent as is; Idempotency-Key (GitLab 17.4+) stays the same across
        # retries, the event UUID before it.
        sig.verify_gitlab(secret, h.get("x-gitlab-token"))
        delivery = h.get("idempotency-key") or h.get("x-gitlab-event-uuid") or None
        timed = False
    payload = _json(body)
    kind = str(payload.get("object_kind") or "")
    return Delivery("gitlab", kind, delivery, payload, timed=timed)


def _jira(secret: str, h: Headers, body: bytes, guard: ReplayGuard) -> Delivery:
    sig.verify_jira(secret, body, h.get("x-hub-signature"))
    delivery = h.get("x-atlassian-webhook-identifier") or None
    payload = _json(body)
    return Delivery("jira", str(payload.get("webhookEvent") or ""), delivery, payload)


def _slack(secret: str, h: Headers, body: bytes, guard: ReplayGuard) -> Delivery:
    ts = sig.verify_slack(
        secret, body, h.get("x-slack-request-timestamp"), h.get("x-slack-signature")
    )
    guard.check_timestamp(ts)
    ctype = h.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if "payload" in form:  # interactivity: the JSON is one form field
            inner = _json(form["payload"].encode("utf-8"))
            kind = str(inner.get("type") or "interaction")
            return Delivery("slack", kind, None, inner, timed=True)
        kind = "command" if "command" in form else "form"
        return Delivery("slack", kind, None, dict(form), timed=True)
    payload = _json(body)
    kind = str(payload.get("type") or "")
    if kind == "url_verification":
        challenge = payload.get("challenge")
        if not isinstance(challenge, str):
            raise BadPayload("a url_verification without its challenge")
        return Delivery("slack", kind, None, payload, reply={"challenge": challenge}, timed=True)
    event_id = payload.get("event_id")
    event = event_id if isinstance(event_id, str) else None
    return Delivery("slack", kind, event, payload, timed=True)


def _linear(secret: str, h: Headers, body: bytes, guard: ReplayGuard) -> Delivery:
    sig.verify_linear(secret, body, h.get("linear-signature"))
    payload = _json(body)
    stamp = payload.get("webhookTimestamp")  # milliseconds, inside the signed body
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        raise BadPayload("the delivery carries no webhookTimestamp")
    guard.check_timestamp(stamp / 1000)
    kind = ".".join(str(payload.get(k) or "") for k in ("type", "action"))
    delivery = h.get("linear-delivery") or None
    return Delivery("linear", kind, delivery, payload, timed=True)


def _standard(secret: str, h: Headers, body: bytes, guard: ReplayGuard) -> Delivery:
    msg_id = h.get("webhook-id")
    ts = sig.verify_standard(
        secret, body, msg_id, h.get("webhook-timestamp"), h.get("webhook-signature")
    )
    guard.check_timestamp(ts)
    payload = _json(body)
    return Delivery("standard", str(payload.get("type") or ""), msg_id, payload, timed=True)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "github",
            "GitHub",
            "repository or organization Settings > Webhooks: Payload URL, content type "
            "application/json, Secret",
            _github,
        ),
        Source(
            "gitlab",
            "GitLab",
            "project or group Settings > Webhooks: URL and Secret token (or paste a whsec_ "
            "signing token here instead: then the signature is checked)",
            _gitlab,
        ),
        Source(
            "jira",
            "Jira Cloud",
            "Jira admin: System > WebHooks > Create a WebHook: URL and Secret (admin "
            "webhooks only: app-registered ones are not signed)",
            _jira,
        ),
        Source(
            "slack",
            "Slack",
            "api.slack.com/apps > your app > Basic Information > Signing Secret (paste it "
            "here); Event Subscriptions > Request URL",
            _slack,
        ),
        Source(
            "linear",
            "Linear",
            "Linear Settings > API > Webhooks > New webhook: URL, the data types, and copy "
            "its signing secret here",
            _linear,
        ),
        Source(
            "standard",
            "Standard Webhooks",
            "the sender's endpoint settings: URL and a whsec_ signing secret",
            _standard,
        ),
    )
}
