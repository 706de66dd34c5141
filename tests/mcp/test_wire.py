"""Over stdio, stdout carries the protocol and nothing else: every line ``tieline mcp``
writes while it answers (a listing, one issue, an error) is one JSON-RPC message -- the
verbs' words for people and the logs go elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from tests.mcp.conftest import no_secret


def _msg(id_: int, method: str, params: dict[str, object]) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params}) + "\n"


def test_stdout_holds_only_json_rpc(app: Path, env: dict[str, str]) -> None:
    lines = [
        _msg(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                               "clientInfo": {"name": "raw", "version": "0"}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n",
        _msg(2, "tools/call", {"name": "list_issues", "arguments": {}}),
        _msg(3, "tools/call", {"name": "get_issue", "arguments": {"key": "#1"}}),
        _msg(4, "tools/call", {"name": "get_issue", "arguments": {"key": "octo/app#404"}}),
    ]  # fmt: skip
    log = app.parent / "wire-stderr.log"
    with log.open("w") as err:
        by_id, raw, rest = _converse(app, env, lines, err)
    stderr = log.read_text()
    assert set(by_id) == {1, 2, 3, 4}, stderr
    assert not rest.strip(), rest
    assert by_id[2]["result"]["structuredContent"]["issues"][0]["ref"] == "octo/app#1"
    assert by_id[3]["result"]["structuredContent"]["item"]["title"] == "Crash on start"
    assert by_id[4]["result"]["isError"] is True
    no_secret("".join(raw), stderr)


def _converse(
    app: Path, env: dict[str, str], lines: list[str], err: IO[str]
) -> tuple[dict[int, dict[str, Any]], list[str], str]:
    """Write ``lines``, read until each request is answered (stdin open meanwhile), then
    close stdin: the answers by id, every line read, and what came after."""
    p = subprocess.Popen(
        [sys.executable, "-m", "server", "mcp"],
        cwd=app,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
    )
    watchdog = threading.Timer(120, p.kill)  # a hung server fails the test, never hangs it
    watchdog.start()
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write("".join(lines))
    p.stdin.flush()
    raw: list[str] = []
    by_id: dict[int, dict[str, Any]] = {}
    for line in p.stdout:
        raw.append(line)
        if line.strip():
            m = json.loads(line)
            assert m.get("jsonrpc") == "2.0", line
            if "id" in m:
                by_id[m["id"]] = m
        if len(by_id) == 4:
            break
    p.stdin.close()
    rest = p.stdout.read()
    p.stdout.close()
    p.wait()
    watchdog.cancel()
    return by_id, raw, rest
