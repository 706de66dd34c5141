"""The team hub: webhooks in, SSE out, with 100 editors following the stream.

Run: ``python -m bench.teamhub [N] [--clients C] [--nodes K] [--paced P] [--backend B]``.
Starts K ``tieline hub serve`` processes (default 2) over one database, connects C SSE
clients (default 100) spread over the nodes, and sends signed GitHub webhooks to the nodes
in turn. The database is an SQLite file, then a PostgreSQL database (a throwaway local
cluster, tests/pg.py, fsync on and ``synchronous_commit=off``), the figures side by side;
``--backend sqlite`` or ``postgres`` runs one. Prints, for each:

- throughput: N webhooks sent with 16 in flight, from the first sent to the last event
  read by every client (events/s in, and pushes/s out = events x clients);
- latency (p50/p99/max), webhook sent -> event read, per client, for P deliveries (200) at
  a steady 50 per second (so the figure is the path's, not a queue's), for clients on the
  node that took the webhook and on the other node (which learns of it by tailing the log).

The clients run in this process on raw sockets (one frame = one ``readuntil``) so they cost
little beside the hubs. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from server.hub.oauth_provider.admin import ApiAdmin
from server.web.hooks.signatures import sign_github

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-github-secret-value"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class Client:
    node: int
    received: dict[int, float] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def _start(config: Path, env: dict[str, str], n: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "hub", "serve", "--config", str(config)],
        cwd=ROOT,
        env={**env, "TIELINE_HUB_NODE": f"node{n}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        raise SystemExit(f"the hub did not start: {line!r}")
    return proc, line.split()[-1]


async def _token(url: str, db: Path | str, client_id: str) -> str:
    async with httpx.AsyncClient(base_url=url) as http:
        r = await http.post(
            "/oauth/device_authorization", data={"client_id": client_id, "scope": "events:read"}
        )
        code = r.json()
        admin = ApiAdmin(db)
        try:
            await admin.decide(code["user_code"], approve=True, by="bench")
        finally:
            admin.storage.close()
        r = await http.post(
            "/oauth/token",
            data={"grant_type": DEVICE, "device_code": code["device_code"], "client_id": client_id},
        )
        return str(r.json()["access_token"])


async def _follow(client: Client, url: str, token: str, stop: asyncio.Event) -> None:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
    writer.write(
        f"GET /api/v1/events/stream HTTP/1.1\r\nhost: {host}:{port}\r\n"
        f"authorization: Bearer {token}\r\naccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")  # the response head (chunked)
    try:
        while not stop.is_set():
            chunk = await reader.readuntil(b"\n\n")
            now = time.perf_counter()
            if b"resuming after" in chunk:
                client.ready.set()
            start = chunk.find(b"id: ")
            if start >= 0:
                end = chunk.index(b"\n", start)
                client.received[int(chunk[start + 4 : end])] = now
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _delivery(n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "action": "opened",
            "number": n,
            "pull_request": {"number": n, "title": f"PR {n}", "html_url": "https://x/y"},
            "repository": {"full_name": "octo/app", "html_url": "https://github.com/octo/app"},
            "sender": {"login": "ada"},
        }
    ).encode()
    headers = {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": str(uuid.uuid4()),
        "x-hub-signature-256": sign_github(SECRET, body),
    }
    return body, headers


async def _send(http: httpx.AsyncClient, url: str, n: int) -> tuple[int, float]:
    body, headers = _delivery(n)
    sent = time.perf_counter()
    r = await http.post(url + "/hooks/bench/github", content=body, headers=headers)
    r.raise_for_status()
    return int(r.json()["ids"][0]), sent


async def _all_received(clients: list[Client], ids: set[int], within: float = 120) -> float:
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if all(ids <= c.received.keys() for c in clients):
            return max(max(c.received[i] for i in ids) for c in clients)
        await asyncio.sleep(0.005)
    missing = sum(len(ids - c.received.keys()) for c in clients)
    raise SystemExit(f"{missing} pushes never arrived")


def _rate(label: str, n: int, seconds: float) -> None:
    print(f"  {label:<36} {n / seconds:>10,.0f} /s   ({n} in {seconds:.2f} s)")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(n: int, n_clients: int, n_nodes: int, n_paced: int = 200, db_url: str = "") -> None:
    """One run over ``db_url`` (a PostgreSQL database), or over a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        db: Path | str = db_url or tmp / "hub.db"
        url = db_url or f"sqlite:///{db}"
        admin = await ApiAdmin(db).ready()
        reg = await admin.add_client(
            "bench", kind="public", redirect_uris=["http://127.0.0.1/cb"], scopes=["events:read"]
        )
        admin.storage.close()
        config = tmp / "hub.toml"
        config.write_text(
            f'database_url = "{url}"\nport = 0\npoll_interval = 0.05\n'
            f'[teams.bench]\nclients = ["{reg.client.client_id}"]\nsources = ["github"]\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
        env |= {"TIELINE_HOME": str(tmp / "home"), "TIELINE_HUB_SECRET_BENCH_GITHUB": SECRET}
        env |= {"TIELINE_HUB_LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT)}
        nodes = [_start(config, env, i) for i in range(n_nodes)]
        urls = [u for _, u in nodes]
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        try:
            token = await _token(urls[0], db, reg.client.client_id)
            clients = [Client(i % n_nodes) for i in range(n_clients)]
            tasks = [asyncio.create_task(_follow(c, urls[c.node], token, stop)) for c in clients]
            await asyncio.gather(*(c.ready.wait() for c in clients))
            over = "one PostgreSQL database" if db_url else "one SQLite file"
            print(f"  {n_nodes} nodes over {over}, {n_clients} SSE clients", flush=True)
            limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
            async with httpx.AsyncClient(limits=limits, timeout=30) as http:
                # Warm up: connections, the tailers' first reads.
                warm = {(await _send(http, urls[0], 0))[0]}
                await _all_received(clients, warm)

                # Throughput.
                sem = asyncio.Semaphore(16)

                async def one(i: int) -> tuple[int, float]:
                    async with sem:
                        return await _send(http, urls[i % n_nodes], i)

                t0 = time.perf_counter()
                sent = await asyncio.gather(*(one(i) for i in range(1, n + 1)))
                t_in = time.perf_counter() - t0
                t_out = await _all_received(clients, {i for i, _ in sent}) - t0
                _rate("webhooks in (16 in flight)", n, t_in)
                _rate("events in -> read by every client", n, t_out)
                _rate("pushes out (events x clients)", n * n_clients, t_out)

                # Latency at a steady rate.
                paced: list[tuple[int, float, int]] = []
                for i in range(n_paced):
                    node = i % n_nodes
                    eid, at = await _send(http, urls[node], 10_000 + i)
                    paced.append((eid, at, node))
                    await asyncio.sleep(max(0.0, at + 0.02 - time.perf_counter()))
                await _all_received(clients, {e for e, _, _ in paced})
                same: list[float] = []
                other: list[float] = []
                for eid, at, node in paced:
                    for c in clients:
                        (same if c.node == node else other).append(c.received[eid] - at)
                for label, lat in (("same node", same), ("other node", other)):
                    if lat:
                        print(
                            f"  latency, {label:<11} p50 {_pct(lat, 0.5) * 1000:6.1f} ms"
                            f"   p99 {_pct(lat, 0.99) * 1000:6.1f} ms"
                            f"   max {max(lat) * 1000:6.1f} ms   ({len(lat)} pushes)"
                        )
                if same and other:
                    both = same + other
                    print(f"  latency, all         median {statistics.median(both) * 1000:6.1f} ms")
        finally:
            stop.set()
            for proc, _ in nodes:
                proc.terminate()
            for proc, _ in nodes:
                proc.wait(timeout=30)
            for t in tasks:
                t.cancel()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.teamhub")
    p.add_argument("n", nargs="?", type=int, default=2000)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--nodes", type=int, default=2)
    p.add_argument("--paced", type=int, default=200, help="deliveries in the latency run")
    p.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both")
    args = p.parse_args(argv)
    print(f"teamhub: {args.n} webhooks, {args.clients} SSE clients, {args.nodes} nodes")
    if args.backend in ("both", "sqlite"):
        asyncio.run(run(args.n, args.clients, args.nodes, args.paced))
    if args.backend in ("both", "postgres"):
        try:
            from tests.pg import running_cluster

            with running_cluster(durable=True) as pg:
                url = pg.create_database("bench")
                asyncio.run(run(args.n, args.clients, args.nodes, args.paced, db_url=url))
        except (ImportError, RuntimeError) as exc:  # no tests/pg.py, or no PostgreSQL here
            print(f"  PostgreSQL: skipped ({exc})")


if __name__ == "__main__":
    main()
