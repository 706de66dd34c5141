"""The real Chroma server (``chroma run``), started once per session from the venv that
``scripts/test-peers.sh`` makes (``tests/peers/chroma-venv``: chromadb's dependencies clash
with the main venv's), and its own ``/openapi.json`` as the contract every request and
answer of the connector is checked against (openapi-core, as the stand-ins' contracts).

Without that venv the tests skip, saying how to make it -- except in CI (``CI=true``), where
a missing peer is a failure."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.chroma.connector import ChromaConnector
from tests.standin.harness import wire
from tests.standin.kit import Request
from tests.standin.kit.contract import OpenAPIContract

ROOT = Path(__file__).resolve().parents[2]
CHROMA = ROOT / "tests" / "peers" / "chroma-venv" / "bin" / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Chroma:
    url: str
    contract: OpenAPIContract
    log: Path


def chroma_peer(tmp: Path) -> Iterator[Chroma]:
    """Start ``chroma run`` in ``tmp``; yield it once it answers; stop it."""
    if not CHROMA.exists():
        reason = f"Chroma is not installed ({CHROMA}); run scripts/test-peers.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "chroma.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(CHROMA),
                "run",
                "--path",
                str(tmp / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma run did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        spec = tmp / "openapi.json"
        spec.write_bytes(httpx.get(url + "/openapi.json", timeout=10).content)
        contract = OpenAPIContract(spec, server_url=url)
        contract.warm()
        yield Chroma(url, contract, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chroma]:
    yield from chroma_peer(tmp_path_factory.mktemp("chroma"))


@dataclass
class Checked(httpx.AsyncBaseTransport):
    """A transport that checks each request, and each answer, against Chroma's contract."""

    contract: OpenAPIContract
    inner: httpx.AsyncBaseTransport = field(default_factory=httpx.AsyncHTTPTransport)
    violations: list[str] = field(default_factory=list)
    sent: list[tuple[str, str, Any]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        target = request.url.raw_path.decode()
        req = Request.parse(request.method, target, dict(request.headers), body)
        self.sent.append((request.method, request.url.path, req.json))
        self.violations.extend(self.contract.check(req))
        resp = await self.inner.handle_async_request(request)
        data = await resp.aread()
        self.violations.extend(
            self.contract.answer_problems(req, resp.status_code, dict(resp.headers), data)
        )
        return httpx.Response(resp.status_code, headers=resp.headers, content=data, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def checked(chroma: Chroma) -> AsyncIterator[Checked]:
    t = Checked(chroma.contract)
    yield t
    if t.violations:
        pytest.fail("Chroma's contract refused:\n" + "\n".join(t.violations), pytrace=False)


@pytest.fixture
async def conn(chroma: Chroma, checked: Checked) -> AsyncIterator[ChromaConnector]:
    connector, http = wire(
        ChromaConnector,
        chroma.url,
        token="ck-any",
        transport=checked,
        settings={"tenant": "default_tenant", "database": "default_database"},
    )
    yield connector
    await http.aclose()


@pytest.fixture
def name() -> str:
    """A collection name of this test's own (the server lives for the session)."""
    return f"t_{uuid.uuid4().hex[:12]}"
