"""The Jenkins connector against a real Jenkins controller, when one can be run here.

Skipped unless a ``jenkins.war`` is found: ``TIELINE_JENKINS_WAR=/path/to/jenkins.war``, or one
in the local Maven repository (``org.jenkins-ci.main:jenkins-war``, which Maven Central does
not carry: it is on repo.jenkins-ci.org only). ``TIELINE_NO_REAL_JENKINS=1`` opts out even
then. Java 17+ runs it: ``java -jar jenkins.war`` on a free loopback port with
``-Djenkins.install.runSetupWizard=false`` and an ``init.groovy.d`` script that creates user
``mia`` with an API token, CSRF protection on (the default crumb issuer) and two freestyle
jobs (core only, no plugins): ``app``, parameterised, whose shell step prints a compiler-style
error and fails, and ``slow``, which sleeps so it can be stopped. One controller serves the
whole session (start-up is measured and printed: it takes tens of seconds).

Not yet run on this project's machines: no jenkins.war could be had here (see the Jenkins
connector's notes); the stand-in tests (``test_pipelines.py``, ``test_control.py``) are what
proves the connector until one is.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from connectors.jenkins.connector import JenkinsConnector
from connectors.sdk import ItemKind, ItemRef, RunStatus
from tests.standin.harness import wire

INIT = """
import jenkins.model.Jenkins
import hudson.security.HudsonPrivateSecurityRealm
import hudson.security.FullControlOnceLoggedInAuthorizationStrategy
import hudson.security.csrf.DefaultCrumbIssuer
import jenkins.security.ApiTokenProperty
import hudson.model.*
import hudson.tasks.Shell

def j = Jenkins.get()
def realm = new HudsonPrivateSecurityRealm(false)
realm.createAccount("mia", "not-the-token")
j.setSecurityRealm(realm)
def strategy = new FullControlOnceLoggedInAuthorizationStrategy()
strategy.setAllowAnonymousRead(false)
j.setAuthorizationStrategy(strategy)
j.setCrumbIssuer(new DefaultCrumbIssuer(true))
def user = User.getById("mia", true)
user.setFullName("Mia Krystof")
def token = user.getProperty(ApiTokenProperty.class).tokenStore.generateNewToken("tieline")
user.save()
def app = j.createProject(FreeStyleProject.class, "app")
app.addProperty(new ParametersDefinitionProperty(
    new StringParameterDefinition("TARGET", "staging", "where to"),
    new BooleanParameterDefinition("DRY_RUN", true, "")))
def step = 'echo "building for $TARGET"\\necho "src/app.py:3:5: error: boom"\\nexit 1'
app.getBuildersList().add(new Shell(step))
app.save()
def slow = j.createProject(FreeStyleProject.class, "slow")
slow.getBuildersList().add(new Shell("sleep 120"))
slow.save()
j.setNumExecutors(2)
j.save()
new File(System.getProperty("tieline.token.file")).text = token.plainValue
"""


def _war() -> Path | None:
    if os.environ.get("TIELINE_NO_REAL_JENKINS") == "1":
        return None
    named = os.environ.get("TIELINE_JENKINS_WAR")
    if named:
        return Path(named) if Path(named).is_file() else None
    m2 = Path.home() / ".m2/repository/org/jenkins-ci/main/jenkins-war"
    found = sorted(m2.glob("*/jenkins-war-*.war")) if m2.is_dir() else []
    return found[-1] if found else None


@dataclass
class Controller:
    url: str
    token: str
    startup_seconds: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Controller]:
    war = _war()
    if war is None or shutil.which("java") is None:
        pytest.skip("no jenkins.war here (TIELINE_JENKINS_WAR) or no java")
    home = tmp_path_factory.mktemp("jenkins-home")
    (home / "init.groovy.d").mkdir()
    (home / "init.groovy.d" / "tieline.groovy").write_text(INIT, encoding="utf-8")
    token_file = home / "token"
    port = _free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            "java",
            "-Xmx768m",
            "-Djenkins.install.runSetupWizard=false",
            f"-Dtieline.token.file={token_file}",
            "-jar",
            str(war),
            f"--httpPort={port}",
            "--httpListenAddress=127.0.0.1",
        ],
        env={**os.environ, "JENKINS_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = started + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"Jenkins exited with {proc.returncode}")
            try:
                if token_file.is_file() and httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            pytest.fail("Jenkins did not start within 240 s")
        took = time.monotonic() - started
        print(f"\nreal Jenkins started in {took:.1f} s")
        yield Controller(url, token_file.read_text().strip(), took)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
async def conn(controller: Controller) -> AsyncIterator[JenkinsConnector]:
    c, http = wire(
        JenkinsConnector,
        controller.url,
        token=controller.token,
        method="basic",
        username="mia",
        web_url=controller.url,
        host="127.0.0.1",
        settings={"site": controller.url},
    )
    yield c
    await http.aclose()


async def _until(
    conn: JenkinsConnector, ref: ItemRef, done: RunStatus, seconds: float = 90
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (await conn.get_pipeline(ref)).status is done:
            return
        await asyncio.sleep(0.5)
    pytest.fail(f"{ref.key} did not reach {done} in {seconds} s")


async def test_identity(conn: JenkinsConnector) -> None:
    result = await conn.check()
    assert result.ok and result.account == "mia" and result.name == "Mia Krystof"


async def test_build_with_parameters_log_and_rerun(conn: JenkinsConnector) -> None:
    [trigger] = await conn.triggers("app")
    assert [i.name for i in trigger.inputs] == ["TARGET", "DRY_RUN"]
    p = await conn.trigger("app", "build", "main", {"TARGET": "prod"})
    assert p is not None
    ref = p.ref
    deadline = time.monotonic() + 90
    while ref.key.startswith("queue:") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        ref = (await conn.get_pipeline(ref)).ref
    await _until(conn, ref, RunStatus.COMPLETED)
    done = await conn.get_pipeline(ref)
    assert done.failed and done.actions == ("rerun",)
    text, offset, complete = "", 0, False
    while not complete:
        chunk = await conn.job_log(ref.model_copy(update={"kind": ItemKind.JOB}), offset=offset)
        text, offset, complete = text + chunk.text, chunk.next_offset, chunk.complete
    assert "building for prod" in text and "src/app.py:3:5: error: boom" in text
    assert text.rstrip().endswith("Finished: FAILURE")
    assert text == await conn.client.console_text("app", done.number or 0)
    again = await conn.act(done.ref, "rerun")
    assert again is not None


async def test_stop_a_running_build(conn: JenkinsConnector) -> None:
    p = await conn.trigger("slow", "build", "main", {})
    assert p is not None
    ref = p.ref
    deadline = time.monotonic() + 90
    while ref.key.startswith("queue:") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        ref = (await conn.get_pipeline(ref)).ref
    stopped = await conn.act(ref, "cancel")
    assert stopped is not None
    await _until(conn, ref, RunStatus.COMPLETED)
    assert (await conn.get_pipeline(ref)).conclusion.value == "cancelled"


async def test_a_password_sign_in_needs_the_crumb_and_gets_it(controller: Controller) -> None:
    # Only API-token requests are exempt from CSRF protection: with the password, a POST
    # without the session's crumb is refused, so this build proves the crumb flow.
    c, http = wire(
        JenkinsConnector,
        controller.url,
        token="not-the-token",
        method="basic",
        username="mia",
        web_url=controller.url,
        host="127.0.0.1",
        settings={"site": controller.url},
    )
    try:
        assert await c.trigger("app", "build", "main", {"TARGET": "crumb"}) is not None
        assert c.client._crumb not in (None, False)
    finally:
        await http.aclose()
