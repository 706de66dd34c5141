"""The server starts over stdio and answers ``initialize`` like any LSP server, and answers
requests whose params are ill-typed with ``-32602`` instead of leaving them pending."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.raw import raw_request


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "server", "serve"])
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    lsp_client.init_result = result  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_initialize_reports_server_info(client: LanguageClient) -> None:
    info = client.init_result.server_info  # type: ignore[attr-defined]
    assert info is not None and info.name == "tieline"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"textDocument": {"uri": "file:///x.py"}, "position": {"line": -1, "character": 0}},
        {"textDocument": {"uri": "file:///x.py"}, "position": {"line": "zero", "character": 0}},
        None,
    ],
)
async def test_ill_typed_request_gets_invalid_params(
    client: LanguageClient, params: dict[str, Any] | None
) -> None:
    with pytest.raises(JsonRpcException) as info:
        await raw_request(client, "textDocument/hover", params)
    assert info.value.code == -32602
    assert "textDocument/hover" in str(info.value.message)


async def test_a_request_without_params_is_answered(client: LanguageClient) -> None:
    status = await raw_request(client, "tieline/status")  # no "params" member at all
    assert "overall" in status
    panels = await raw_request(client, "tieline/panels")
    assert {"work", "ci", "integrations"} <= {p["id"] for p in panels["panels"]}


async def test_a_failed_command_is_request_failed_with_a_message(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException) as info:  # no clone, no account: start work fails
        await raw_request(
            client, "workspace/executeCommand", {"command": "tieline.startWork", "arguments": [1]}
        )
    assert info.value.code == -32803
    assert "clone" in str(info.value.message)


async def test_tieline_params_that_do_not_validate_are_invalid_params(
    client: LanguageClient,
) -> None:
    """pydantic loads after ``initialize``; its ValidationError still becomes -32602."""
    with pytest.raises(JsonRpcException) as info:
        await raw_request(client, "tieline/panel/items", {"parentId": 3})
    assert info.value.code == -32602
    assert "tieline/panel/items" in str(info.value.message)


#: What ``tieline serve`` imports before it can answer ``initialize``; nothing the answer does
#: not need may be among them (each is tens of milliseconds of a cold start).
BEFORE_INITIALIZE = """
import json, sys
import server.cli
from server.hub.logging import setup_logging
from server.lsp.server import build_server
build_server()
print(json.dumps(sorted(sys.modules)))
"""
NOT_BEFORE_INITIALIZE = (
    "pydantic", "pydantic_core", "nh3", "pygments", "httpx", "git", "tree_sitter",
    "aiosqlite", "sqlite3", "cryptography", "keyring", "connectors.sdk.models",
    "connectors.sdk.manifest", "server.hub.hub", "server.hub.sanitize", "server.lsp.cards",
)  # fmt: skip


def test_initialize_loads_no_models_sanitizer_or_hub() -> None:
    import json
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", BEFORE_INITIALIZE],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert sorted(loaded & set(NOT_BEFORE_INITIALIZE)) == []
