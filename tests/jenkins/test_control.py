"""PipelineControl against the Jenkins stand-in: build with parameters, the queue, stop,
re-run, and the CSRF crumb.

Shapes (see :mod:`tests.standin.jenkins`): parameter definitions as in jenkinsapi's recorded
``JOB_DATA`` (``type``, ``defaultParameterValue``, ``choices``); ``POST buildWithParameters``
answering 201 with ``Location: .../queue/item/N/`` (remote access API page); queue items as
python-jenkins' recorded ``Queue$LeftItem``; the crumb as python-jenkins' recorded
``{crumb, crumbRequestField}``, bound to the web session's cookie.
"""

from __future__ import annotations

from typing import Any

import pytest

from connectors.sdk import CheckConclusion, InvalidRequest, ItemKind, ItemRef, RunStatus
from tests.standin.jenkins import JenkinsStandIn

from .wiring import connect, seeded


def _def(kind: str, name: str, default: Any = None, **extra: Any) -> dict[str, Any]:
    value_class = {
        "BooleanParameterDefinition": "hudson.model.BooleanParameterValue",
        "PasswordParameterDefinition": "hudson.model.PasswordParameterValue",
        "TextParameterDefinition": "hudson.model.TextParameterValue",
    }.get(kind, "hudson.model.StringParameterValue")
    d: dict[str, Any] = {
        "_class": f"hudson.model.{kind}",
        "name": name,
        "type": kind,
        "description": f"the {name.lower()}",
        "defaultParameterValue": {"_class": value_class, "name": name},
        **extra,
    }
    if default is not None:
        d["defaultParameterValue"]["value"] = default
    return d


PARAMS = [
    _def("StringParameterDefinition", "TARGET", "staging"),
    _def("BooleanParameterDefinition", "DRY_RUN", True),
    _def("ChoiceParameterDefinition", "REGION", "eu", choices=["eu", "us"]),
    _def("PasswordParameterDefinition", "SECRET"),
    _def("TextParameterDefinition", "NOTES", ""),
]


def ref(scope: str, key: str) -> ItemRef:
    return ItemRef(
        connector="jenkins", host="127.0.0.1", scope=scope, key=key, kind=ItemKind.PIPELINE
    )


@pytest.fixture
def jk(jenkins: JenkinsStandIn) -> JenkinsStandIn:
    seeded(jenkins).state.add_job("team/deploy", parameters=PARAMS)
    return jenkins


async def test_triggers_are_the_jobs_parameters(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    [t] = await conn.triggers("team/deploy")
    assert t.id == "build" and t.name == "Build team » deploy"
    assert t.url == f"{jk.url}/job/team/job/deploy/"
    assert [(i.name, i.type, i.default, i.options) for i in t.inputs] == [
        ("TARGET", "string", "staging", ()),
        ("DRY_RUN", "boolean", "true", ()),
        ("REGION", "choice", "eu", ("eu", "us")),
        ("SECRET", "password", None, ()),
        ("NOTES", "string", "", ()),
    ]
    assert t.inputs[0].description == "the target" and not any(i.required for i in t.inputs)
    await http.aclose()


async def test_build_with_parameters_follows_the_queue_to_the_build(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    p = await conn.trigger("team/deploy", "build", "main", {"TARGET": "prod", "DRY_RUN": "false"})
    assert p is not None and p.number == 1 and p.status is RunStatus.RUNNING
    assert p.ref.key == "1" and p.actions == ("cancel",)
    build = jk.state.build("team/deploy", 1)
    values = {v["name"]: v.get("value") for v in build.parameters}
    assert values == {
        "TARGET": "prod",
        "DRY_RUN": False,
        "REGION": "eu",
        "SECRET": None,
        "NOTES": "",
    }
    paths = [(e.method, e.path) for e in jk.log]
    assert ("POST", "/job/team/job/deploy/buildWithParameters") in paths
    assert paths[-2:] == [
        ("GET", "/queue/item/100/api/json"),
        ("GET", "/job/team/job/deploy/1/api/json"),
    ]
    post = next(e for e in jk.log if e.method == "POST")
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    await http.aclose()


async def test_unknown_or_invalid_inputs_are_refused_before_any_post(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    with pytest.raises(InvalidRequest, match="no parameter TYPO"):
        await conn.trigger("team/deploy", "build", "main", {"TYPO": "x"})
    with pytest.raises(InvalidRequest, match="REGION must be one of eu, us"):
        await conn.trigger("team/deploy", "build", "main", {"REGION": "mars"})
    with pytest.raises(InvalidRequest, match="no trigger"):
        await conn.trigger("team/deploy", "deploy", "main", {})
    assert not any(e.method == "POST" for e in jk.log)
    await http.aclose()


async def test_a_job_without_parameters_is_built_with_build(jk: JenkinsStandIn) -> None:
    jk.state.add_job("plain")
    conn, http = connect(jk)
    [t] = await conn.triggers("plain")
    assert t.inputs == ()
    p = await conn.trigger("plain", "build", "main", {})
    assert p is not None and p.number == 1
    assert ("POST", "/job/plain/build") in [(e.method, e.path) for e in jk.log]
    with pytest.raises(InvalidRequest, match="takes no parameters"):
        await conn.trigger("plain", "build", "main", {"X": "1"})
    await http.aclose()


async def test_a_queued_build_is_followed_by_its_queue_item(jk: JenkinsStandIn) -> None:
    jk.state.auto_start = False
    conn, http = connect(jk)
    p = await conn.trigger("team/deploy", "build", "main", {})
    assert p is not None and p.status is RunStatus.QUEUED and p.ref.key == "queue:100"
    assert p.actions == ("cancel",) and p.number is None
    assert (await conn.job_log(p.ref)).text == ""  # nothing to read until it starts
    again = await conn.get_pipeline(p.ref)
    assert again.status is RunStatus.QUEUED
    jk.state.start(100)
    started = await conn.get_pipeline(p.ref)
    assert started.number == 1 and started.ref.key == "1" and started.status is RunStatus.RUNNING
    await http.aclose()


async def test_cancel_takes_a_queued_build_out_of_the_queue(jk: JenkinsStandIn) -> None:
    jk.state.auto_start = False
    conn, http = connect(jk)
    p = await conn.trigger("team/deploy", "build", "main", {})
    assert p is not None
    gone = await conn.act(p.ref, "cancel")
    assert gone is not None and gone.conclusion is CheckConclusion.CANCELLED and gone.actions == ()
    assert jk.state.queue[100].cancelled
    post = [e for e in jk.log if e.method == "POST"][-1]
    assert post.path == "/queue/cancelItem" and post.query == [("id", "100")]
    with pytest.raises(InvalidRequest):
        await conn.act(p.ref, "rerun")
    await http.aclose()


async def test_cancel_stops_a_running_build(jk: JenkinsStandIn) -> None:
    jk.state.add_job("app")
    jk.state.add_build("app", result=None)
    conn, http = connect(jk)
    p = await conn.act(ref("app", "1"), "cancel")
    assert p is not None and p.conclusion is CheckConclusion.CANCELLED and p.actions == ("rerun",)
    stop = next(e for e in jk.log if e.method == "POST")
    assert stop.path == "/job/app/1/stop" and stop.status == 302
    # The redirect to the build's HTML page is not followed.
    assert not any(e.path == "/job/app/1/" for e in jk.log)
    await http.aclose()


async def test_rerun_builds_again_with_the_same_parameters(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_build("team/deploy", result="FAILURE", parameters={"TARGET": "prod", "REGION": "us"})
    conn, http = connect(jk)
    p = await conn.act(ref("team/deploy", "1"), "rerun")
    assert p is not None and p.number == 2
    values = {v["name"]: v.get("value") for v in s.build("team/deploy", 2).parameters}
    # Passwords never come back from Jenkins: the re-run takes the default.
    assert values == {
        "TARGET": "prod",
        "DRY_RUN": True,
        "REGION": "us",
        "SECRET": None,
        "NOTES": "",
    }
    with pytest.raises(InvalidRequest, match="re-run or cancel"):
        await conn.act(ref("team/deploy", "1"), "rerun_failed")
    await http.aclose()


async def test_rerun_follows_the_jobs_parameters_as_they_are_now(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_job("app")
    s.add_build("app", result="FAILURE")  # built before the job took parameters
    s.jobs["app"].parameters = [PARAMS[0]]
    conn, http = connect(jk)
    again = await conn.act(ref("app", "1"), "rerun")
    assert again is not None and again.number == 2
    assert s.build("app", 2).parameters[0]["value"] == "staging"
    s.add_job("old", parameters=[PARAMS[0]])
    s.add_build("old", result="SUCCESS", parameters={"TARGET": "prod"})
    s.jobs["old"].parameters = []  # since dropped
    assert await conn.act(ref("old", "1"), "rerun") is not None
    posts = [e.path for e in jk.log if e.method == "POST"]
    assert posts == ["/job/app/buildWithParameters", "/job/old/build"]
    await http.aclose()


async def test_multibranch_triggers_build_the_branchs_job(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_multibranch("mb", ["main", "feature/x y"])
    s.jobs["mb/feature%2Fx y"].parameters = [PARAMS[0]]
    conn, http = connect(jk)
    [t] = await conn.triggers("mb")
    assert [i.name for i in t.inputs] == ["TARGET"] and t.description == "Builds the branch's job"
    assert len(jk.log) == 1  # the branch jobs' parameters come along with the project
    p = await conn.trigger("mb", "build", "feature/x y", {"TARGET": "qa"})
    assert p is not None and p.branch == "feature/x y" and p.ref.scope == "mb"
    assert p.ref.key.startswith("feature%2Fx y/")
    assert ("POST", "/job/mb/job/feature%252Fx%20y/buildWithParameters") in [
        (e.method, e.path) for e in jk.log
    ]
    p = await conn.trigger("mb", "build", "main", {})
    assert p is not None and p.ref.scope == "mb" and p.ref.key.startswith("main/")
    with pytest.raises(InvalidRequest, match="name one"):
        await conn.trigger("mb", "build", "", {})
    await http.aclose()


# -- CSRF -------------------------------------------------------------------------------------
async def test_api_tokens_need_no_crumb_but_one_is_sent_once_fetched(jk: JenkinsStandIn) -> None:
    jk.state.add_job("app")
    conn, http = connect(jk)
    await conn.trigger("app", "build", "main", {})
    await conn.trigger("app", "build", "main", {})
    assert jk.state.crumbs_issued == 1  # once per session
    posts = [e for e in jk.log if e.method == "POST"]
    assert all(e.headers.get("jenkins-crumb") for e in posts)
    await http.aclose()


async def test_a_crumb_is_required_and_refetched_after_a_restart(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.token_exempt = False  # Jenkins before 2.96, or the exemption switched off
    s.add_job("app")
    conn, http = connect(jk)
    assert await conn.trigger("app", "build", "main", {}) is not None
    # The crumb is bound to the session whose cookie the client kept.
    first = next(e for e in jk.log if e.method == "POST")
    assert "JSESSIONID." in first.headers.get("cookie", "")
    s.sessions.clear()  # a restart: every session and its crumb are gone
    assert await conn.trigger("app", "build", "main", {}) is not None
    posts = [(e.path, e.status) for e in jk.log if e.method == "POST"]
    assert posts == [("/job/app/build", 201), ("/job/app/build", 403), ("/job/app/build", 201)]
    assert s.crumbs_issued == 2
    await http.aclose()


async def test_without_a_crumb_issuer_no_crumb_is_sent(jk: JenkinsStandIn) -> None:
    jk.state.csrf = False
    jk.state.add_job("app")
    conn, http = connect(jk)
    await conn.trigger("app", "build", "main", {})
    await conn.trigger("app", "build", "main", {})
    crumb_asks = [e.status for e in jk.log if e.path == "/crumbIssuer/api/json"]
    assert crumb_asks == [404]  # asked once, then known to be off
    assert not any("jenkins-crumb" in e.headers for e in jk.log if e.method == "POST")
    await http.aclose()
