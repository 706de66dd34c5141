"""A minimal synchronous LSP client over a subprocess's stdio, for fuzzing.

pytest-lsp drives the feature tests; this client exists because hypothesis wants a plain
synchronous function per example, and because it sends bytes exactly as given (no typing on
the way out), which is the point of a fuzzer.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any


class WireClient:
    def __init__(self, cwd: Path, env: Mapping[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
        self._next = 0
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self._inbox.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: Any = None, *, wait: float = 10.0) -> dict[str, Any]:
        """Send a request and return its response message (``result`` or ``error``).

        Server-to-client requests met on the way (configuration, progress tokens, message
        prompts) are answered with ``null`` so the server never waits on us.
        """
        self._next += 1
        msg_id = self._next
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        while True:
            reply = self._inbox.get(timeout=wait)
            if reply.get("id") == msg_id and "method" not in reply:
                return reply
            if "method" in reply and "id" in reply:
                self.send({"jsonrpc": "2.0", "id": reply["id"], "result": None})

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> None:
        try:
            self.request("shutdown", wait=5)
            self.notify("exit")
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()
