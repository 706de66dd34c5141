"""n8n 1.123.81, a real one, and the README's recipe: Tieline's signed delivery reaches an n8n
Webhook trigger, n8n checks the Standard Webhooks signature over the raw body, calls
Tieline's API with the token, and answers; Tieline's delivery log keeps that answer.

Opt-in (``TIELINE_TEST_N8N=1``): n8n is 1.8 GB and takes minutes to install
(``scripts/n8n-peer.sh``, which this test runs when n8n is missing).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.hub.events import Event
from server.hub.hub import Hub
from server.hub.webhooks.models import MessageState
from tests.hubs import running_hub

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "integrations" / "n8n"
N8N = ROOT / "tests" / "peers" / "n8n" / "node_modules" / ".bin" / "n8n"

opt_in = pytest.mark.skipif(
    os.environ.get("TIELINE_TEST_N8N") != "1",
    reason="n8n is 1.8 GB: opt in with TIELINE_TEST_N8N=1 (installs it when missing)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_workflow_carries_the_recipes_signature_check() -> None:
    """The importable workflow runs the same code as ``verify-signature.js``."""
    wf = json.loads((RECIPE / "tieline-webhook.json").read_text())
    (node,) = [n for n in wf["nodes"] if n["name"] == "Verify signature"]
    assert node["parameters"]["jsCode"] == (RECIPE / "verify-signature.js").read_text()


class N8n:
    def __init__(self, folder: Path, port: int, env: dict[str, str]) -> None:
        self.folder, self.port = folder, port
        self.env = {
            **os.environ,
            "N8N_USER_FOLDER": str(folder),
            "N8N_PORT": str(port),
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_HOST": "127.0.0.1",
            "N8N_DIAGNOSTICS_ENABLED": "false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_RUNNERS_ENABLED": "false",
            "NODE_FUNCTION_ALLOW_BUILTIN": "crypto",
            "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false",
            "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false",
            "N8N_ENCRYPTION_KEY": "tieline-test-n8n-key",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = folder / "n8n.log"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(N8N), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, hook: str) -> None:
        """Start n8n and wait until ``hook`` is registered: ``/healthz`` answers before the
        active workflows' webhooks are, so a POST without a signature is the probe (404
        while unregistered; the workflow's refusal, a 500, once it runs)."""
        out = self.log.open("wb")
        self.proc = subprocess.Popen([str(N8N), "start"], env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.post(hook, json={}, timeout=10).status_code != 404:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError("n8n never served the webhook:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def n8n_installed() -> Path:
    if not N8N.exists():
        if shutil.which("npm") is None:
            pytest.fail("TIELINE_TEST_N8N=1 but npm is missing: n8n needs Node.js 20 and npm")
        subprocess.run(["bash", str(ROOT / "scripts" / "n8n-peer.sh")], check=True)
    return N8N


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path, "n8n recipe") as hub:
        yield hub


@pytest.fixture
def n8n_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "n8n"
    folder.mkdir()
    return folder


async def _until_delivered(hub: Hub, endpoint_id: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = await hub.webhooks.log(endpoint_id)
        for entry in log:
            if entry.message.state is MessageState.DELIVERED:
                return entry.attempts[-1].response or ""
        await asyncio.sleep(0.2)
    log = await hub.webhooks.log(endpoint_id)
    raise AssertionError(f"no delivery to n8n succeeded: {[e.attempts for e in log]}")


@opt_in
async def test_n8n_verifies_a_signed_delivery_and_calls_the_api(
    n8n_installed: Path, hub: Hub, n8n_folder: Path
) -> None:
    base = await hub.web.start()
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/webhook/tieline"
    created = await hub.webhooks.add(hook, event_types=["ci.*"], description="n8n recipe")
    n8n = N8n(
        n8n_folder,
        port,
        {
            "TIELINE_URL": base,
            "TIELINE_TOKEN": hub.web.secrets.token(),
            "TIELINE_WEBHOOK_SECRET": created.secret,
        },
    )
    n8n.cli("import:workflow", f"--input={RECIPE / 'tieline-webhook.json'}")
    n8n.cli("update:workflow", "--id=TielineRecipe0001", "--active=true")
    await asyncio.to_thread(n8n.start, hook)
    try:
        await hub.bus.publish(
            Event("ci.failed", "github", "octo", "octo/app@main", {"title": "unit tests"})
        )
        answer = json.loads(await _until_delivered(hub, created.endpoint.id))
        assert answer["verified"] is True and answer["type"] == "ci.failed"
        assert answer["tielineEvents"] >= 1  # n8n read the event back through the API

        # A forged delivery (the right shape, a wrong secret) is refused by the workflow.
        body = json.dumps({"type": "ci.failed", "data": {}}).encode()
        forged = {
            "content-type": "application/json",
            "webhook-id": "msg_forged",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        }
        async with httpx.AsyncClient(timeout=30) as client:
            refused = await client.post(hook, content=body, headers=forged)
        assert refused.status_code >= 400 and "verified" not in refused.text
    finally:
        await asyncio.to_thread(n8n.stop)
