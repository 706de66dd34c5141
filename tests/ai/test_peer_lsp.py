"""*Describe diff* end to end against a real OpenAI-compatible server (node-llama-cpp
running SmolLM2-135M-Instruct on CPU, tests/peers/llm): the server over stdio streams a
real model's answer, piece by piece as the server sends it, into the scratch document.
The words are the model's and are not asserted; the protocol and the log are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ai.llm_peer import LlmServer
from tests.ai.test_lsp import World, _git, _path, _start, _until_signed_in
from tests.lsp.conftest import Env, run_command, server_env

pytestmark = pytest.mark.peers


async def test_describe_diff_with_a_real_model(
    tmp_path: Path, tieline_home: Path, llm_server: LlmServer
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "ada@example.com")
    _git(root, "config", "user.name", "Ada")
    (root / "hello.py").write_text("print('hello')\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "start")
    (root / "hello.py").write_text("print('hello, world')\n")
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        TIELINE_OPENAI_TOKEN="none",
        TIELINE_CONNECTORS__OPENAI__API_URL=llm_server.url,
        TIELINE_CONNECTORS__OPENAI__CHAT_MODEL=llm_server.model,
        TIELINE_CONNECTORS__OPENAI__PRICES=json.dumps([f"{llm_server.model}=1/2"]),
    )
    del env["TIELINE_GITHUB_TOKEN"]
    c = await _start(World(env, root))
    try:
        await _until_signed_in(c)
        c.answers[:] = ["Send"]  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.ai.describeDiff")
        assert got["text"].strip() and got["model"] == llm_server.model
        assert got["inputTokens"] > 0 and got["outputTokens"] > 0 and got["cost"] > 0
        assert _path(got["uri"]).read_text().endswith(got["text"])
        edits = [e for e in c.applied_edits if e.edit.changes and got["uri"] in e.edit.changes]  # type: ignore[attr-defined]
        assert edits  # the answer arrived in the document as it streamed
        summary = await run_command(c, "tieline.aiUsage")
        assert summary["requests"] == 1 and summary["rows"][0]["purpose"] == "describe_diff"
    finally:
        await c.shutdown_session()
