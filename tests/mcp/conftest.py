"""``tieline mcp`` end to end: a clone of github.com/octo/app, GitHub signed in through the
environment (``TIELINE_GITHUB_TOKEN``) and served by its contract-checked stand-in on
127.0.0.1, and the official ``mcp`` SDK's client talking to ``python -m server mcp`` run as
a new process -- over stdio (:func:`stdio`) or streamable HTTP (:func:`http_server`)."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.cli.conftest import Result, base_env, clone, spawn
from tests.scenarios import GITHUB_TOKEN, REPO, seed_github
from tests.standin.github import GitHubStandIn


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return clone(tmp_path / "app", "https://github.com/octo/app.git")


@pytest.fixture
def env(github: GitHubStandIn, tieline_home: Path) -> Iterator[dict[str, str]]:
    """GitHub seeded as the scenario seeds it (issue #1 assigned to me, #2 asking my review)."""
    seed_github(github)
    yield base_env(
        tieline_home,
        TIELINE_GITHUB_TOKEN=GITHUB_TOKEN,
        TIELINE_CONNECTORS__GITHUB__API_URL=github.url,
        # No test reaches docs.python.org.
        TIELINE_DOCS__STDLIB="off",
    )
    assert not github.violations, "\n".join(github.violations)


def writes_on(env: dict[str, str]) -> dict[str, str]:
    return {**env, "TIELINE_MCP__ALLOW_WRITES": "true"}


def tieline(cwd: Path, env: dict[str, str], *args: str) -> Result:
    """``tieline ARGS`` as a new process (``mcp grant``, ``mcp token``...)."""
    return spawn(cwd, env, *args)


@contextlib.asynccontextmanager
async def stdio(
    cwd: Path, env: dict[str, str], errlog: Path | None = None, *, args: tuple[str, ...] = ()
) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session with ``tieline mcp ARGS`` spawned over stdio; what
    the server says on stderr goes to ``errlog`` (appended)."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "server", "mcp", *args], env=env, cwd=str(cwd)
    )
    log = cwd.parent / "mcp-stderr.log" if errlog is None else errlog
    with log.open("a", encoding="utf-8") as err:
        async with (
            stdio_client(params, errlog=err) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


@contextlib.contextmanager
def http_server(cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """``tieline mcp --http --port 0`` running; yields its URL (read from what it says)."""
    p = subprocess.Popen(
        [sys.executable, "-m", "server", "mcp", "--http", "--port", "0"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert p.stderr is not None
        said: list[str] = []
        for line in p.stderr:
            said.append(line)
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+/mcp)", line)
            if m:
                # Keep reading what it says, so a full pipe never stalls the server.
                threading.Thread(target=p.stderr.read, daemon=True).start()
                yield m.group(1)
                break
        else:
            pytest.fail("tieline mcp --http exited before listening:\n" + "".join(said))
    finally:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@contextlib.asynccontextmanager
async def http_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with (
        client,
        streamable_http_client(url, http_client=client) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def structured(result: Any) -> dict[str, Any]:
    """A tool call's structured output (failing the test, with its text, on a tool error)."""
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def error_text(result: Any) -> str:
    assert result.is_error, result.structured_content
    return " ".join(c.text for c in result.content if hasattr(c, "text"))


def no_secret(*texts: str) -> None:
    for t in texts:
        assert GITHUB_TOKEN not in t


__all__ = [
    "REPO",
    "error_text",
    "http_server",
    "http_session",
    "no_secret",
    "stdio",
    "structured",
    "tieline",
    "writes_on",
]
