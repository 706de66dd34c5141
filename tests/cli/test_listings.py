"""``prs``, ``issues`` and ``issue`` against the three-services scenario (GitHub, a Jira site,
a Linear workspace; ``tests/scenarios.py``), in a clone of github.com/octo/app: lists merged
across every service, every reference form, ``--json`` with its documented keys, the exit
codes, a second run read from the mirror, and no secret in any output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Result, base_env, clone
from tests.scenarios import GITHUB_TOKEN, JIRA_TOKEN, LINEAR_TOKEN, Services, started
from tests.standin.github import GitHubStandIn
from tests.standin.jira import JiraStandIn
from tests.standin.kit.fixtures import require_contract
from tests.standin.linear import LinearStandIn

#: The keys of an item in ``--json`` (README, "Command line"): a change here is a change of
#: the documented interface.
ITEM_KEYS = {
    "id", "service", "service_name", "host", "scope", "key", "ref", "number", "kind", "title",
    "state", "status", "status_category", "type", "priority", "sprint", "author", "assignees",
    "labels", "url", "created_at", "updated_at", "groups",
}  # fmt: skip
PR_KEYS = ITEM_KEYS | {"draft", "merged", "head", "base", "review", "approvals", "checks"}


@pytest.fixture
def services() -> Iterator[Services]:
    for cls in (GitHubStandIn, JiraStandIn, LinearStandIn):
        require_contract(cls)
    with started() as s:
        yield s
        assert not s.violations(), "requests a contract rejects:\n" + "\n".join(s.violations())


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return clone(tmp_path / "app", "https://github.com/octo/app.git")


@pytest.fixture
def env(services: Services, tieline_home: Path) -> dict[str, str]:
    return base_env(tieline_home, **services.server_env())


def no_secrets(*results: Result) -> None:
    for r in results:
        for secret in (GITHUB_TOKEN, JIRA_TOKEN, LINEAR_TOKEN):
            assert secret not in r.out and secret not in r.err


def test_prs_json_lists_my_review_requests(run: Any, app: Path, env: dict[str, str]) -> None:
    r = run(app, env, "prs", "--json")
    assert r.code == 0, r.err
    doc = r.json
    assert set(doc) == {"pull_requests", "groups", "problems"}
    assert [g["id"] for g in doc["groups"]] == ["review", "mine", "ci_failing"]
    (pr,) = doc["pull_requests"]
    assert set(pr) == PR_KEYS
    assert pr["id"] == "github:github.com:octo/app#2" and pr["groups"] == ["review"]
    assert pr["title"] == "Refactor config" and pr["kind"] == "pull_request"
    assert pr["ref"] == "octo/app#2" and pr["service_name"] == "GitHub"
    assert doc["problems"] == []
    mine = run(app, env, "prs", "--mine", "--json").json
    assert mine["pull_requests"] == [] and [g["id"] for g in mine["groups"]] == ["mine"]
    no_secrets(r)


def test_issues_merge_every_tracker(run: Any, app: Path, env: dict[str, str]) -> None:
    r = run(app, env, "issues", "--json")
    assert r.code == 0, r.err
    doc = r.json
    assigned = [i for i in doc["issues"] if "assigned" in i["groups"]]
    assert {i["service"] for i in assigned} == {"github", "jira", "linear"}
    by = {i["service"]: i for i in assigned}
    assert by["jira"]["ref"] == "PROJ-7" and by["jira"]["status"] == "In Progress"
    assert by["jira"]["status_category"] == "in_progress" and by["jira"]["sprint"] == "Sprint 31"
    assert by["linear"]["ref"] == "ENG-12" and by["github"]["ref"] == "octo/app#1"
    assert all(set(i) == ITEM_KEYS for i in doc["issues"])
    only = run(app, env, "issues", "--assigned", "--json").json
    assert [g["id"] for g in only["groups"]] == ["assigned"]

    table = run(app, env, "issues", "--assigned")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0] == "Assigned to me (3)"
    assert lines[1].split() == ["SERVICE", "REF", "TITLE", "STATUS", "PRIORITY", "UPDATED"]
    assert any("Jira" in line and "PROJ-7" in line and "In Progress" in line for line in lines)
    assert "\x1b[" not in table.out  # no colour off a terminal
    no_secrets(r, table)


@pytest.mark.parametrize(
    ("text", "ref", "title"),
    [
        ("#1", "octo/app#1", "Crash on start"),
        ("octo/app#2", "octo/app#2", "Refactor config"),
        ("https://github.com/octo/app/pull/2", "octo/app#2", "Refactor config"),
        ("PROJ-7", "PROJ-7", "Checkout times out on slow networks"),
        ("https://acme.atlassian.net/browse/PROJ-3", "PROJ-3", "Older work 3"),
        ("ENG-12", "ENG-12", "Flaky login on Safari"),
        ("linear:linear.app:ENG-12", "ENG-12", "Flaky login on Safari"),
        ("github:github.com:octo/app#1", "octo/app#1", "Crash on start"),
    ],
)
def test_issue_reads_every_reference_form(
    run: Any, app: Path, env: dict[str, str], text: str, ref: str, title: str
) -> None:
    r = run(app, env, "issue", text, "--json")
    assert r.code == 0, r.err
    item = r.json["item"]
    assert item["ref"] == ref and item["title"] == title
    assert set(item) == ITEM_KEYS | {"body", "comments"} or set(item) == PR_KEYS | {
        "body",
        "comments",
    }
    card = run(app, env, "issue", text)
    assert card.code == 0 and card.out.startswith(f"{ref}  {title}\n")
    no_secrets(r, card)


def test_issue_exit_codes(run: Any, app: Path, env: dict[str, str]) -> None:
    missing = run(app, env, "issue", "ENG-999999", "--json")
    assert missing.code == 5
    assert missing.json == {"error": {"code": 5, "message": "ENG-999999: no such item on Linear"}}
    for word in ("UTF-8", "hello"):
        bad = run(app, env, "issue", word)
        assert bad.code == 2 and "names no issue or pull request" in bad.err and not bad.out


def test_card_strips_terminal_escapes_from_service_text(
    run: Any, app: Path, env: dict[str, str], services: Services
) -> None:
    services.github.state.add_issue(
        "octo/app", "Evil \x1b]52;c;aGk=\x07title\x1b[2J", author="hubot", body="line\x1b[31m red"
    )
    card = run(app, env, "issue", "#3")
    assert card.code == 0, card.err
    assert "\x1b" not in card.out and "Evil title" in card.out and "line red" in card.out
    raw = run(app, env, "issue", "#3", "--json").json["item"]
    assert raw["title"] == "Evil \x1b]52;c;aGk=\x07title\x1b[2J"  # JSON keeps it, escaped


def test_a_second_run_reads_the_mirror_while_it_is_fresh(
    run: Any, app: Path, env: dict[str, str], services: Services
) -> None:
    first = run(app, env, "prs", "--json")
    assert first.code == 0
    searches = [q for q in services.github.log if q.path.startswith("/search/")]
    assert searches, "the first run asks GitHub"
    services.github.log.clear()
    again = run(app, env, "prs", "--json")
    assert again.json == first.json
    assert not [q for q in services.github.log if q.path.startswith("/search/")]
    stale = run(app, env, "prs", "--json", "--fresh")
    assert stale.json["pull_requests"] == first.json["pull_requests"]
    assert [q for q in services.github.log if q.path.startswith("/search/")]


def test_not_signed_in_is_exit_code_3(run: Any, app: Path, tieline_home: Path) -> None:
    r = run(app, base_env(tieline_home), "prs", "--json")
    assert r.code == 3
    assert r.json["error"]["code"] == 3
    assert "tieline auth login" in r.json["error"]["message"]
    assert "tieline auth login" in r.err


def test_a_refused_token_is_reported_beside_the_others(
    run: Any, app: Path, env: dict[str, str]
) -> None:
    """Linear refuses its key: GitHub's and Jira's issues still print, the failure is in
    ``problems`` and on stderr, and the exit code says credentials (3)."""
    r = run(app, {**env, "TIELINE_LINEAR_TOKEN": "lin_api_" + "x" * 40}, "issues", "--json")
    services = {i["service"] for i in r.json["issues"]}
    assert {"github", "jira"} <= services and "linear" not in services
    assert r.code == 3
    (problem,) = r.json["problems"]
    assert problem["service"] == "linear" and problem["auth"] is True
    assert "linear" in r.err and "x" * 40 not in r.err + r.out


def test_ci_without_any_ci_is_not_found(run: Any, app: Path, env: dict[str, str]) -> None:
    """The clone has no workflow files and its branch no check runs: nothing to show."""
    r = run(app, env, "ci", "--json")
    assert r.code == 5, r.err
    assert r.json == {"state": "none", "branches": [], "problems": []}
    table = run(app, env, "ci")
    assert table.code == 5 and table.out == "No CI reports on octo/app@feature yet.\n"


async def test_reads_what_the_running_server_synced(
    app: Path, env: dict[str, str], services: Services, tieline_home: Path
) -> None:
    """A server (driven over stdio as an editor does) syncs the workspace; ``prs`` and
    ``issues`` in a new process then answer from its mirror without asking GitHub again."""
    from tests.cli.conftest import spawn
    from tests.lsp.conftest import Env, start_client
    from tests.lsp.test_features import items, wait_synced

    client = await start_client(
        Env(root=app, github=services.github, home=tieline_home), **services.server_env()
    )
    try:
        await wait_synced(client, timeout=60)
        assert await items(client, "work", "work/review")  # the server has the lists
    finally:
        await client.shutdown_session()
    services.github.log.clear()
    prs = spawn(app, env, "prs", "--json")
    assert prs.code == 0, prs.err
    assert [p["ref"] for p in prs.json["pull_requests"]] == ["octo/app#2"]
    assert not [q for q in services.github.log if q.path.startswith("/search/")]


def test_a_subdirectory_of_the_clone_is_the_same_workspace(
    run: Any, app: Path, env: dict[str, str]
) -> None:
    sub = app / "src" / "deep"
    sub.mkdir(parents=True)
    r = run(sub, env, "issue", "#1", "--json")
    assert r.code == 0, r.err
    assert r.json["item"]["id"] == "github:github.com:octo/app#1"
