"""The capability contract suite's subjects: every connector that declares a capability,
wired through the hub's real HTTP stack to its contract-checked stand-in and seeded with the
same story -- an issue assigned to me, one mentioning me, one I created, and more open
issues in one scope than fit on a page; for code hosts a pull/merge request asking for my
review, one of mine, and a failing check on my branch.

For CI (``Pipelines``, ``PipelineControl``) the story is a repository whose branch has a
finished pipeline with a failed job (whose log has a known line) and a running pipeline
whose job writes more log and finishes when the test says (``Subject.ci``); a connector
with ``PipelineControl`` also has a hand-started pipeline with one required input (an input
the service fills by itself when not given, where it has no required ones: Jenkins).

A CI-only service (Jenkins, CircleCI: no issues, no code) is a subject with a CI story and
nothing else: it leaves ``scope`` empty, and ``subjects()`` offers it only to the capabilities
its manifest declares, so the IssueTracker and CodeHost tests never see it (their fixtures
refuse a subject without what they need, rather than testing it on nothing).

Adding a connector to the suite is adding one ``_<id>`` builder here (another setup of the
same service, ``<id>:<variant>``: a Jenkins multibranch project, a CircleCI GitLab project);
the tests themselves (``test_issue_tracker.py``, ``test_code_host.py``, ``test_pipelines.py``)
name no service.

The chat, mail and meeting suites keep their subjects apart (``chat_subjects.py``,
``mail_subjects.py``, ``test_meetings.py``): their stories share nothing with a tracker's.
They are parametrised over :func:`declaring`, every connector whose manifest names the
capability, so one without a builder fails them instead of going untested.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from connectors.sdk.models import RepoRef
from server.hub.http import HubClient
from tests.standin.kit import StandIn, serving
from tests.standin.kit.fixtures import require_contract

#: More open issues in the subject's scope than any connector's page holds (Jira 50, Linear
#: 25, Trello 50, GitHub and GitLab 100): the open list must page.
MANY = 105
ASSIGNED, MENTIONED, CREATED = "Assigned to me", "Mentioning me", "Created by me"


@dataclass
class Subject:
    """One connector as the suite drives it."""

    name: str
    connector: Any
    http: HubClient
    #: Where the open list pages and new issues go (a repository, a project, a team); empty
    #: for a CI-only subject.
    scope: str = ""
    #: Titles of the open issues in ``scope``.
    open_titles: set[str] = field(default_factory=set)
    #: A branch with one failing check, and the titles of requests by/for me (code hosts).
    branch: str | None = None
    review_title: str | None = None
    mine_title: str | None = None
    #: Can the service list what mentions me? (Asana's API has no mentions.)
    mentions: bool = True

    ci: CIStory | None = None
    #: The stand-in the connector talks to (its faults, log and budgets).
    standin: StandIn | None = None


@dataclass
class CIStory:
    """What a CI subject's service holds (see the module docstring)."""

    repo: RepoRef
    branch: str
    #: The failed pipeline's name, its failed job's name and a line of that job's log.
    failed_pipeline: str
    failed_job: str
    log_line: str
    #: The running pipeline's name (on the same branch); ``finish_running()`` makes its job
    #: write ``more_log`` and succeed.
    running_pipeline: str
    finish_running: Callable[[], None]
    more_log: str
    #: A trigger's name and its required input (``PipelineControl`` only).
    trigger: str | None = None
    trigger_input: str | None = None
    #: False where the service has no required inputs (Jenkins gives every parameter it is
    #: not sent its default): the input is then one the service says is optional.
    input_required: bool = True


Builder = Callable[[contextlib.ExitStack], Subject]


def _github(stack: contextlib.ExitStack) -> Subject:
    from tests.standin.github import GitHubStandIn
    from tests.standin.harness import connect

    require_contract(GitHubStandIn)
    gh = stack.enter_context(serving(GitHubStandIn()))
    st = gh.state
    st.login = "octocat"
    st.tokens["tok-a"] = "octocat"
    repo = "o/r"
    st.add_issue(repo, ASSIGNED, assignees=["octocat"], author="hubot")
    st.add_issue(repo, MENTIONED, author="hubot", mentions=["octocat"])
    st.add_issue(repo, CREATED, author="octocat")
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(st.add_issue(repo, f"Bulk {n}", author="hubot")["title"])
    st.add_pull(repo, "Review me", head="rv", author="hubot", requested_reviewers=["octocat"])
    st.add_pull(repo, "My change", head="mine", author="octocat", head_sha="c" * 40)
    st.add_check_run(repo, "c" * 40, "build", conclusion="success")
    st.add_check_run(repo, "c" * 40, "lint", conclusion="failure")
    from tests.standin.github_actions import seed_ci_story

    ci = CIStory(repo=RepoRef.from_path("github.com", repo), **seed_ci_story(st, repo))
    connector, http = connect(gh.url, token="tok-a")
    return Subject(
        "github", connector, http, repo, titles, "mine", "Review me", "My change", ci=ci, standin=gh
    )


def _gitlab(stack: contextlib.ExitStack) -> Subject:
    from tests.gitlab.conftest import connect
    from tests.standin.gitlab import GitLabStandIn

    require_contract(GitLabStandIn)
    gl = stack.enter_context(serving(GitLabStandIn()))
    st, me = gl.state, gl.state.login
    path = "group/sub/project"
    st.add_issue(path, ASSIGNED, assignees=[me], author="bob")
    st.mention(me, st.add_issue(path, MENTIONED, author="bob"))
    st.add_issue(path, CREATED, author=me)
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(st.add_issue(path, f"Bulk {n}", author="bob")["title"])
    st.add_mr(path, "Review me", source_branch="rv", author="bob", reviewers=[me])
    st.add_mr(path, "My change", source_branch="mine", author=me, sha="d" * 40)
    st.add_pipeline(
        path,
        ref="mine",
        sha="d" * 40,
        status="failed",
        jobs=[("build", "build", "success", False), ("lint", "test", "failed", False)],
    )
    from tests.standin.gitlab_ci import seed_ci_story

    ci = CIStory(repo=RepoRef.from_path("gitlab.com", path), **seed_ci_story(st, path))
    connector, http = connect(gl)
    return Subject(
        "gitlab", connector, http, path, titles, "mine", "Review me", "My change", ci=ci, standin=gl
    )


def _jira(stack: contextlib.ExitStack) -> Subject:
    from tests.jira.wiring import CANARY, EMAIL, connect
    from tests.standin.jira import JiraStandIn

    require_contract(JiraStandIn)
    jira = stack.enter_context(serving(JiraStandIn()))
    jira.api_token(EMAIL, CANARY)
    s, me = jira.state, jira.me
    other = s.add_account("omar", email="omar@example.com")
    s.add_issue("PROJ", ASSIGNED, assignee=me, reporter=other)
    s.add_issue("PROJ", MENTIONED, assignee=other, reporter=other, watchers=[me])
    s.add_issue("PROJ", CREATED, assignee=other, reporter=me)
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(s.add_issue("PROJ", f"Bulk {n}", assignee=other, reporter=other).summary)
    connector, http = connect(jira)
    return Subject("jira", connector, http, "PROJ", titles, standin=jira)


def _linear(stack: contextlib.ExitStack) -> Subject:
    from tests.linear.helpers import connect
    from tests.standin.linear import LinearStandIn

    require_contract(LinearStandIn)
    linear = stack.enter_context(serving(LinearStandIn()))
    people = linear.seed()
    ada, grace = people["ada"]["id"], people["grace"]["id"]
    st = linear.state
    st.add_issue("ENG", ASSIGNED, creator=grace, assignee=ada)
    st.mention(ada, st.add_issue("ENG", MENTIONED, creator=grace, assignee=grace)["id"])
    st.add_issue("ENG", CREATED, creator=ada, assignee=grace)
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(st.add_issue("ENG", f"Bulk {n}", creator=grace, assignee=grace)["title"])
    connector, http = connect(linear.url)
    return Subject("linear", connector, http, "ENG", titles, standin=linear)


def _bitbucket(stack: contextlib.ExitStack) -> Subject:
    from tests.bitbucket.conftest import API_TOKEN, connect
    from tests.standin.bitbucket import BitbucketStandIn

    require_contract(BitbucketStandIn)
    bb = stack.enter_context(serving(BitbucketStandIn()))
    bb.add_token(API_TOKEN, "ada", "basic")
    st, me = bb.state, bb.state.me
    repo = "acme/app"
    st.add_issue(repo, ASSIGNED, assignee="ada", reporter="bob")
    st.add_issue(repo, MENTIONED, reporter="bob", content=f"cc @{{{me.account_id}}}")
    st.add_issue(repo, CREATED, reporter="ada")
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(st.add_issue(repo, f"Bulk {n}", reporter="bob")["title"])
    st.add_pr(repo, "Review me", source="rv", author="bob", reviewers=("ada",))
    st.add_pr(repo, "My change", source="mine", author="ada", sha="d" * 40)
    st.add_status(repo, "d" * 40, "build", "SUCCESSFUL")
    st.add_status(repo, "d" * 40, "lint", "FAILED")
    from tests.bitbucket.conftest import seed_ci

    ci = CIStory(**seed_ci(bb, repo))
    connector, http = connect(bb)
    return Subject(
        "bitbucket",
        connector,
        http,
        repo,
        titles,
        "mine",
        "Review me",
        "My change",
        ci=ci,
        standin=bb,
    )


def _trello(stack: contextlib.ExitStack) -> Subject:
    from tests.standin.trello import TrelloStandIn
    from tests.trello.helpers import connect, seed

    require_contract(TrelloStandIn)
    standin = stack.enter_context(serving(TrelloStandIn()))
    w = seed(standin)
    st = w.state
    st.add_card(w.board, ASSIGNED, creator=w.bob, members=(w.ada,))
    st.mention(w.ada, st.add_card(w.board, MENTIONED, creator=w.bob), w.bob)
    st.add_card(w.board, CREATED, creator=w.ada)
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(st.add_card(w.board, f"Bulk {n}", creator=w.bob)["name"])
    connector, http = connect(standin.url)
    return Subject("trello", connector, http, w.board["shortLink"], titles, standin=standin)


def _asana(stack: contextlib.ExitStack) -> Subject:
    from tests.asana.helpers import connect, seed
    from tests.standin.asana import AsanaStandIn

    require_contract(AsanaStandIn)
    standin = stack.enter_context(serving(AsanaStandIn()))
    w = seed(standin)
    st = w.state
    st.add_task(w.project, ASSIGNED, creator=w.bob, assignee=w.ada)
    st.add_task(w.project, CREATED, creator=w.ada, assignee=w.bob)
    titles = {ASSIGNED, CREATED}
    for n in range(MANY):
        titles.add(st.add_task(w.project, f"Bulk {n}", creator=w.bob)["name"])
    connector, http = connect(standin.url)
    return Subject(
        "asana", connector, http, w.project["gid"], titles, mentions=False, standin=standin
    )


def _synthetic(stack: contextlib.ExitStack) -> Subject:
    from tests.standin.harness import wire
    from tests.standin.synthetic import SyntheticStandIn
    from tests.synthetic.connector import SyntheticConnector

    tracker = stack.enter_context(serving(SyntheticStandIn()))
    st = tracker.state
    st.add_issue("WEB", ASSIGNED, author="bob", assignee="ada")
    st.add_issue("WEB", MENTIONED, author="bob", mentions=("ada",))
    st.add_issue("WEB", CREATED, author="ada")
    titles = {ASSIGNED, MENTIONED, CREATED}
    for n in range(MANY):
        titles.add(st.add_issue("WEB", f"Bulk {n}", author="bob")["title"])
    repo = RepoRef(host="github.com", owner="octo", name="app")
    ci = tracker.ci
    failed = ci.add_pipeline(
        repo.full_name, "build", "feature", jobs=[("lint", "check", "success")]
    )
    ci.add_job(
        failed["id"],
        "unit",
        "test",
        "failed",
        steps=(("setup", "success"), ("pytest", "failed")),
        log="setting up\nFAILED tests/test_app.py::test_it - assert 1 == 2\n",
    )
    ci.settle(failed["id"])
    running = ci.add_pipeline(repo.full_name, "deploy", "feature")
    job = ci.add_job(running["id"], "ship", None, "running", log="shipping...\n")
    ci.settle(running["id"])
    ci.triggers[repo.full_name] = [
        {
            "id": "release",
            "name": "Release",
            "description": "Cut a release",
            "inputs": [{"name": "version", "type": "string", "required": True}],
        }
    ]
    story = CIStory(
        repo=repo,
        branch="feature",
        failed_pipeline="build",
        failed_job="unit",
        log_line="FAILED tests/test_app.py::test_it",
        running_pipeline="deploy",
        finish_running=lambda: ci.finish_job(job["id"], "success", "shipped\n"),
        more_log="shipped",
        trigger="Release",
        trigger_input="version",
    )
    connector, http = wire(
        SyntheticConnector, tracker.url, token="tok-ada", host="tracker.example.test"
    )
    return Subject("synthetic", connector, http, "WEB", titles, ci=story, standin=tracker)


def _jenkins(
    stack: contextlib.ExitStack,
    *,
    multibranch: bool = False,
    foldered: bool = False,
    kind: str = "pipeline",
    stage_view: bool = True,
) -> Subject:
    """A Pipeline job named like the repository; with ``multibranch``, a multibranch project;
    with ``foldered``, a job in a folder that ``jobs`` maps the repository to, on a Jenkins
    served under a context path (``https://host/jenkins``); a freestyle job (``kind``), or a
    controller without the Stage View plugin, whose builds have no stages."""
    from tests.jenkins.wiring import connect, seeded
    from tests.standin.jenkins import JenkinsStandIn
    from tests.standin.jenkins.story import seed_ci_story

    require_contract(JenkinsStandIn)
    standin = JenkinsStandIn(context="/jenkins") if foldered else JenkinsStandIn()
    jenkins = seeded(stack.enter_context(serving(standin)))
    jenkins.state.stage_view = stage_view
    repo = RepoRef(host="github.com", owner="octo", name="app")
    job = "team/apps/app" if foldered else repo.name
    ci = CIStory(repo=repo, **seed_ci_story(jenkins.state, job, multibranch=multibranch, kind=kind))
    settings = {"jobs": [f"{repo.full_name}={job}"]} if foldered else None
    connector, http = connect(jenkins, settings=settings)
    return Subject("jenkins", connector, http, ci=ci, standin=jenkins)


def _jenkins_multibranch(stack: contextlib.ExitStack) -> Subject:
    return _jenkins(stack, multibranch=True)


def _jenkins_foldered(stack: contextlib.ExitStack) -> Subject:
    return _jenkins(stack, foldered=True)


def _jenkins_freestyle(stack: contextlib.ExitStack) -> Subject:
    return _jenkins(stack, kind="freestyle")


def _jenkins_no_stage_view(stack: contextlib.ExitStack) -> Subject:
    return _jenkins(stack, stage_view=False)


def _circleci(stack: contextlib.ExitStack, *, app: bool = False) -> Subject:
    """An OAuth project on GitHub (``gh/octo/app``); with ``app``, a GitLab project named by
    its ids (``circleci/<org>/<project>``, mapped in ``projects``), which CircleCI starts
    through another endpoint."""
    from tests.circleci.conftest import connect
    from tests.standin.circleci import CircleCIStandIn, OutputHost, State, seed_ci_story

    require_contract(CircleCIStandIn)
    state = State()
    output = stack.enter_context(serving(OutputHost(state)))
    state.output_base = f"{output.url}/output"
    circleci = stack.enter_context(serving(CircleCIStandIn(state)))
    settings: dict[str, Any] = {}
    if app:
        repo = RepoRef.from_path("gitlab.com", "grp/app")
        slug = "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat"
        settings["projects"] = [f"gitlab.com/grp/app={slug}"]
    else:
        repo, slug = RepoRef(host="github.com", owner="octo", name="app"), "gh/octo/app"
    ci = CIStory(repo=repo, **seed_ci_story(state, slug))
    connector, http = connect(circleci, settings=settings)
    return Subject("circleci", connector, http, ci=ci, standin=circleci)


def _circleci_app(stack: contextlib.ExitStack) -> Subject:
    return _circleci(stack, app=True)


BUILDERS: dict[str, Builder] = {
    "bitbucket": _bitbucket,
    "github": _github,
    "gitlab": _gitlab,
    "jira": _jira,
    "linear": _linear,
    "trello": _trello,
    "asana": _asana,
    "synthetic": _synthetic,
    "jenkins": _jenkins,
    "jenkins:multibranch": _jenkins_multibranch,
    "jenkins:folder": _jenkins_foldered,
    "jenkins:freestyle": _jenkins_freestyle,
    "jenkins:no-stage-view": _jenkins_no_stage_view,
    "circleci": _circleci,
    "circleci:gitlab": _circleci_app,
}


def _checkout_connectors(exclude: set[str]) -> dict[str, tuple[str, ...]]:
    """Capabilities of the connectors this checkout's ``pyproject.toml`` registers that the
    installed metadata does not list yet (a shared virtualenv installed from another
    checkout): the suite tests the code it runs beside."""
    import tomllib
    from pathlib import Path

    from connectors.sdk.manifest import Manifest
    from connectors.sdk.registry import manifest_path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    points = project["project"]["entry-points"]["tieline.connectors"]
    out: dict[str, tuple[str, ...]] = {}
    for name, target in points.items():
        path = manifest_path(target)
        if name not in exclude and path is not None and path.is_file():
            out[name] = Manifest.load(path).capabilities
    return out


def declared() -> dict[str, tuple[str, ...]]:
    """Each connector's capabilities as its manifest declares them: the installed ones, this
    checkout's, and the synthetic tracker the suites also hold to the contract."""
    from connectors.sdk.registry import default_registry
    from tests.synthetic.connector import SyntheticConnector

    out = {m.id: m.capabilities for m in default_registry().manifests()}
    out.update(_checkout_connectors(exclude=set(out)))
    out["synthetic"] = SyntheticConnector.manifest().capabilities
    return out


def declaring(capability: str) -> list[str]:
    """The connectors that declare ``capability``, whether a suite has a builder for them
    or not: a suite parametrised over these fails for a connector it cannot build."""
    return sorted(n for n, caps in declared().items() if capability in caps)


def subjects(capability: str) -> list[str]:
    """The builders whose connector declares ``capability`` (read from their manifests); a
    builder ``id:variant`` is another setup of connector ``id``."""
    caps = declared()
    return [n for n in BUILDERS if capability in caps.get(n.partition(":")[0], ())]


@contextlib.asynccontextmanager
async def built(name: str) -> AsyncIterator[Subject]:
    with contextlib.ExitStack() as stack:
        s = BUILDERS[name](stack)
        try:
            yield s
        finally:
            await s.http.aclose()


@pytest.fixture(params=subjects("IssueTracker"))
async def tracker(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    async with built(request.param) as s:
        assert s.scope and s.open_titles, f"the {s.name} builder seeds no issues"
        yield s


@pytest.fixture(params=subjects("CodeHost"))
async def code_host(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    async with built(request.param) as s:
        assert s.scope and s.branch, f"the {s.name} builder seeds no pull requests"
        yield s


@pytest.fixture(params=subjects("Pipelines"))
async def pipelines(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    async with built(request.param) as s:
        assert s.ci is not None, f"the {s.name} builder tells no CI story"
        yield s


@pytest.fixture(params=[n for n in BUILDERS if ":" not in n])
async def service(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    """Every connector once (its first setup), whatever it declares."""
    async with built(request.param) as s:
        assert s.standin is not None, f"the {s.name} builder names no stand-in"
        yield s
