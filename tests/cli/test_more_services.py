"""``prs``, ``issues`` and ``issue`` across the other code hosts and trackers: a clone with a
GitLab remote and a Bitbucket one, beside a Trello and an Asana account, each service's
contract-checked stand-in signed in through the environment. Merge requests and Bitbucket
pull requests share one list; GitLab, Bitbucket, Trello and Asana items share another."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest

from tests.bitbucket.conftest import API_TOKEN, EMAIL
from tests.cli.conftest import base_env, clone
from tests.standin.asana import AsanaStandIn
from tests.standin.bitbucket import BitbucketStandIn
from tests.standin.gitlab import GitLabStandIn
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract
from tests.standin.trello import TrelloStandIn

PATH = "group/sub/project"


@dataclass
class World:
    root: Path
    env: dict[str, str]
    card_url: str
    task_url: str


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    from tests.asana.helpers import CANARY as ASANA_TOKEN
    from tests.asana.helpers import seed as seed_asana
    from tests.trello.helpers import CANARY as TRELLO_TOKEN
    from tests.trello.helpers import KEY as TRELLO_KEY
    from tests.trello.helpers import seed as seed_trello

    for cls in (GitLabStandIn, BitbucketStandIn, TrelloStandIn, AsanaStandIn):
        require_contract(cls)
    with contextlib.ExitStack() as stack:
        gl = stack.enter_context(serving(GitLabStandIn()))
        st, me = gl.state, gl.state.login
        st.add_issue(PATH, "GitLab: uploads fail", assignees=[me], author="bob")
        st.add_mr(PATH, "GitLab: review me", source_branch="rv", author="bob", reviewers=[me])
        st.add_mr(PATH, "GitLab: my change", source_branch="mine", author=me, sha="d" * 40)

        bb = stack.enter_context(serving(BitbucketStandIn()))
        bb.add_token(API_TOKEN, "ada", "basic")
        bst = bb.state
        bst.add_issue("acme/app", "Bitbucket: broken link", assignee="ada", reporter="bob")
        bst.add_pr("acme/app", "Bitbucket: review me", source="rv", author="bob",
                   reviewers=("ada",))  # fmt: skip
        bst.add_pr("acme/app", "Bitbucket: my change", source="mine", author="ada", sha="e" * 40)

        trello = stack.enter_context(serving(TrelloStandIn()))
        t = seed_trello(trello)
        card = t.state.add_card(t.board, "Trello: fix the login", creator=t.bob, members=(t.ada,))

        asana = stack.enter_context(serving(AsanaStandIn()))
        a = seed_asana(asana)
        task = a.state.add_task(a.project, "Asana: rotate the keys", creator=a.bob, assignee=a.ada)

        root = clone(tmp_path / "app", f"git@gitlab.com:{PATH}.git")
        git.Repo(root).create_remote("bb", "https://bitbucket.org/acme/app.git")
        env = base_env(
            tieline_home,
            TIELINE_GITLAB_TOKEN="tok-a",
            TIELINE_CONNECTORS__GITLAB__API_URL=f"{gl.url}/api/v4",
            TIELINE_BITBUCKET_TOKEN=API_TOKEN,
            TIELINE_BITBUCKET_USERNAME=EMAIL,
            TIELINE_CONNECTORS__BITBUCKET__API_URL=f"{bb.url}/2.0",
            TIELINE_TRELLO_TOKEN=TRELLO_TOKEN,
            TIELINE_TRELLO_KEY=TRELLO_KEY,
            TIELINE_CONNECTORS__TRELLO__API_URL=f"{trello.url}/1",
            TIELINE_ASANA_TOKEN=ASANA_TOKEN,
            TIELINE_CONNECTORS__ASANA__API_URL=f"{asana.url}/api/1.0",
        )
        yield World(root, env, card["url"], task["permalink_url"])


def test_prs_merge_gitlab_and_bitbucket(run: Any, world: World) -> None:
    r = run(world.root, world.env, "prs", "--json")
    assert r.code == 0, r.err
    by_title = {p["title"]: p for p in r.json["pull_requests"]}
    assert by_title["GitLab: review me"]["groups"] == ["review"]
    assert by_title["GitLab: review me"]["ref"].startswith(f"{PATH}!")
    assert by_title["Bitbucket: review me"]["groups"] == ["review"]
    assert by_title["Bitbucket: review me"]["ref"].startswith("acme/app#")
    assert "mine" in by_title["GitLab: my change"]["groups"]
    assert "mine" in by_title["Bitbucket: my change"]["groups"]
    assert {p["service"] for p in r.json["pull_requests"]} == {"gitlab", "bitbucket"}


def test_issues_merge_four_trackers(run: Any, world: World) -> None:
    r = run(world.root, world.env, "issues", "--assigned", "--json")
    assert r.code == 0, r.err
    got = {i["service"]: i["title"] for i in r.json["issues"]}
    assert got == {
        "gitlab": "GitLab: uploads fail",
        "bitbucket": "Bitbucket: broken link",
        "trello": "Trello: fix the login",
        "asana": "Asana: rotate the keys",
    }
    table = run(world.root, world.env, "issues", "--assigned")
    assert table.code == 0 and table.out.startswith("Assigned to me (4)\n")
    for name in ("GitLab", "Bitbucket", "Trello", "Asana"):
        assert f"{name}: " in table.out


@pytest.mark.parametrize(
    ("which", "title"),
    [("card_url", "Trello: fix the login"), ("task_url", "Asana: rotate the keys")],
)
def test_issue_by_a_pasted_link(run: Any, world: World, which: str, title: str) -> None:
    r = run(world.root, world.env, "issue", getattr(world, which), "--json")
    assert r.code == 0, r.err
    assert r.json["item"]["title"] == title


def test_issue_by_a_merge_request_reference(run: Any, world: World) -> None:
    r = run(world.root, world.env, "issue", f"{PATH}!1", "--json")
    assert r.code == 0, r.err
    assert r.json["item"]["title"] == "GitLab: review me"
    assert r.json["item"]["kind"] == "pull_request"
