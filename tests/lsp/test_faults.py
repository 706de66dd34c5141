"""A dead token, a 429 storm, bad settings, TCP transport: the editor gets one clear prompt
or message, the panels keep what they had, and the server stays up."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, wait_synced

REAUTH = "no longer accepts your credentials"
TOKEN_SHAPE = "ghp_"


async def _refresh(client: LanguageClient) -> None:
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.refresh", arguments=[])
    )


async def test_a_401_prompts_to_sign_in_once_not_in_a_loop(env: Env) -> None:
    client = await start_client(env, TIELINE_SYNC__REFRESH_DEBOUNCE="0")
    try:
        await wait_synced(client)
        env.github.inject("401", count=1000)
        await _refresh(client)
        async with asyncio.timeout(20):
            while not any(REAUTH in m.message for m in client.messages):
                await asyncio.sleep(0.05)
        # "Sign in again" (the test client takes the first action) starts the sign-in the
        # connector can do here -- no OAuth client id, so pasting a token: the editor is
        # asked to open a one-time page on 127.0.0.1.
        async with asyncio.timeout(10):
            while not any("/paste/" in d.uri for d in client.shown_documents):
                await asyncio.sleep(0.05)
        (page,) = [d.uri for d in client.shown_documents if "/paste/" in d.uri]
        assert page.startswith("http://127.0.0.1:") and TOKEN_SHAPE not in page
        sent = len(env.github.log)
        await _refresh(client)
        await asyncio.sleep(1.5)
        assert sum(REAUTH in m.message for m in client.messages) == 1
        assert len(env.github.log) - sent <= 1  # the next sync stops at its first 401
        status = await raw_request(client, "tieline/status", None)
        assert status["connectors"][0]["state"] in ("disabled", "failing")
        review = await items(client, "work", "work/review")  # what was synced is kept
        assert [i["label"] for i in review] == ["Refactor config"]
    finally:
        await client.shutdown_session()


async def test_a_429_storm_degrades_without_losing_anything(env: Env) -> None:
    client = await start_client(env, TIELINE_SYNC__REFRESH_DEBOUNCE="0")
    try:
        await wait_synced(client)
        env.github.inject("retry_after", count=50, seconds=30)
        await _refresh(client)
        async with asyncio.timeout(20):
            while True:
                status = await raw_request(client, "tieline/status", None)
                if status["connectors"][0]["state"] == "degraded":
                    break
                await asyncio.sleep(0.1)
        first = len(env.github.log)
        for _ in range(5):
            await _refresh(client)
        await asyncio.sleep(1.0)
        assert len(env.github.log) == first  # nothing is sent before retry-after
        assert [i["label"] for i in await items(client, "work", "work/assigned")]
    finally:
        await client.shutdown_session()


async def test_bad_settings_are_reported_in_the_editor(env: Env) -> None:
    (env.root / ".tieline.toml").write_text('[sync]\npoll_interval = "often"\n')
    client = await start_client(env)
    try:
        await wait_synced(client)
        (msg,) = [m for m in client.messages if "Tieline settings" in m.message]
        assert "sync.poll_interval" in msg.message and ".tieline.toml" in msg.message
        assert msg.type == types.MessageType.Warning
    finally:
        await client.shutdown_session()


def test_serve_over_tcp_answers_initialize(env: Env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--tcp", f"127.0.0.1:{port}"],
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError("server exited") from None
                import time

                time.sleep(0.1)
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            }
        )
        with conn:
            conn.sendall(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
            data = b""
            while b"serverInfo" not in data:
                chunk = conn.recv(65536)
                assert chunk, "connection closed"
                data += chunk
        assert b'"name": "tieline"' in data or b'"name":"tieline"' in data
    finally:
        proc.kill()
        proc.wait()


async def test_polls_only_while_something_listens(env: Env) -> None:
    client = await start_client(env, TIELINE_SYNC__POLL_INTERVAL="5", TIELINE_SYNC__JITTER="0")
    try:
        await wait_synced(client)
        await asyncio.sleep(0.5)
        quiet = len(env.github.log)
        await asyncio.sleep(6.5)  # more than a poll interval, and nobody is looking
        assert len(env.github.log) == quiet
        await items(client, "work")  # a shell shows a panel: polling resumes
        async with asyncio.timeout(15):
            while len(env.github.log) == quiet:
                await asyncio.sleep(0.1)
    finally:
        await client.shutdown_session()


async def test_initialization_options_are_settings_for_editors_without_configuration(
    env: Env,
) -> None:
    from pytest_lsp import ClientServerConfig

    from tests.lsp.conftest import server_env

    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=server_env(env)
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),  # no workspace/configuration
                root_uri=env.root.as_uri(),
                initialization_options={"tieline": {"sync": {"pollInterval": "often"}}},
            )
        )
        async with asyncio.timeout(20):
            while not any("Tieline settings" in m.message for m in client.messages):
                await asyncio.sleep(0.05)
        (msg,) = [m for m in client.messages if "Tieline settings" in m.message]
        assert "sync.poll_interval" in msg.message and "editor settings" in msg.message
    finally:
        await client.shutdown_session()


async def test_ci_follows_a_branch_switch_made_outside_the_editor(env: Env) -> None:
    import git

    client = await start_client(env, TIELINE_SYNC__REFRESH_DEBOUNCE="0")
    try:
        await wait_synced(client)
        (branch,) = await items(client, "ci")
        assert branch["label"] == "feature"
        git.Repo(env.root).git.checkout("-b", "refactor")  # the branch of PR #4, no checks
        await _refresh(client)
        async with asyncio.timeout(20):
            while (await items(client, "ci"))[0]["label"] != "refactor":
                await asyncio.sleep(0.1)
    finally:
        await client.shutdown_session()


async def test_changed_connection_settings_reconnect(env: Env) -> None:
    client = await start_client(env)
    try:
        await wait_synced(client)
        begun = sum(len(r) for r in client.progress_reports.values())
        client.set_configuration({"sync": {"pollInterval": 120}}, section="tieline")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        async with asyncio.timeout(20):  # a new session: a new first sync with progress
            while sum(len(r) for r in client.progress_reports.values()) < begun + 2:
                await asyncio.sleep(0.05)
        status = await raw_request(client, "tieline/status", None)
        assert status["connectors"][0]["state"] == "healthy"
    finally:
        await client.shutdown_session()
