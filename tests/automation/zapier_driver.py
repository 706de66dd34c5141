"""The Zapier app (``integrations/zapier``) as the tests drive it: its npm dependencies
installed once, and its operations run by zapier-platform-core's ``createAppTester`` in one
long-lived Node process (``test/driver.js``), one JSON request and answer a line.

The hub, the hook target standing in for Zapier and every assertion stay in Python; Node runs
only the app, as Zapier would. Without ``npm`` the tests skip, except in CI (``CI=true``),
where a missing Node toolchain is a failure, not a reason to test less.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

APP = Path(__file__).resolve().parents[2] / "integrations" / "zapier"
MARK = "@@tieline-zapier "
#: What one operation may take (a hang guard, not a timing check).
CALL_TIMEOUT = 60.0


def require_node() -> tuple[str, str]:
    """``(node, npm)``, or skip (fail in CI) naming what is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    reason = "node and npm run the Zapier app's tests (integrations/zapier); not found on PATH"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + ", and CI must run them", pytrace=False)
    pytest.skip(reason)


def install(npm: str) -> None:
    """``npm ci`` into ``integrations/zapier/node_modules`` when it is missing or older than
    the lockfile (npm stamps ``node_modules/.package-lock.json`` on every install)."""
    lock = APP / "package-lock.json"
    stamp = APP / "node_modules" / ".package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=APP,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci in {APP} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


@dataclass
class ZapierError(Exception):
    """An operation's error, as the platform raised it: ``name`` is its class
    (``RefreshAuthError``, ``AppError`` for ``z.errors.Error``...), ``code`` and ``status``
    what ``z.errors.Error`` was given."""

    name: str
    message: str
    code: str | None = None
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.message} (code={self.code}, status={self.status})"


@dataclass
class Driver:
    """One Node process running the app; :meth:`call` runs an operation."""

    process: asyncio.subprocess.Process
    output: list[str] = field(default_factory=list)
    _next: int = 0
    _stderr: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, node: str, env: Mapping[str, str]) -> Driver:
        process = await asyncio.create_subprocess_exec(
            node,
            str(APP / "test" / "driver.js"),
            cwd=APP,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", ""), "NODE_ENV": "test", **env},
        )
        driver = cls(process)
        driver._stderr = asyncio.create_task(driver._drain_stderr())
        ready = await driver._answer(0)
        assert ready["ok"] and ready["result"]["version"] == "19.1.0", ready
        return driver

    async def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.output.append("stderr: " + line.decode(errors="replace").rstrip())

    async def _answer(self, request_id: int) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), CALL_TIMEOUT)
            if not raw:
                raise AssertionError("the Zapier driver ended:\n" + "\n".join(self.output))
            line = raw.decode(errors="replace").rstrip("\n")
            if not line.startswith(MARK):
                self.output.append(line)
                continue
            reply: dict[str, Any] = json.loads(line[len(MARK) :])
            if reply["id"] == request_id:
                return reply

    async def _send(self, request: dict[str, Any]) -> Any:
        assert self.process.stdin is not None
        self._next += 1
        request["id"] = self._next
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        await self.process.stdin.drain()
        reply = await self._answer(self._next)
        if not reply["ok"]:
            e = reply["error"]
            raise ZapierError(e.get("name", "Error"), e.get("message", ""), e.get("code"),
                              e.get("status"))  # fmt: skip
        return reply["result"]

    async def call(self, method: str, bundle: Mapping[str, Any]) -> Any:
        """Run the app's ``method`` (a path in its definition:
        ``triggers.new_event.operation.perform``) on ``bundle``; its result, or
        :class:`ZapierError`."""
        return await self._send({"method": method, "bundle": dict(bundle)})

    async def validate(self) -> list[str]:
        """The definition's validation errors (``zapier validate``'s local check)."""
        errors: list[str] = await self._send({"validate": True})
        return errors

    async def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        if self._stderr is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._stderr


def zapier_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Request headers as Zapier hands a hook's to ``perform`` in ``bundle.rawRequest``:
    ``webhook-id`` becomes ``Http-Webhook-Id``."""
    return {"Http-" + "-".join(p.capitalize() for p in k.split("-")): v for k, v in headers.items()}
