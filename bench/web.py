"""The web face: how long it takes to start, and what a verified webhook costs, from the
request to its event on the hub's bus.

Run: ``python -m bench.web [DELIVERIES]``. Starts the web face in process (uvicorn on
127.0.0.1, its secrets in a file vault in a temporary home), then sends DELIVERIES (2,000)
GitHub ``pull_request`` deliveries, each signed, over one keep-alive connection, one at a
time, and measures: the time ``WebFace.start`` takes; per delivery, request to response and
request to the event reaching a bus subscriber (p50 / p99); deliveries per second; the
same for a refused (wrongly signed) delivery and for an authenticated ``GET /healthz``; and
the process's resident memory before and after.

Figures are printed, never asserted. Goals: a delivery p99 <= 10 ms on loopback; start
<= 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.client import percentiles, rss_mb

DELIVERIES = 2_000
SECRET = "bench secret"


@dataclass
class _Hub:
    """The parts of the hub the web face uses: the real bus and configuration."""

    bus: Any = None
    refreshes: int = 0
    _config: Any = field(default=None)

    @property
    def config(self) -> Any:
        return self._config

    async def refresh(self) -> None:
        self.refreshes += 1


async def run(n: int) -> None:
    from keyring.backends import fail

    from server.hub.config import Config
    from server.hub.events import Event, EventBus
    from server.hub.vault import open_vault
    from server.web.face import WebFace
    from server.web.hooks.signatures import sign_github
    from server.web.secrets import WebSecrets

    home = Path(tempfile.mkdtemp(prefix="tieline-bench-web-"))
    os.environ["TIELINE_HOME"] = str(home)
    vault = open_vault(
        "file", keyring_backend=fail.Keyring(), file=home / "vault.json",
        env={"TIELINE_VAULT_PASSPHRASE": "bench"}, scrypt_n=2**14,
    )  # fmt: skip
    secrets = WebSecrets(vault)
    secrets.set_hook_secret("github", SECRET)
    token = secrets.token()
    hub = _Hub(bus=EventBus(), _config=Config())
    arrived: asyncio.Queue[tuple[str, float]] = asyncio.Queue()

    def on_event(e: Event) -> None:
        arrived.put_nowait((str(e.payload["delivery"]), time.perf_counter()))

    hub.bus.subscribe("*", on_event)
    rss0 = rss_mb(os.getpid())
    face = WebFace(hub, secrets)
    t0 = time.perf_counter()
    url = await face.start()
    start_ms = (time.perf_counter() - t0) * 1000
    print(f"start: {start_ms:.1f} ms ({url})")

    repo = {"full_name": "octo/app", "html_url": "https://github.com/octo/app"}
    async with httpx.AsyncClient(timeout=10) as http:
        answered: list[float] = []
        published: list[float] = []
        t_all = time.perf_counter()
        for i in range(n):
            pr = {"number": i, "title": f"change {i}", "html_url": f"https://x/{i}"}
            body = json.dumps({"action": "opened", "pull_request": pr, "repository": repo})
            raw = body.encode()
            delivery = f"d-{i}"
            headers = {
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": sign_github(SECRET, raw),
                "Content-Type": "application/json",
            }
            t = time.perf_counter()
            r = await http.post(url + "/hooks/github", content=raw, headers=headers)
            answered.append(time.perf_counter() - t)
            if r.status_code != 200:
                print(f"delivery {i}: {r.status_code} {r.text}", file=sys.stderr)
            got, at = await arrived.get()
            assert got == delivery
            published.append(at - t)
        total = time.perf_counter() - t_all
        p = percentiles(answered)
        q = percentiles(published)
        print(f"accepted deliveries: {n} in {total:.2f} s ({n / total:.0f}/s)")
        print(f"  request -> response   p50 {p[0]:.2f} ms  p99 {p[1]:.2f} ms")
        print(f"  request -> bus event  p50 {q[0]:.2f} ms  p99 {q[1]:.2f} ms")

        refused: list[float] = []
        for i in range(min(n, 500)):
            t = time.perf_counter()
            await http.post(
                url + "/hooks/github",
                content=b"{}",
                headers={"X-GitHub-Delivery": f"r-{i}", "X-Hub-Signature-256": "sha256=00"},
            )
            refused.append(time.perf_counter() - t)
        p = percentiles(refused)
        print(f"refused (bad signature): p50 {p[0]:.2f} ms  p99 {p[1]:.2f} ms")

        health: list[float] = []
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(min(n, 500)):
            t = time.perf_counter()
            await http.get(url + "/healthz", headers=auth)
            health.append(time.perf_counter() - t)
        p = percentiles(health)
        print(f"GET /healthz with the token: p50 {p[0]:.2f} ms  p99 {p[1]:.2f} ms")
    await face.stop()
    print(f"rss: {rss0:.0f} MB before the web face, {rss_mb(os.getpid()):.0f} MB after")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    asyncio.run(run(int(args[0]) if args else DELIVERIES))


if __name__ == "__main__":
    main()
