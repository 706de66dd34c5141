"""The team hub end to end, as a team runs it: signed webhooks from GitHub, GitLab and Jira
reach one of two ``tieline hub serve`` nodes sharing a database; three editors' own Tieline
servers (over stdio, each driven by a pytest-lsp client, each with its own home, vault and
store, each signed in to the three services' contract-checked stand-ins) follow the hub, two
on one node and one on the other, and their My Work panels show the change with polls an
hour apart -- the push, not a poll, brought it. A GitHub review request fills "Needs my
review"; a GitLab issue opened assigned to me, a Jira issue created assigned to me and a Jira
issue reassigned to me fill "Assigned to me": each delivery's host (GitLab's project URL,
Jira's ``issue.self`` on the configured site) picks the session to refresh. Then the node one
editor follows is stopped and restarted on the same port: the editor falls back, reconnects,
resumes from its ``Last-Event-ID`` and gets what the team received meanwhile, missing nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from pytest_lsp import LanguageClient

from server.hub.vault import open_vault
from tests.lsp.conftest import Env, env, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, wait_synced
from tests.scenarios import JIRA_EMAIL, JIRA_SITE, JIRA_TOKEN, seed_jira
from tests.standin.github import GitHubStandIn
from tests.standin.gitlab import GitLabStandIn
from tests.standin.jira import Account, JiraStandIn, StoredIssue
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract
from tests.teamhub.conftest import Cluster, HubProc, send
from tests.teamlink.conftest import until

STREAM = "/api/v1/events/stream"
VAULT = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "e2e-passphrase"}
PROJECT = "group/proj"  # on gitlab.com, the GitLab connector's default host
SEEDED = {"gitlab": "Uploads fail over 2 GB", "jira": "Checkout times out on slow networks"}


@pytest.fixture
def gitlab() -> Iterator[GitLabStandIn]:
    """GitLab with one issue assigned to me (``alice``, the account of ``tok-a``)."""
    require_contract(GitLabStandIn)
    gl = GitLabStandIn()
    gl.state.add_issue(PROJECT, SEEDED["gitlab"], assignees=[gl.state.login], author="bob")
    with serving(gl) as s:
        yield s


@pytest.fixture
def jira() -> Iterator[JiraStandIn]:
    """The Jira site of the scenarios: ``PROJ-7`` is mine, ``PROJ-1`` to ``PROJ-6`` Omar's."""
    require_contract(JiraStandIn)
    j = JiraStandIn()
    seed_jira(j)
    with serving(j) as s:
        yield s


def trackers_env(gitlab: GitLabStandIn, jira: JiraStandIn) -> dict[str, str]:
    """Sign-ins to GitLab (gitlab.com, API at the stand-in) and Jira (the scenarios' site)."""
    return {
        "TIELINE_GITLAB_TOKEN": "tok-a",
        "TIELINE_CONNECTORS__GITLAB__API_URL": f"{gitlab.url}/api/v4",
        "TIELINE_JIRA_TOKEN": JIRA_TOKEN,
        "TIELINE_JIRA_EMAIL": JIRA_EMAIL,
        "TIELINE_CONNECTORS__JIRA__SITE": JIRA_SITE,
        "TIELINE_CONNECTORS__JIRA__API_URL": jira.url,
    }


def review_requested(number: int, title: str, host: str = "github.com") -> dict[str, Any]:
    """GitHub's ``pull_request`` delivery, action ``review_requested`` (trimmed to what the
    hub's mapping reads, as GitHub's webhook payload reference shapes it)."""
    repo = {"full_name": "octo/app", "html_url": f"https://{host}/octo/app"}
    return {
        "action": "review_requested",
        "number": number,
        "pull_request": {"number": number, "title": title, "merged": False, "state": "open",
                         "html_url": f"https://{host}/octo/app/pull/{number}",
                         "user": {"login": "hubot"}},
        "requested_reviewer": {"login": "octocat"},
        "repository": repo,
        "sender": {"login": "hubot"},
    }  # fmt: skip


def issue_hook(gl: GitLabStandIn, issue: dict[str, Any]) -> dict[str, Any]:
    """GitLab's "Issue Hook" for ``issue`` of :data:`PROJECT`, just opened, as GitLab's
    webhook events reference shapes it (trimmed of fields nobody reads): ``project.web_url``
    is on the instance's host."""
    web = f"{gl.state.web}/{PROJECT}"
    ssh = f"git@{urlsplit(web).hostname}:{PROJECT}.git"
    project = gl.state.project(PROJECT)
    people = issue.get("assignees") or []
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": {"id": 2, "name": "Bob", "username": "bob", "email": "[REDACTED]"},
        "project": {"id": project.id, "name": PROJECT.rsplit("/", 1)[1], "web_url": web,
                    "git_ssh_url": ssh, "git_http_url": f"{web}.git",
                    "namespace": PROJECT.split("/")[0], "path_with_namespace": PROJECT,
                    "default_branch": "main", "homepage": web, "visibility_level": 0},
        "object_attributes": {"id": issue["id"], "iid": issue["iid"], "title": issue["title"],
                              "project_id": project.id, "author_id": 2, "state": "opened",
                              "assignee_ids": [u["id"] for u in people],
                              "created_at": issue["created_at"],
                              "updated_at": issue["updated_at"], "url": issue["web_url"],
                              "action": "open"},
        "repository": {"name": PROJECT.rsplit("/", 1)[1], "url": ssh, "homepage": web},
        "assignees": [{k: u.get(k) for k in ("id", "name", "username")} for u in people],
        "labels": [],
    }  # fmt: skip


def jira_hook(jira: JiraStandIn, event: str, issue: StoredIssue, *changes: Any) -> dict[str, Any]:
    """Jira Cloud's ``jira:issue_created`` or ``jira:issue_updated`` (with ``changes``, the
    changelog's items) for ``issue``, as a site's admin webhook sends it (trimmed):
    ``issue.self`` is the issue's REST URL on the site."""
    rest = f"{JIRA_SITE}/rest/api/2"

    def person(aid: str | None) -> dict[str, Any] | None:
        a = jira.state.accounts.get(aid or "")
        if a is None:
            return None
        return {
            "self": f"{rest}/user?accountId={a.account_id}",
            "accountId": a.account_id,
            "displayName": a.display_name,
            "active": a.active,
            "accountType": "atlassian",
        }

    out: dict[str, Any] = {
        "timestamp": int(issue.updated * 1000),
        "webhookEvent": event,
        "issue_event_type_name": "issue_created" if not changes else "issue_assigned",
        "user": person(issue.reporter),
        "issue": {"id": issue.id, "self": f"{rest}/issue/{issue.id}", "key": issue.key,
                  "fields": {"summary": issue.summary, "issuetype": {"name": issue.issuetype},
                             "project": {"key": issue.project,
                                         "self": f"{rest}/project/{issue.project}"},
                             "status": {"name": issue.status},
                             "assignee": person(issue.assignee),
                             "reporter": person(issue.reporter)}},
    }  # fmt: skip
    if changes:
        out["changelog"] = {"id": str(10000 + len(changes)), "items": list(changes)}
    return out


def reassigned(jira: JiraStandIn, issue: StoredIssue, to: Account) -> dict[str, Any]:
    """Reassign ``issue`` to ``to`` on the stand-in; the changelog item Jira sends for it."""
    was = jira.state.accounts[issue.assignee or ""]
    issue.assignee, issue.updated = to.account_id, jira.state.tick()
    return {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
            "from": was.account_id, "fromString": was.display_name,
            "to": to.account_id, "toString": to.display_name}  # fmt: skip


def keep_token(home: Path, token: str) -> None:
    """Put the hub's token in the vault of the Tieline that runs with ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    with mock.patch.dict(os.environ, {"TIELINE_HOME": str(home)}):  # where the vault lives
        open_vault(env=VAULT).set_secret("teamhub:127.0.0.1", token)


async def editor(
    env: Env, home: Path, node: HubProc, token: str, signed_in: dict[str, str]
) -> LanguageClient:
    """One person's Tieline following ``node``: its own home, the hub's token in its vault,
    signed in to GitHub and to the services ``signed_in`` configures."""
    keep_token(home, token)
    mine = Env(root=env.root, github=env.github, home=home)
    client = await start_client(
        mine,
        TIELINE_TEAM_HUB__ENABLED="true",
        TIELINE_TEAM_HUB__URL=node.url + STREAM,
        TIELINE_SYNC__POLL_INTERVAL="3600",
        **signed_in,
    )
    await wait_synced(client)
    return client


async def link(client: LanguageClient) -> dict[str, Any]:
    status = await raw_request(client, "tieline/status")
    hub = status.get("teamHub") if isinstance(status, dict) else None
    return hub or {}


async def connected(client: LanguageClient) -> dict[str, Any] | None:
    hub = await link(client)
    return hub if hub.get("state") == "connected" else None


async def reviews(client: LanguageClient) -> list[str]:
    return [str(_get(i, "label")) for i in await items(client, "work", "work/review")]


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


async def shows(client: LanguageClient, title: str) -> bool:
    return any(title in t for t in await reviews(client))


async def assigned(client: LanguageClient) -> set[tuple[str, str]]:
    """My Work's "Assigned to me", as (service, title) pairs."""
    got = await items(client, "work", "work/assigned")
    return {(str(_get(i, "service")), str(_get(i, "label"))) for i in got}


async def assigned_has(client: LanguageClient, service: str, title: str) -> bool:
    return (service, title) in await assigned(client)


async def test_a_webhook_received_once_reaches_every_editor_and_a_restart_loses_nothing(
    cluster: Cluster,
    env: Env,
    github: GitHubStandIn,
    gitlab: GitLabStandIn,
    jira: JiraStandIn,
    tmp_path: Path,
) -> None:
    a, b = cluster.start(), cluster.start()
    tokens = [await cluster.token(node, "alpha") for node in (a, a, b)]
    follows = [a, a, b]
    signed_in = trackers_env(gitlab, jira)
    clients: list[LanguageClient] = []
    try:
        for n, (node, token) in enumerate(zip(follows, tokens, strict=True)):
            clients.append(await editor(env, tmp_path / f"home{n}", node, token, signed_in))
        for c in clients:
            await until(lambda c=c: connected(c), timeout=30)
            assert not await shows(c, "Hot fix")
            # GitLab's and Jira's first syncs have read the lists: later items need a push.
            for service, title in SEEDED.items():
                await until(lambda c=c, s=service, t=title: assigned_has(c, s, t), timeout=30)

        # One delivery, to node a only: every editor, on either node, sees it.
        pr = github.state.add_pull(
            "octo/app", "Hot fix", head="hotfix", author="hubot", requested_reviewers=["octocat"]
        )
        r = await send(a, "github", review_requested(_number(pr), "Hot fix"))
        assert r.status_code == 200, r.text
        for c in clients:
            await until(lambda c=c: shows(c, "Hot fix"), timeout=30, every=0.1)
        first = {int((await link(c))["lastEventId"]) for c in clients}
        assert len(first) == 1  # the same event id on both nodes: one log

        # The same delivery again (a sender's retry or a replay), to the other node: refused.
        again = review_requested(_number(pr), "Hot fix")
        assert (await send(b, "github", again, delivery="dup-1")).status_code == 200
        assert (await send(a, "github", again, delivery="dup-1")).status_code == 409

        await trackers_push(cluster, clients, gitlab, jira)

        # Node b goes down; its editor falls back while the team receives another change.
        port = b.url.rsplit(":", 1)[1]
        assert b.terminate() == 0
        third = clients[2]
        await until(lambda: _state(third, "fallback"), timeout=30)
        pr2 = github.state.add_pull(
            "octo/app", "Second fix", head="fix2", author="hubot", requested_reviewers=["octocat"]
        )
        delivery = str(uuid.uuid4())
        r = await send(a, "github", review_requested(_number(pr2), "Second fix"), delivery=delivery)
        assert r.status_code == 200, r.text
        for c in clients[:2]:
            await until(lambda c=c: shows(c, "Second fix"), timeout=30, every=0.1)
        newest = int((await link(clients[0]))["lastEventId"])

        # Node b is back on its port: the editor resumes from its last id and catches up.
        cluster.start(TIELINE_HUB_PORT=port)
        await until(lambda: connected(third), timeout=60)
        await until(lambda: shows(third, "Second fix"), timeout=30, every=0.1)
        await until(lambda: _caught_up(third, newest), timeout=30)
    finally:
        for c in clients:
            await c.shutdown_session()


async def trackers_push(
    cluster: Cluster, clients: list[LanguageClient], gitlab: GitLabStandIn, jira: JiraStandIn
) -> None:
    """GitLab and Jira deliveries, to either node, each refresh the issues of the right
    session in every editor: the issue the service now lists as mine is in My Work."""
    a, b = cluster.nodes[:2]

    async def delivered(node: HubProc, source: str, payload: dict[str, Any], title: str) -> None:
        for c in clients:
            assert not await assigned_has(c, source, title)
        r = await send(node, source, payload)
        assert r.status_code == 200, r.text
        for c in clients:
            await until(lambda c=c: assigned_has(c, source, title), timeout=30, every=0.1)

    # GitLab: an issue opened assigned to me, on gitlab.com (the editors' GitLab session).
    me = gitlab.state.login
    opened = gitlab.state.add_issue(PROJECT, "Resumable uploads", assignees=[me], author="bob")
    await delivered(b, "gitlab", issue_hook(gitlab, opened), "Resumable uploads")

    # Jira: an issue created assigned to me, then one of Omar's reassigned to me.
    moved = jira.state.issues["PROJ-1"]
    omar = jira.state.accounts[moved.assignee or ""]
    created = jira.state.add_issue("PROJ", "Refunds double-charge", reporter=omar, assignee=jira.me)
    await delivered(a, "jira", jira_hook(jira, "jira:issue_created", created), created.summary)
    change = reassigned(jira, moved, jira.me)
    await delivered(b, "jira", jira_hook(jira, "jira:issue_updated", moved, change), moved.summary)


async def _state(client: LanguageClient, state: str) -> bool:
    return (await link(client)).get("state") == state


async def _caught_up(client: LanguageClient, newest: int) -> bool:
    return int((await link(client)).get("lastEventId") or 0) == newest


def _number(pr: Any) -> int:
    return int(pr["number"] if isinstance(pr, dict) else pr.number)


__all__ = ["env"]  # the workspace fixture, shared with the LSP suite
