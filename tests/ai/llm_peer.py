"""A real OpenAI-compatible server for the AI tests: ``tests/peers/llm/server.mjs``
(node-llama-cpp running SmolLM2-135M-Instruct on CPU), started once per session.

It takes ~580 MB and a few seconds to load, so one process serves every test of a session;
the fixture skips when Node, node-llama-cpp or the model is missing (``scripts/test-peers.sh``
installs them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

LLM = Path(__file__).resolve().parents[1] / "peers" / "llm"
#: Loading the model on a busy 2-core machine.
START_TIMEOUT = 180.0


@dataclass(frozen=True)
class LlmServer:
    url: str  # ``http://127.0.0.1:PORT/v1``
    model: str


def _first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    got: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    return got[0] if got else ""


@pytest.fixture(scope="session")
def llm_server() -> Iterator[LlmServer]:
    node = shutil.which("node")
    if node is None or not (LLM / "node_modules" / "node-llama-cpp").exists():
        pytest.skip("node or tests/peers/llm/node_modules/node-llama-cpp missing: run make setup")
    if not any((LLM / "models").glob("*.gguf")):
        pytest.skip("no model in tests/peers/llm/models: run scripts/test-peers.sh")
    proc = subprocess.Popen(
        [node, str(LLM / "server.mjs")], cwd=LLM, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        line = _first_line(proc, START_TIMEOUT)
        if not line:
            pytest.fail("tests/peers/llm/server.mjs did not start (no model loaded in time)")
        said = json.loads(line)
        yield LlmServer(url=said["url"], model=said["model"])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
