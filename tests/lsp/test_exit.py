"""``exit`` ends the process promptly, whatever a worker thread is doing.

pygls exits by letting ``asyncio.run`` return, which first waits for every thread of the
default executor; a keyring call stuck on D-Bus held a server 15 s past ``exit`` on a loaded
machine, and the editor killed it (exit 143). The watchdog armed on ``exit`` ends it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from server.lsp.features.lifecycle import arm_exit_watchdog

ROOT = Path(__file__).resolve().parents[2]

#: The real server, with one thread of the default executor stuck for a minute from the
#: moment the test asks (as a keyring call on a hung D-Bus would be).
STUCK = """
import asyncio, time
from server.lsp.server import build_server

server = build_server()

@server.feature("test/stick")
async def _stick(ls, params):
    asyncio.get_running_loop().run_in_executor(None, time.sleep, 60)

server.start_io()
"""


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_the_watchdog_ends_a_process_that_outlives_exit() -> None:
    ended: list[int] = []
    arm_exit_watchdog(0.05, 1, end=ended.append).join(timeout=5)
    assert ended == [1]


def test_exit_ends_the_server_with_a_thread_stuck(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(tmp_path),
        TIELINE_VAULT_PASSPHRASE="exit test",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", STUCK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    out = proc.stdout
    threading.Thread(target=lambda: out.read(), daemon=True).start()  # keep the pipe drained
    try:
        for message in (
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"processId": None, "rootUri": None, "capabilities": {}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "method": "test/stick", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"},
        ):  # fmt: skip
            proc.stdin.write(_frame(message))
            proc.stdin.flush()
            time.sleep(0.5)
        started = time.monotonic()
        code = proc.wait(timeout=30)  # without the watchdog: the stuck minute
        assert code == 0
        assert time.monotonic() - started < 30
    finally:
        proc.kill()
        proc.wait()
