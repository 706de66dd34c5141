"""The "three services" workspace every end-to-end test shares: GitHub, Jira and Linear.

A GitHub repository ``octo/app`` (the clone's remote), a Jira site ``acme.atlassian.net``
with project ``PROJ`` (``PROJ-7`` assigned to me, in progress), and a Linear workspace with
team ``ENG`` (``ENG-12`` assigned to me). Each service is its contract-checked stand-in on
127.0.0.1; :meth:`Services.server_env` is what a Tieline server needs to reach them with
environment tokens, as CI would. pytest uses :func:`started`; the VS Code and Kotlin tests
run ``python -m tests.scenarios --out FILE`` and read the URLs, tokens and environment from
the file it writes (the process serves until its stdin closes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.standin.github import GitHubStandIn
from tests.standin.jira import JiraStandIn, Sprint
from tests.standin.linear import LinearStandIn

GITHUB_TOKEN = "ghp_scenarioCANARYtoken0123456789abcdefXYZ"
JIRA_TOKEN = "ATATT3xScenarioCanaryJiraToken0123456789abcdefXYZ=AB12CD34"
JIRA_EMAIL = "mia@example.com"
JIRA_SITE = "https://acme.atlassian.net"
LINEAR_TOKEN = "lin_api_" + "s" * 40
REPO = "octo/app"


@dataclass
class Services:
    github: GitHubStandIn
    jira: JiraStandIn
    linear: LinearStandIn

    def server_env(self) -> dict[str, str]:
        """Settings and environment secrets for a server that uses all three."""
        return {
            "TIELINE_GITHUB_TOKEN": GITHUB_TOKEN,
            "TIELINE_CONNECTORS__GITHUB__API_URL": self.github.url,
            "TIELINE_JIRA_TOKEN": JIRA_TOKEN,
            "TIELINE_JIRA_EMAIL": JIRA_EMAIL,
            "TIELINE_CONNECTORS__JIRA__SITE": JIRA_SITE,
            "TIELINE_CONNECTORS__JIRA__API_URL": self.jira.url,
            "TIELINE_LINEAR_TOKEN": LINEAR_TOKEN,
            "TIELINE_CONNECTORS__LINEAR__API_URL": self.linear.url,
        }

    def violations(self) -> list[str]:
        return [*self.github.violations, *self.jira.violations, *self.linear.violations]


def seed_github(gh: GitHubStandIn) -> None:
    st = gh.state
    st.login = "octocat"
    st.tokens[GITHUB_TOKEN] = "octocat"
    st.add_issue(REPO, "Crash on start", labels=["bug"], assignees=["octocat"], author="hubot")
    st.add_pull(
        REPO, "Refactor config", head="refactor", author="hubot", requested_reviewers=["octocat"]
    )


def seed_jira(jira: JiraStandIn) -> None:
    """Project PROJ with seven issues; PROJ-7 is mine, in progress, in the running sprint."""
    s = jira.state
    jira.api_token(JIRA_EMAIL, JIRA_TOKEN)
    other = s.add_account("omar", email="omar@example.com", display="Omar Haddad")
    for n in range(1, 7):
        s.add_issue("PROJ", f"Older work {n}", reporter=other, assignee=other)
    s.add_issue(
        "PROJ",
        "Checkout times out on slow networks",
        reporter=other,
        assignee=jira.me,
        status="In Progress",
        issuetype="Bug",
        priority="High",
        sprints=[Sprint(id=31, name="Sprint 31", state="active")],
    )


def seed_linear(linear: LinearStandIn) -> None:
    """Team ENG with twelve issues; ENG-12 is Ada's (the account of LINEAR_TOKEN)."""
    people = linear.seed()
    ada, grace = people["ada"]["id"], people["grace"]["id"]
    linear.add_token(LINEAR_TOKEN, ada, "api_key")
    for n in range(1, 12):
        linear.state.add_issue("ENG", f"Backlog item {n}", creator=grace, assignee=grace)
    linear.state.add_issue(
        "ENG",
        "Flaky login on Safari",
        creator=grace,
        assignee=ada,
        state="In Progress",
        priority=2,
        description="Seen on **Safari 18**.",
    )


@contextlib.contextmanager
def started(github: GitHubStandIn | None = None, *, github_issues: int = 0) -> Iterator[Services]:
    """The three stand-ins, seeded and serving (``github`` may be a running one);
    ``github_issues`` more open issues in ``octo/app`` after the seeded ones (benchmarks)."""
    with contextlib.ExitStack() as stack:
        gh = github or stack.enter_context(GitHubStandIn())
        jira = stack.enter_context(JiraStandIn())
        linear = stack.enter_context(LinearStandIn())
        seed_github(gh)
        if github_issues:
            gh.state.seed({"bulk_issues": [{"repo": REPO, "count": github_issues}]})
        seed_jira(jira)
        seed_linear(linear)
        yield Services(gh, jira, linear)


def describe(s: Services) -> dict[str, Any]:
    return {
        "env": s.server_env(),
        "urls": {"github": s.github.url, "jira": s.jira.url, "linear": s.linear.url},
        "tokens": {"github": GITHUB_TOKEN, "jira": JIRA_TOKEN, "linear": LINEAR_TOKEN},
        "jira": {"site": JIRA_SITE, "email": JIRA_EMAIL, "key": "PROJ-7"},
        "linear": {"key": "ENG-12"},
        "repo": REPO,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve the three-services scenario.")
    ap.add_argument("--out", type=Path, required=True, help="write URLs and env here (JSON)")
    ap.add_argument(
        "--github-issues", type=int, default=0, help="this many more open issues in octo/app"
    )
    args = ap.parse_args(argv)
    with started(github_issues=args.github_issues) as services:
        args.out.write_text(json.dumps(describe(services), indent=2), encoding="utf-8")
        print(f"scenario ready: {args.out}", flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin (or dies)
        for v in services.violations():
            print("contract violation:", v, flush=True)
        return 1 if services.violations() else 0


if __name__ == "__main__":
    raise SystemExit(main())
