"""CI end to end over stdio, against a CI service that names no real one: the synthetic
connector (installed through an entry point, as a third-party package would be) builds the
workspace's clone, which carries its marker file. The CI panel shows its pipelines, a
pipeline of my branch failing is a message that opens its log, actions and triggers go
through ``tieline/ci/*``, and a job's log is a document: ``workspace/textDocumentContent``
for a client that declares it (refreshed while the job runs), ``tieline/log`` pages for one
that does not."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import Env, installed_connectors, server_env, until
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, raw_request_error, wait_synced
from tests.standin.kit import serving
from tests.standin.synthetic import SyntheticStandIn

REPO = "octo/app"
GROUPED_LOG = (
    "##[group]Run setup\nok\n##[group]Run pytest\n"
    "\x1b[31mFAILED\x1b[0m tests/test_app.py::test_it - assert 1 == 2\n"
    "##[error]Process completed with exit code 1.\n"
)


@dataclass
class World:
    ci: SyntheticStandIn
    root: Path
    env: dict[str, str]
    build: dict[str, Any]
    deploy: dict[str, Any]
    ship: dict[str, Any]


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    with serving(SyntheticStandIn()) as standin:
        ci = standin.ci
        build = ci.add_pipeline(REPO, "build", "feature", jobs=[("lint", "check", "success")])
        ci.add_job(
            build["id"],
            "unit",
            "test",
            "failed",
            steps=(("setup", "success"), ("pytest", "failed")),
            log=GROUPED_LOG,
        )
        ci.settle(build["id"])
        deploy = ci.add_pipeline(REPO, "deploy", "feature")
        ship = ci.add_job(deploy["id"], "ship", None, "running", log="shipping\n")
        ci.settle(deploy["id"])
        ci.triggers[REPO] = [
            {
                "id": "release",
                "name": "Release",
                "description": "Cut a release",
                "inputs": [
                    {"name": "version", "required": True},
                    {"name": "env", "type": "choice", "options": ["staging", "prod"],
                     "default": "staging"},
                ],
            }
        ]  # fmt: skip
        root = tmp_path / "app"
        repo = git.Repo.init(root, initial_branch="feature")
        (root / ".synthetic-ci.yml").write_text("jobs: [unit]\n")
        repo.create_remote("origin", f"https://github.com/{REPO}.git")
        site = installed_connectors(
            tmp_path / "site",
            "tieline-synthetic-ci",
            {"synthetic": "tests.synthetic.connector:SyntheticConnector"},
        )
        env = server_env(
            Env(root=root, github=None, home=tieline_home),
            PYTHONPATH=f"{site}:{Path.cwd()}",
            TIELINE_GITHUB_TOKEN="",
            TIELINE_SYNTHETIC_TOKEN="tok-ada",
            TIELINE_CONNECTORS__SYNTHETIC__API_URL=standin.url,
            TIELINE_SYNC__REFRESH_DEBOUNCE="0",
        )
        yield World(standin, root, env, build, deploy, ship)


async def start(w: World, *, content: bool = False) -> LanguageClient:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=w.env
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    client.refreshed: list[str] = []  # type: ignore[misc]
    client.prompt_answer = None  # type: ignore[attr-defined]

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def prompt(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        client.messages.append(types.ShowMessageParams(type=params.type, message=params.message))
        wanted = client.prompt_answer  # type: ignore[attr-defined]
        for action in params.actions or []:
            if wanted is None or action.title == wanted:
                return action
        return None

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        return None

    @client.feature(types.WORKSPACE_TEXT_DOCUMENT_CONTENT_REFRESH)
    def refresh(params: types.TextDocumentContentRefreshParams) -> None:
        client.refreshed.append(params.uri)  # type: ignore[attr-defined]

    caps = client_capabilities("visual-studio-code")
    if content:
        assert caps.workspace is not None
        caps.workspace.text_document_content = types.TextDocumentContentClientCapabilities()
    client.init_result = await client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=caps,
            root_uri=w.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=w.root.as_uri(), name="app")],
        )
    )
    return client


@pytest.fixture
async def client(world: World) -> AsyncIterator[LanguageClient]:
    c = await start(world)
    yield c
    await c.shutdown_session()


async def _refresh(client: LanguageClient) -> None:
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.refresh", arguments=[])
    )


async def test_the_ci_panel_shows_pipelines_and_a_failure_is_news(
    client: LanguageClient, world: World
) -> None:
    await wait_synced(client)
    (branch,) = await items(client, "ci")
    assert branch["label"] == "feature" and branch["service"] == "synthetic"
    assert branch["contextValue"] == "ci.failure"  # what the shells' status bars read
    assert branch["description"].startswith("Synthetic Tracker · octo/app · ")
    pipes = await items(client, "ci", branch["id"])
    assert [p["label"] for p in pipes] == [
        f"build #{world.build['number']}",  # the failed one first
        f"deploy #{world.deploy['number']}",
    ]
    build, deploy = pipes
    assert build["contextValue"].split() == [
        "ci.failure",
        "pipeline",
        "can.rerun",
        "can.rerun_failed",
    ]
    assert build["description"].startswith("Synthetic Tracker · failure · ")
    assert {a["id"] for a in build["actions"]} == {"rerun", "rerun_failed", "open"}
    assert "can.cancel" in deploy["contextValue"] and deploy["icon"] == "sync"

    stages = await items(client, "ci", build["id"])
    assert [s["label"] for s in stages] == ["test", "check"]  # the failing stage first
    (unit,) = await items(client, "ci", stages[0]["id"])
    assert unit["label"] == "unit" and unit["logUri"].startswith("tieline-log:/synthetic/")
    assert (
        "can.retry" in unit["contextValue"] and unit["command"]["command"] == "tieline.ci.openLog"
    )
    steps = await items(client, "ci", unit["id"])
    assert [(s["label"], s["icon"]) for s in steps] == [("setup", "pass"), ("pytest", "error")]

    # The running pipeline fails: a message, whose "Open Log" opens a copy of the log (this
    # client reads no tieline-log: documents).
    world.ci.ci.finish_job(world.ship["id"], "failed", "\x1b[31mno space left\x1b[0m\n")
    await _refresh(client)
    message = await until(
        lambda: _first(client, f"deploy #{world.deploy['number']} failed on feature")
    )
    assert (
        message == f"Synthetic Tracker: deploy #{world.deploy['number']} failed on feature (ship)"
    )
    shown = await until(_shown_file(client))
    text = await asyncio.to_thread(Path(shown.removeprefix("file://")).read_text)
    assert text.startswith("=== Failing step: end of the log") and "no space left" in text
    assert "\x1b" not in text
    (branch,) = await items(client, "ci")
    assert branch["contextValue"] == "ci.failure"


async def _first_async(client: LanguageClient, needle: str) -> str | None:
    return next((m.message for m in client.messages if needle in m.message), None)


def _first(client: LanguageClient, needle: str) -> Any:
    return _first_async(client, needle)


def _shown_file(client: LanguageClient) -> Any:
    async def check() -> str | None:
        files = [d.uri for d in client.shown_documents if d.uri.startswith("file://")]
        return files[0] if files else None

    return check


async def test_actions_and_triggers(client: LanguageClient, world: World) -> None:
    await wait_synced(client)
    (branch,) = await items(client, "ci")
    build = (await items(client, "ci", branch["id"]))[0]

    bad = await raw_request_error(
        client, "tieline/ci/act", {"item": build["ciItem"], "action": "cancel"}
    )
    assert (
        bad.code == -32602
        and "does not allow cancel (it allows rerun, rerun_failed)" in bad.message
    )
    bad = await raw_request_error(client, "tieline/ci/act", {"item": "nope", "action": "rerun"})
    assert bad.code == -32602 and "not a pipeline or job id" in bad.message
    bad = await raw_request_error(
        client, "tieline/ci/act", {"item": build["ciItem"], "action": "x"}
    )
    assert bad.code == -32602  # not one of the actions the protocol knows

    done = await raw_request(
        client, "tieline/ci/act", {"item": build["id"], "action": "rerun_failed"}
    )
    assert done["pipeline"]["attempt"] == 2 and done["pipeline"]["status"] == "queued"
    assert done["pipeline"]["actions"] == ["cancel"] and "rerun failed requested" in done["message"]

    listed = await raw_request(client, "tieline/ci/triggers", {"folder": world.root.as_uri()})
    (release,) = listed["triggers"]
    assert release["name"] == "Release" and release["branch"] == "feature"
    assert [i["name"] for i in release["inputs"]] == ["version", "env"]
    bad = await raw_request_error(client, "tieline/ci/trigger", {"trigger": release["id"]})
    assert bad.code == -32602 and "needs the input 'version'" in bad.message
    started = await raw_request(
        client, "tieline/ci/trigger", {"trigger": release["id"], "inputs": {"version": "2.0"}}
    )
    assert started["pipeline"]["name"] == "Release" and started["pipeline"]["branch"] == "feature"
    made = max(world.ci.ci.pipelines.values(), key=lambda p: p["id"])
    assert made["inputs"] == {"version": "2.0", "env": "staging"}

    async def shows_release() -> bool:
        (b,) = await items(client, "ci")
        return "Release" in {p["label"].split(" #")[0] for p in await items(client, "ci", b["id"])}

    await until(shows_release)

    # As commands, for editors without a shell: a trigger with its inputs as arguments...
    out = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.ci.trigger", arguments=[release["id"], "feature", {"version": "3"}]
        )
    )
    assert out is not None and "started Release" in str(out)
    assert max(world.ci.ci.pipelines.values(), key=lambda p: p["id"])["inputs"]["version"] == "3"
    # ... and the one action a pipeline allows.
    (branch,) = await items(client, "ci")
    deploy = next(
        p for p in await items(client, "ci", branch["id"]) if p["label"].startswith("deploy")
    )
    out = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.ci.act", arguments=[deploy["ciItem"]])
    )
    assert out is not None and "cancel requested" in str(out)


async def test_a_log_through_text_document_content_follows_the_job(world: World) -> None:
    client = await start(world, content=True)
    try:
        caps = client.init_result.capabilities  # type: ignore[attr-defined]
        schemes = list(caps.workspace.text_document_content.schemes)
        assert schemes == ["tieline-log", "tieline-mail"]  # CI and task logs, mail
        await wait_synced(client)
        (branch,) = await items(client, "ci")
        build, deploy = await items(client, "ci", branch["id"])
        test_stage = (await items(client, "ci", build["id"]))[0]
        (unit,) = await items(client, "ci", test_stage["id"])
        got = await client.workspace_text_document_content_async(
            types.TextDocumentContentParams(uri=unit["logUri"])
        )
        assert got.text.startswith("=== Failing step: Run pytest")
        assert "FAILED tests/test_app.py::test_it" in got.text and "\x1b" not in got.text

        shown = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="tieline.ci.openLog", arguments=[unit["logUri"]])
        )
        assert shown is not None and client.shown_documents[-1].uri == unit["logUri"]

        ship = (await items(client, "ci", deploy["id"]))[0]
        live = await client.workspace_text_document_content_async(
            types.TextDocumentContentParams(uri=ship["logUri"])
        )
        assert live.text.startswith("shipping\n") and "the job is running" in live.text
        await asyncio.sleep(0.5)  # the refresh of the first read has gone out
        before = client.refreshed.count(ship["logUri"])  # type: ignore[attr-defined]
        world.ci.ci.logs[world.ship["id"]] += b"step two\n"

        async def grown() -> bool:
            if client.refreshed.count(ship["logUri"]) <= before:  # type: ignore[attr-defined]
                return False
            again = await client.workspace_text_document_content_async(
                types.TextDocumentContentParams(uri=ship["logUri"])
            )
            return again.text.startswith("shipping\nstep two\n")

        await until(grown)
    finally:
        await client.shutdown_session()


async def test_a_large_log_pages_through_tieline_log(client: LanguageClient, world: World) -> None:
    assert client.init_result.capabilities.workspace.text_document_content is None  # type: ignore[attr-defined]
    ci = world.ci.ci
    big = ci.add_pipeline(REPO, "nightly", "feature")
    body = "".join(f"\x1b[2m{n:08d}\x1b[0m a line of a long build\n" for n in range(60_000))
    ci.add_job(
        big["id"],
        "soak",
        None,
        "failed",
        log="##[group]Run soak\n" + body + "##[error]out of time\n",
    )
    ci.settle(big["id"])
    await wait_synced(client)
    (branch,) = await items(client, "ci")
    nightly = next(
        p for p in await items(client, "ci", branch["id"]) if p["label"].startswith("nightly")
    )
    (soak,) = await items(client, "ci", nightly["id"])

    pages: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await raw_request(
            client, "tieline/log", {"uri": soak["logUri"], "offset": offset}, wait=60
        )
        pages.append(page)
        if page["complete"]:
            break
        assert page["nextOffset"] > offset
        offset = page["nextOffset"]
    assert len(pages) >= 4 and all(len(p["text"]) <= 512 * 1024 for p in pages)
    whole = "".join(p["text"] for p in pages)
    assert len(whole) == pages[-1]["total"] and whole.startswith("=== Failing step: Run soak")
    assert pages[0]["failingStep"] == "Run soak" and "\x1b" not in whole
    assert whole.count("a line of a long build") > 60_000  # the full log, after the excerpt
    small = await raw_request(client, "tieline/log", {"uri": soak["logUri"], "limit": 100})
    assert len(small["text"]) <= 100 and small["text"].endswith("\n")
    bad = await raw_request_error(client, "tieline/log", {"uri": "file:///etc/passwd"})
    assert bad.code == -32602 and "is not a job log URI" in bad.message


async def test_one_branch_merges_a_code_hosts_checks_and_a_ci_servers_pipelines(
    world: World, github: Any, tieline_home: Path
) -> None:
    """GitHub's checks (its stand-in, contract-checked) and the CI server's pipelines of the
    same branch: one branch node, both services named, the worst state on top."""
    from tests.lsp.conftest import TOKEN, seed

    seed(github)
    env = dict(world.env, TIELINE_GITHUB_TOKEN=TOKEN)
    env["TIELINE_CONNECTORS__GITHUB__API_URL"] = github.url
    client = await start(World(world.ci, world.root, env, world.build, world.deploy, world.ship))
    try:
        await wait_synced(client, timeout=60)

        async def both() -> Any:
            top = await items(client, "ci")
            return top if top and "GitHub" in top[0]["description"] else None

        (branch,) = await until(both, 60)
        assert branch["label"] == "feature" and branch["contextValue"] == "ci.failure"
        assert branch["description"].startswith("GitHub, Synthetic Tracker · octo/app · ")
        children = await items(client, "ci", branch["id"])
        labels = [c["label"] for c in children]
        assert labels[:2] == [
            f"build #{world.build['number']}",
            f"deploy #{world.deploy['number']}",
        ]
        assert {"build", "lint"} <= set(labels[2:])  # GitHub's check runs, as before
        assert {c["service"] for c in children} == {"synthetic", "github"}
    finally:
        await client.shutdown_session()
