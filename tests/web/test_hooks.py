"""Webhook deliveries over real HTTP: verified by their signature, refused when replayed
or stale, and their events published on the hub's bus.

Payloads are trimmed to the fields the mapping reads, shaped as each sender documents
them (GitHub's webhook events and payloads reference, GitLab's webhook events, Jira Cloud's
webhook payloads, Slack's Events API, the Standard Webhooks specification).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import standardwebhooks

from server.hub.events import Event, EventKind
from server.web.hooks import signatures as sig
from tests.web.conftest import Served
from tests.web.test_signatures import GITHUB_BODY, GITHUB_SECRET, GITHUB_SIGNATURE

SECRET = "a-long-shared-secret-for-the-tests"
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def until(condition: Callable[[], bool]) -> None:
    """Wait for the bus's background delivery (published after the 2xx went out)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never held")


async def settle() -> None:
    """Let any background publication run, for tests asserting that nothing arrived."""
    for _ in range(5):
        await asyncio.sleep(0)


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


# -- GitHub ----------------------------------------------------------------------------------
REPO = {"full_name": "octo/app", "html_url": "https://github.com/octo/app"}


async def github(
    served: Served,
    http: httpx.AsyncClient,
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    secret: str = SECRET,
) -> httpx.Response:
    body = body_of(payload)
    return await http.post(
        served.url + "/hooks/github",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sig.sign_github(secret, body),
        },
    )


async def test_github_pull_request_opened_reaches_the_bus(
    served: Served, http: httpx.AsyncClient
) -> None:
    served.secrets.set_hook_secret("github", SECRET)
    pr = {
        "number": 7,
        "title": "Add the web face",
        "html_url": "https://github.com/octo/app/pull/7",
        "user": {"login": "mona"},
        "merged": False,
    }
    payload = {
        "action": "opened",
        "pull_request": pr,
        "repository": REPO,
        "sender": {"login": "mona"},
    }
    r = await github(served, http, "pull_request", payload, delivery="d-opened")
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": True, "events": ["pull_request.opened"]}
    await until(lambda: len(served.events) == 1)
    e = served.events[0]
    assert (e.kind, e.connector, e.account, e.subject) == (
        EventKind.PULL_REQUEST_OPENED, "github", "", "octo/app#7",
    )  # fmt: skip
    assert e.payload["title"] == "Add the web face"
    assert e.payload["url"] == "https://github.com/octo/app/pull/7"
    assert e.payload["via"] == "webhook"
    assert e.payload["delivery"] == "d-opened"
    assert e.payload["host"] == "github.com"
    await until(lambda: served.hub.refreshes == 1)  # a push asks for a sync

    # The same delivery again: refused, and nothing more is published.
    r = await github(served, http, "pull_request", payload, delivery="d-opened")
    assert r.status_code == 409
    await settle()
    assert len(served.events) == 1


async def test_github_actions_map_to_domain_kinds(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("github", SECRET)
    pr = {"number": 3, "title": "t", "html_url": "u", "merged": True}
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        ("pull_request", {"action": "closed", "pull_request": pr}, "pull_request.merged", "#3"),
        (
            "pull_request",
            {"action": "closed", "pull_request": {**pr, "merged": False}},
            "pull_request.closed",
            "#3",
        ),
        (
            "pull_request",
            {
                "action": "review_requested",
                "pull_request": pr,
                "requested_reviewer": {"login": "hubot"},
            },
            "pull_request.review_requested",
            "#3",
        ),
        (
            "issues",
            {"action": "opened", "issue": {"number": 9, "title": "bug"}},
            "issue.opened",
            "#9",
        ),
        (
            "issues",
            {"action": "assigned", "issue": {"number": 9}, "assignee": {"login": "mona"}},
            "issue.assigned",
            "#9",
        ),
        (
            "check_suite",
            {
                "action": "completed",
                "check_suite": {
                    "conclusion": "failure",
                    "head_branch": "main",
                    "pull_requests": [],
                },
            },
            "check_suite.failed",
            "@main",
        ),
        (
            "check_suite",
            {
                "action": "completed",
                "check_suite": {
                    "conclusion": "success",
                    "head_branch": "feature",
                    "pull_requests": [{"number": 3}],
                },
            },
            "check_suite.succeeded",
            "#3",
        ),
        (
            "workflow_run",
            {
                "action": "completed",
                "workflow_run": {
                    "conclusion": "failure",
                    "head_branch": "main",
                    "name": "CI",
                    "run_number": 41,
                    "html_url": "https://github.com/octo/app/actions/runs/1",
                },
            },
            "ci.failed",
            "@main",
        ),
        ("star", {"action": "created"}, "github.star.created", ""),
        ("push", {"ref": "refs/heads/main"}, "github.push", ""),
    ]
    for i, (event, payload, kind, suffix) in enumerate(cases):
        r = await github(served, http, event, {**payload, "repository": REPO})
        assert r.status_code == 200, (event, r.text)
        assert r.json()["events"] == [kind], event
        await until(lambda n=i: len(served.events) == n + 1)
        got = served.events[-1]
        assert got.kind == kind
        assert got.subject == "octo/app" + suffix, (event, got.subject)
    by_kind = {e.kind: e for e in served.events}
    assert by_kind["pull_request.review_requested"].payload["requested_reviewer"] == "hubot"
    run = by_kind["ci.failed"].payload
    assert (run["title"], run["branch"], run["conclusion"]) == ("CI #41", "main", "failure")


async def test_github_ping_is_accepted_and_publishes_nothing(
    served: Served, http: httpx.AsyncClient
) -> None:
    served.secrets.set_hook_secret("github", SECRET)
    r = await github(served, http, "ping", {"zen": "Keep it logically awesome.", "hook_id": 1})
    assert r.status_code == 200
    assert r.json() == {"accepted": True, "events": []}
    await settle()
    assert served.events == []
    assert served.hub.refreshes == 0


async def test_github_docs_example_over_http(served: Served, http: httpx.AsyncClient) -> None:
    """GitHub's documented signature passes the route's check; its body is no JSON event,
    so it is then refused as a payload (400), not as a signature (401)."""
    served.secrets.set_hook_secret("github", GITHUB_SECRET)
    headers = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "docs-example"}
    r = await http.post(
        served.url + "/hooks/github",
        content=GITHUB_BODY,
        headers={**headers, "X-Hub-Signature-256": GITHUB_SIGNATURE},
    )
    assert (r.status_code, r.text) == (400, "the body is not JSON\n")
    r = await http.post(
        served.url + "/hooks/github",
        content=b"Hello, World?",
        headers={**headers, "X-Hub-Signature-256": GITHUB_SIGNATURE},
    )
    assert r.status_code == 401


async def test_github_refusals(served: Served, http: httpx.AsyncClient) -> None:
    payload = {"action": "opened", "issue": {"number": 1}, "repository": REPO}
    r = await github(served, http, "issues", payload)
    assert r.status_code == 404  # no secret kept: nothing is listening here
    served.secrets.set_hook_secret("github", SECRET)
    r = await github(served, http, "issues", payload, secret="not the secret")
    assert r.status_code == 401
    assert SECRET not in r.text
    body = body_of(payload)
    r = await http.post(
        served.url + "/hooks/github", content=body, headers={"X-GitHub-Event": "issues"}
    )
    assert r.status_code == 401
    r = await http.post(
        served.url + "/hooks/github",
        content=body,
        headers={"X-GitHub-Event": "issues", "X-Hub-Signature-256": sig.sign_github(SECRET, body)},
    )
    assert r.status_code == 400  # signed, but without the delivery id that dedupes it
    # A failed attempt does not burn the id: the genuine delivery still gets in.
    r = await github(served, http, "issues", payload, delivery="d-x", secret="forged")
    assert r.status_code == 401
    r = await github(served, http, "issues", payload, delivery="d-x")
    assert r.status_code == 200
    r = await http.post(served.url + "/hooks/nosuch", content=b"{}")
    assert r.status_code == 404
    await until(lambda: len(served.events) == 1)


@pytest.mark.parametrize("web_settings", [{"max_body_kb": 1}])
async def test_a_body_over_the_limit_is_refused(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("github", SECRET)
    payload = {"action": "opened", "issue": {"number": 1, "title": "x" * 2000}, "repository": REPO}
    r = await github(served, http, "issues", payload)
    assert r.status_code == 413


@pytest.mark.parametrize("web_settings", [{"refresh_on_hook": False}])
async def test_no_sync_asked_when_switched_off(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("github", SECRET)
    payload = {"action": "opened", "issue": {"number": 1}, "repository": REPO}
    assert (await github(served, http, "issues", payload)).status_code == 200
    await until(lambda: len(served.events) == 1)
    await settle()
    assert served.hub.refreshes == 0


# -- GitLab ----------------------------------------------------------------------------------
PROJECT = {
    "path_with_namespace": "group/sub/app",
    "web_url": "https://gitlab.example.com/group/sub/app",
}


async def gitlab(
    served: Served, http: httpx.AsyncClient, payload: dict[str, Any], *, token: str = SECRET,
    key: str | None = None,
) -> httpx.Response:  # fmt: skip
    headers = {"X-Gitlab-Event": "System Hook", "X-Gitlab-Token": token}
    if key:
        headers["Idempotency-Key"] = key
    return await http.post(served.url + "/hooks/gitlab", content=body_of(payload), headers=headers)


async def test_gitlab_deliveries(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("gitlab", SECRET)
    mr = {
        "object_kind": "merge_request",
        "project": PROJECT,
        "user": {"username": "root"},
        "object_attributes": {"iid": 3, "action": "open", "title": "MR", "url": "https://x/3"},
    }
    r = await gitlab(served, http, mr, key="k-1")
    assert r.status_code == 200 and r.json()["events"] == ["pull_request.opened"]
    await until(lambda: len(served.events) == 1)
    e = served.events[0]
    assert (e.connector, e.subject, e.payload["host"]) == (
        "gitlab", "group/sub/app!3", "gitlab.example.com",
    )  # fmt: skip
    assert (await gitlab(served, http, mr, key="k-1")).status_code == 409
    assert (await gitlab(served, http, mr, token="wrong")).status_code == 401
    assert (await gitlab(served, http, mr, token="")).status_code == 401

    reviewers = {
        **mr,
        "object_attributes": {**mr["object_attributes"], "action": "update"},
        "changes": {
            "reviewers": {
                "previous": [{"username": "a"}],
                "current": [{"username": "a"}, {"username": "b"}],
            }
        },
    }
    r = await gitlab(served, http, reviewers)
    assert r.json()["events"] == ["pull_request.review_requested"]
    pipeline = {
        "object_kind": "pipeline",
        "project": PROJECT,
        "object_attributes": {"id": 99, "iid": 12, "status": "failed", "ref": "main"},
    }
    r = await gitlab(served, http, pipeline)
    assert r.json()["events"] == ["ci.failed"]
    issue = {
        "object_kind": "issue",
        "project": PROJECT,
        "object_attributes": {"iid": 5, "action": "close"},
    }
    r = await gitlab(served, http, issue)
    assert r.json()["events"] == ["issue.closed"]
    push = {"object_kind": "push", "project": PROJECT}
    r = await gitlab(served, http, push)
    assert r.json()["events"] == ["gitlab.push"]
    await until(lambda: len(served.events) == 5)
    subjects = [e.subject for e in served.events]
    app = "group/sub/app"
    assert subjects == [f"{app}!3", f"{app}!3", f"{app}@main", f"{app}#5", app]
    assert served.events[1].payload["requested_reviewer"] == "b"


async def test_gitlab_with_a_signing_token(served: Served, http: httpx.AsyncClient) -> None:
    """GitLab's signing token (whsec_...) signs as Standard Webhooks, webhook-id being the
    Idempotency-Key; the plain X-Gitlab-Token is then not what counts."""
    served.secrets.set_hook_secret("gitlab", SW_SECRET)
    attrs = {"iid": 1, "action": "open"}
    payload = {"object_kind": "issue", "project": PROJECT, "object_attributes": attrs}
    body = json.dumps(payload)
    headers = {**standard_headers("idem-1", body), "X-Gitlab-Event": "Issue Hook"}
    r = await http.post(served.url + "/hooks/gitlab", content=body, headers=headers)
    assert r.status_code == 200 and r.json()["events"] == ["issue.opened"]
    r = await http.post(served.url + "/hooks/gitlab", content=body, headers=headers)
    assert r.status_code == 409
    r = await http.post(
        served.url + "/hooks/gitlab", content=body, headers={"X-Gitlab-Token": SW_SECRET}
    )
    assert r.status_code == 401
    old = {**standard_headers("idem-2", body, when=time.time() - 600)}
    r = await http.post(served.url + "/hooks/gitlab", content=body, headers=old)
    assert r.status_code == 401


# -- Jira ------------------------------------------------------------------------------------
async def jira(
    served: Served, http: httpx.AsyncClient, payload: dict[str, Any], *, ident: str | None = None
) -> httpx.Response:
    body = body_of(payload)
    headers = {"X-Hub-Signature": sig.sign_jira(SECRET, body)}
    if ident:
        headers["X-Atlassian-Webhook-Identifier"] = ident
    return await http.post(served.url + "/hooks/jira", content=body, headers=headers)


async def test_jira_deliveries(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("jira", SECRET)
    issue = {
        "key": "PROJ-7",
        "self": "https://example.atlassian.net/rest/api/3/issue/10007",
        "fields": {"summary": "Push, not poll"},
    }
    r = await jira(
        served, http, {"webhookEvent": "jira:issue_created", "issue": issue}, ident="j-1"
    )
    assert r.status_code == 200 and r.json()["events"] == ["issue.opened"]
    await until(lambda: len(served.events) == 1)
    e = served.events[0]
    assert (e.subject, e.payload["url"], e.payload["title"]) == (
        "PROJ-7", "https://example.atlassian.net/browse/PROJ-7", "Push, not poll",
    )  # fmt: skip
    r = await jira(
        served, http, {"webhookEvent": "jira:issue_created", "issue": issue}, ident="j-1"
    )
    assert r.status_code == 409
    updated = {
        "webhookEvent": "jira:issue_updated",
        "issue": issue,
        "changelog": {"items": [{"field": "assignee", "to": "557058:abc", "toString": "Mona"}]},
    }
    assert (await jira(served, http, updated)).json()["events"] == ["issue.assigned"]
    plain = {**updated, "changelog": {"items": [{"field": "summary", "to": None}]}}
    assert (await jira(served, http, plain)).json()["events"] == ["issue.updated"]
    other = {"webhookEvent": "jira:issue_deleted", "issue": issue}
    assert (await jira(served, http, other)).json()["events"] == ["jira.issue_deleted"]
    forged = body_of({"webhookEvent": "jira:issue_created", "issue": issue})
    r = await http.post(
        served.url + "/hooks/jira",
        content=forged,
        headers={"X-Hub-Signature": sig.sign_jira("guess", forged)},
    )
    assert r.status_code == 401


# -- Linear ----------------------------------------------------------------------------------
# Linear publishes no contract for its webhooks: these follow the documented shapes
# (linear.app/developers/webhooks: the Linear-Signature, Linear-Delivery and Linear-Event
# headers; a body of action, type, data, url, updatedFrom, webhookTimestamp in ms).
LINEAR_ISSUE = {
    "id": "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9",
    "identifier": "ENG-12",
    "title": "Push, not poll",
    "team": {"id": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "key": "ENG", "name": "Engineering"},
    "state": {"id": "s-todo", "name": "Todo", "type": "unstarted"},
    "assigneeId": None,
}


def linear_payload(action: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "type": extra.pop("type", "Issue"),
        "actor": {"id": "u-1", "name": "Mona", "type": "user"},
        "createdAt": "2026-12-03T10:00:00.000Z",
        "data": data,
        "url": "https://linear.app/octo/issue/ENG-12/push-not-poll",
        "organizationId": "o-1",
        "webhookTimestamp": extra.pop("ms", int(time.time() * 1000)),
        "webhookId": "w-1",
        **extra,
    }


async def linear(
    served: Served,
    http: httpx.AsyncClient,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    secret: str = SECRET,
) -> httpx.Response:
    body = body_of(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Linear-Event": str(payload["type"]),
        "Linear-Delivery": delivery or str(uuid.uuid4()),
        "Linear-Signature": sig.sign_linear(secret, body),
    }
    return await http.post(served.url + "/hooks/linear", content=body, headers=headers)


async def test_linear_deliveries(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("linear", SECRET)
    created = linear_payload("create", LINEAR_ISSUE)
    r = await linear(served, http, created, delivery="d-1")
    assert r.status_code == 200 and r.json()["events"] == ["issue.opened"]
    await until(lambda: len(served.events) == 1)
    e = served.events[0]
    assert (e.connector, e.subject, e.payload["scope"], e.payload["title"]) == (
        "linear", "ENG-12", "ENG", "Push, not poll",
    )  # fmt: skip
    assert e.payload["via"] == "webhook" and e.payload["host"] == "linear.app"
    assert (await linear(served, http, created, delivery="d-1")).status_code == 409

    done = {**LINEAR_ISSUE, "state": {"id": "s-done", "name": "Done", "type": "completed"}}
    closed = linear_payload("update", done, updatedFrom={"stateId": "s-todo", "completedAt": None})
    assert (await linear(served, http, closed)).json()["events"] == ["issue.closed"]
    reopened = linear_payload(
        "update", LINEAR_ISSUE, updatedFrom={"stateId": "s-done", "completedAt": "2026-12-01"}
    )
    assert (await linear(served, http, reopened)).json()["events"] == ["issue.reopened"]
    mine = {**LINEAR_ISSUE, "assigneeId": "u-2", "assignee": {"id": "u-2", "name": "Hubot"}}
    assigned = linear_payload("update", mine, updatedFrom={"assigneeId": None})
    assert (await linear(served, http, assigned)).json()["events"] == ["issue.assigned"]
    retitled = linear_payload("update", LINEAR_ISSUE, updatedFrom={"title": "Poll"})
    assert (await linear(served, http, retitled)).json()["events"] == ["issue.updated"]
    comment = linear_payload(
        "create",
        {"id": "c-1", "body": "On it", "issueId": LINEAR_ISSUE["id"], "issue": LINEAR_ISSUE},
        type="Comment",
    )
    assert (await linear(served, http, comment)).json()["events"] == ["issue.commented"]
    project = linear_payload("create", {"id": "p-1", "name": "Hub"}, type="Project")
    assert (await linear(served, http, project)).json()["events"] == ["linear.project.create"]

    stale = linear_payload("create", LINEAR_ISSUE, ms=int((time.time() - 3600) * 1000))
    assert (await linear(served, http, stale)).status_code == 401
    forged = await linear(served, http, linear_payload("create", LINEAR_ISSUE), secret="guess")
    assert forged.status_code == 401
    untimed = {k: v for k, v in created.items() if k != "webhookTimestamp"}
    assert (await linear(served, http, untimed)).status_code == 400


# -- Slack -----------------------------------------------------------------------------------
async def slack(
    served: Served,
    http: httpx.AsyncClient,
    payload: dict[str, Any],
    *,
    ts: int | None = None,
    secret: str = SECRET,
) -> httpx.Response:
    body = body_of(payload)
    stamp = str(int(time.time()) if ts is None else ts)
    return await http.post(
        served.url + "/hooks/slack",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sig.sign_slack(secret, stamp, body),
        },
    )


async def test_slack_url_verification_answers_the_challenge(
    served: Served, http: httpx.AsyncClient
) -> None:
    served.secrets.set_hook_secret("slack", SECRET)
    challenge = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    r = await slack(served, http, challenge)
    assert r.status_code == 200
    assert r.json() == {"challenge": challenge["challenge"]}
    assert (await slack(served, http, challenge, secret="other")).status_code == 401
    await settle()
    assert served.events == []


async def test_slack_events(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("slack", SECRET)
    mention = {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev1",
        "event": {
            "type": "app_mention",
            "user": "U1",
            "text": "<@U0> look",
            "channel": "C1",
            "ts": "1.2",
        },
    }
    r = await slack(served, http, mention)
    assert r.status_code == 200 and r.json()["events"] == ["message.mentioned"]
    assert (await slack(served, http, mention)).status_code == 409  # Slack's event_id again
    message = {**mention, "event_id": "Ev2", "event": {**mention["event"], "type": "message"}}
    assert (await slack(served, http, message)).json()["events"] == ["message.received"]
    reaction = {**mention, "event_id": "Ev3", "event": {"type": "reaction_added"}}
    assert (await slack(served, http, reaction)).json()["events"] == ["slack.reaction_added"]
    await until(lambda: len(served.events) == 3)
    assert served.events[0].subject == "C1"
    assert served.events[0].payload["text"] == "<@U0> look"


@pytest.mark.parametrize("web_settings", [{"replay_window": 60}])
async def test_slack_old_timestamps_are_refused(served: Served, http: httpx.AsyncClient) -> None:
    served.secrets.set_hook_secret("slack", SECRET)
    now = int(time.time())
    payload = {"type": "event_callback", "event": {"type": "app_mention"}}
    assert (await slack(served, http, payload, ts=now - 120)).status_code == 401
    assert (await slack(served, http, payload, ts=now + 120)).status_code == 401
    assert (await slack(served, http, payload, ts=now - 30)).status_code == 200


# -- Standard Webhooks -----------------------------------------------------------------------
def standard_headers(msg_id: str, body: str, when: float | None = None) -> dict[str, str]:
    at = datetime.fromtimestamp(int(time.time() if when is None else when), tz=UTC)
    signature = standardwebhooks.Webhook(SW_SECRET).sign(msg_id, at, body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def test_standard_webhooks_signed_by_the_reference_library(
    served: Served, http: httpx.AsyncClient
) -> None:
    served.secrets.set_hook_secret("standard", SW_SECRET)
    body = json.dumps(
        {
            "type": "build.finished",
            "timestamp": "2026-12-03T12:00:00Z",
            "data": {"subject": "app@main", "title": "green"},
        }
    )
    r = await http.post(
        served.url + "/hooks/standard", content=body, headers=standard_headers("msg_1", body)
    )
    assert r.status_code == 200, r.text
    assert r.json()["events"] == ["standard.build.finished"]
    await until(lambda: len(served.events) == 1)
    e: Event = served.events[0]
    assert (e.connector, e.subject, e.payload["delivery"]) == ("standard", "app@main", "msg_1")
    assert e.payload["data"] == {"subject": "app@main", "title": "green"}

    # A retry keeps the id with a fresh timestamp and signature: refused within the window.
    r = await http.post(
        served.url + "/hooks/standard", content=body, headers=standard_headers("msg_1", body)
    )
    assert r.status_code == 409
    # Old, ahead, altered, re-signed with another key, or carrying only wrong signatures.
    old = standard_headers("msg_2", body, when=time.time() - 301)
    assert (
        await http.post(served.url + "/hooks/standard", content=body, headers=old)
    ).status_code == 401
    ahead = standard_headers("msg_3", body, when=time.time() + 301)
    assert (
        await http.post(served.url + "/hooks/standard", content=body, headers=ahead)
    ).status_code == 401
    fresh = standard_headers("msg_4", body)
    altered = body.replace("green", "red")
    assert (
        await http.post(served.url + "/hooks/standard", content=altered, headers=fresh)
    ).status_code == 401
    other_key = standardwebhooks.Webhook("whsec_" + "QUJD" * 8)
    at = datetime.fromtimestamp(int(time.time()), tz=UTC)
    wrong = {**fresh, "webhook-signature": other_key.sign("msg_4", at, body)}
    assert (
        await http.post(served.url + "/hooks/standard", content=body, headers=wrong)
    ).status_code == 401
    extra = {
        **fresh,
        "webhook-signature": f"{wrong['webhook-signature']} v1,bm9wZQ== "
        f"v2,{fresh['webhook-signature'][3:]}",
    }
    assert (
        await http.post(served.url + "/hooks/standard", content=body, headers=extra)
    ).status_code == 401
    # The fresh one, unaltered, with the bogus entries beside its real signature: accepted.
    both = {**fresh, "webhook-signature": f"v1,bm9wZQ== {fresh['webhook-signature']}"}
    assert (
        await http.post(served.url + "/hooks/standard", content=body, headers=both)
    ).status_code == 200
    await until(lambda: len(served.events) == 2)


async def test_a_mapping_that_breaks_on_an_odd_payload_still_acknowledges(
    served: Served, http: httpx.AsyncClient
) -> None:
    """Fields of unexpected types are read as absent; the sender still gets its 2xx."""
    served.secrets.set_hook_secret("github", SECRET)
    odd = {"action": ["opened"], "pull_request": "not an object", "repository": 7}
    r = await github(served, http, "pull_request", odd)
    assert r.status_code == 200
    await until(lambda: len(served.events) == 1)


async def test_no_secret_reaches_the_log(
    served: Served, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    served.secrets.set_hook_secret("gitlab", SECRET)
    served.secrets.set_hook_secret("github", SECRET)
    payload = {"object_kind": "push", "project": PROJECT}
    await gitlab(served, http, payload, token=SECRET + "-but-longer")
    await gitlab(served, http, payload, token=SECRET[:-1])
    await gitlab(served, http, payload)
    await github(served, http, "issues", {"action": "opened", "issue": {"number": 1}})
    await github(served, http, "issues", {"action": "opened"}, secret=SECRET[::-1])
    await http.get(served.url + "/healthz", headers=served.auth())
    await http.get(served.url + "/healthz", headers={"Authorization": f"Bearer {SECRET}"})
    await until(lambda: len(served.events) == 2)
    assert "refused" in caplog.text and "webhook from gitlab" in caplog.text
    for secret in (SECRET, SECRET[:-1], served.token, sig.sign_github(SECRET, b"{}")[7:]):
        assert secret not in caplog.text
