"""Jenkins' failures, as the connector reports them: Jetty's HTML error pages (401 for a bad
token, 403 for a missing permission, 404 for a job hidden or absent), 5xx retried, a proxy's
429 waited out, and a site that is not Jenkins at all. The token never appears anywhere."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from connectors.sdk import (
    ItemKind,
    ItemRef,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from tests.standin.jenkins import JenkinsStandIn
from tests.standin.kit.server import Wire

from .wiring import CANARY, USER, connect, seeded


@pytest.fixture
def jk(jenkins: JenkinsStandIn) -> JenkinsStandIn:
    seeded(jenkins).state.add_job("team/app")
    jenkins.state.add_build("team/app", result="FAILURE", log="boom\n")
    return jenkins


async def test_a_wrong_token_is_reauth_with_jenkins_own_words(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk, token="11" + "0" * 32)
    with pytest.raises(ReauthRequired, match="Invalid password/token for user: mia"):
        await conn.list_pipelines("team/app")
    result = await conn.check()
    assert not result.ok and "401" in result.detail and "<" not in result.detail
    await http.aclose()


async def test_a_missing_permission_is_permission_denied(jk: JenkinsStandIn) -> None:
    jk.state.users[USER].can_build = False
    conn, http = connect(jk)
    with pytest.raises(PermissionDenied, match="mia is missing the Job/Build permission"):
        await conn.trigger("team/app", "build", "main", {})
    # A 403 gets one fresh crumb and one more try, no more.
    posts = [e.status for e in jk.log if e.method == "POST"]
    assert posts == [403, 403]
    await http.aclose()


async def test_a_job_hidden_or_absent_is_not_found_with_the_setting_to_fix(
    jk: JenkinsStandIn,
) -> None:
    jk.state.users[USER].can_read = {"other"}  # Jenkins answers 404 for jobs one cannot read
    conn, http = connect(jk)
    with pytest.raises(NotFound, match=r"no job team/app .*connectors\.jenkins\.jobs"):
        await conn.list_pipelines("team/app")
    with pytest.raises(NotFound, match="Error 404 Not Found"):
        await conn.get_pipeline(
            ItemRef(
                connector="jenkins", host="h", scope="team/app", key="1", kind=ItemKind.PIPELINE
            )
        )
    with pytest.raises(NotFound, match="names no build"):
        await conn.get_pipeline(
            ItemRef(
                connector="jenkins", host="h", scope="team/app", key="x", kind=ItemKind.PIPELINE
            )
        )
    await http.aclose()


async def test_server_errors_are_retried_then_reported(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    jk.inject("502", count=2)
    [p] = await conn.list_pipelines("team/app")
    assert p.failed
    assert [e.status for e in jk.log] == [502, 502, 200]
    jk.inject("500", count=10)
    with pytest.raises(ServiceUnavailable, match="500"):
        await conn.list_pipelines("team/app")
    jk.faults.clear()
    await http.aclose()


async def test_a_proxys_retry_after_is_waited_out(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    jk.inject("retry_after", seconds=0.2)
    assert len(await conn.list_pipelines("team/app")) == 1
    assert [e.status for e in jk.log] == [429, 200]
    jk.inject("retry_after", count=5, seconds=300)
    with pytest.raises(RateLimited):
        await conn.list_pipelines("team/app")
    jk.faults.clear()
    await http.aclose()


class _NotJenkins(JenkinsStandIn):
    """Answers like Jenkins, minus the ``X-Jenkins`` header (a proxy's own page, say)."""

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Wire | None:
        wire = super().handle(method, target, headers, body)
        if wire is not None:
            wire[1].pop("x-jenkins", None)
        return wire


async def test_check_refuses_a_site_that_is_not_jenkins() -> None:
    with _NotJenkins() as other:
        seeded(other)
        conn, http = connect(other)
        result = await conn.check()
        assert not result.ok and "not as Jenkins" in result.detail
        await http.aclose()


async def test_the_token_never_appears_in_errors_or_logs(
    jk: JenkinsStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn, http = connect(jk)
    messages: list[str] = []
    jk.inject("401")
    messages.append((await conn.check()).detail)
    for kind in ("500", "retry_after", "401"):
        jk.inject(kind, count=5, seconds=300)
        try:
            await conn.list_pipelines("team/app")
        except Exception as exc:  # every failure's text is inspected
            messages.append(str(exc))
        jk.faults.clear()
    jk.state.users[USER].can_build = False
    for call in (conn.list_pipelines("nope"), conn.trigger("team/app", "build", "m", {})):
        try:
            await call
        except Exception as exc:
            messages.append(str(exc))
    pair = base64.b64encode(f"{USER}:{CANARY}".encode()).decode()
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    assert len(messages) == 6
    assert CANARY not in text and pair not in text and CANARY[:20] not in text
    await http.aclose()


async def test_a_200_that_is_not_json_is_a_clear_error(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    jk.inject("garbage")  # a proxy's (or a single sign-on) page, answered as 200
    with pytest.raises(ServiceUnavailable, match="not Jenkins' JSON"):
        await conn.list_pipelines("team/app")
    jk.inject("garbage")
    result = await conn.check()
    assert not result.ok and "not Jenkins' JSON" in result.detail
    await http.aclose()


async def test_a_build_request_is_never_repeated_but_a_stop_is(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    jk.inject("502", path="/build")
    with pytest.raises(ServiceUnavailable):
        await conn.trigger("team/app", "build", "main", {})
    assert [e.status for e in jk.log if e.method == "POST"] == [502]  # two builds otherwise
    jk.state.add_build("team/app", result=None)
    jk.inject("502", path="/stop")
    stopped = await conn.act(
        ItemRef(connector="jenkins", host="h", scope="team/app", key="2", kind=ItemKind.PIPELINE),
        "cancel",
    )
    assert stopped is not None and stopped.conclusion.value == "cancelled"
    assert [e.status for e in jk.log if e.path.endswith("/stop")] == [502, 302]
    await http.aclose()
