"""Faults a team hub meets in service, with real processes: PostgreSQL restarted under two
running nodes (they reconnect, and no accepted delivery is lost), and the operator's
commands on the nodes' database -- a hub whose database is unreachable says so plainly,
without the URL's password."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.pg import PgCluster, running_cluster

from .conftest import ROOT, Cluster, Frame, HubProc, Stream, github_pr, send


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    """A cluster of the test's own (this test restarts it; the session's serves the rest)."""
    with running_cluster() as own:
        yield own


#: Answers of 503 the retrying senders got (the database was away).
REFUSED: list[int] = []


async def _deliver(node: HubProc, number: int, *, deadline: float = 60.0) -> int:
    """One delivery as a retrying sender makes it (Jira and GitLab retry on 5xx): the same
    delivery id until it is accepted; the log id it got."""
    did = str(uuid.uuid4())
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        try:
            r = await send(node, "github", github_pr(number), delivery=did)
        except httpx.TransportError:
            r = None
        if r is not None and r.status_code == 200:
            return int(r.json()["ids"][0])
        assert r is None or r.status_code == 503, (r.status_code, r.text)
        REFUSED.append(number)
        assert loop.time() < end, "the hub never took the delivery back"
        await asyncio.sleep(0.2)


async def _follow(node: HubProc, token: str, want: int, seen: list[Frame]) -> None:
    """Read the stream until ``want`` events came, reconnecting with ``Last-Event-ID``
    whenever it ends or fails, as an editor's link does."""
    while len(seen) < want:
        last = seen[-1].id if seen else 0  # from the start: it may connect after a send
        with contextlib.suppress(httpx.HTTPError, EOFError, AssertionError, TimeoutError):
            async with Stream(node, token, last_event_id=last) as s:
                if s.response is None or s.response.status_code != 200:
                    raise EOFError
                while len(seen) < want:
                    f = await s.next_frame()
                    if f.id is not None:
                        seen.append(f)
        await asyncio.sleep(0.2)


async def _ready(node: HubProc) -> tuple[int, Any]:
    async with httpx.AsyncClient(base_url=node.url) as http:
        r = await http.get("/readyz")
        return r.status_code, r.json()


#: Longer than a statement waits for a connection (the store's WAIT_TIMEOUT, 5 s): the
#: deliveries sent meanwhile are answered 503 rather than held until it returns.
DOWN_FOR = 10.0


@pytest.mark.parametrize("hub_backend", ["postgres"])
async def test_a_postgresql_restart_loses_no_accepted_delivery(
    cluster: Cluster, pg_cluster: PgCluster
) -> None:
    a, b = cluster.start(), cluster.start()
    token = await cluster.token(a, "alpha")
    seen: list[Frame] = []
    total = 12
    REFUSED.clear()
    reader = asyncio.create_task(_follow(b, token, total, seen))
    ids = [await _deliver(a, n) for n in range(1, 4)]
    async with asyncio.timeout(30):
        while len(seen) < 3:
            await asyncio.sleep(0.05)

    restart = asyncio.create_task(asyncio.to_thread(pg_cluster.restart, DOWN_FOR))
    await asyncio.sleep(0.5)  # down now
    code, body = await _ready(a)
    assert code == 503 and any("database unreachable" in p for p in body["problems"]), body
    # An editor asking meanwhile is told to come back (503), not that its token is bad (401:
    # it would drop the token and stop trying).
    async with httpx.AsyncClient(base_url=b.url, timeout=30) as http:
        page = await http.get("/api/v1/events", headers={"authorization": f"Bearer {token}"})
    assert page.status_code == 503 and page.headers["retry-after"] == "5", page.text
    # Senders keep sending while it is down: each is answered 503 and tried again.
    during = [asyncio.create_task(_deliver(n, 3 + i)) for i, n in enumerate((a, b, a, b), 1)]
    await restart
    ids += [await t for t in during]
    assert set(REFUSED) >= {4, 5, 6, 7}  # each was refused while it was down, then taken
    ids += [await _deliver(node, 10 + i) for i, node in enumerate((a, b, a, b, b))]
    async with asyncio.timeout(60):
        await reader
    assert sorted(f.id for f in seen) == sorted(ids)  # each accepted delivery, once
    assert [f.id for f in seen] == sorted(f.id for f in seen)  # in the log's order
    for node in (a, b):
        async with asyncio.timeout(30):
            while (await _ready(node))[0] != 200:
                await asyncio.sleep(0.2)
    # The OAuth provider's own pool came back too: a new editor signs in on either node.
    for node in (a, b):
        assert await cluster.token(node, "alpha")


@pytest.mark.parametrize("hub_backend", ["postgres"])
async def test_the_operator_manages_the_hubs_provider_with_tieline_api(cluster: Cluster) -> None:
    """``tieline api --hub-config`` reaches the nodes' PostgreSQL: a client registered and a
    device code approved there work on any node."""
    a = cluster.start()

    async def api(*args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "api", "--hub-config", str(cluster.config), *args,
            cwd=ROOT, env=cluster.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()

    rc, out, err = await api("clients", "add", "Ops editor", "--scope", "events:read")
    assert rc == 0, err
    client_id = out.split("client_id:", 1)[1].split()[0]
    async with httpx.AsyncClient(base_url=a.url) as http:
        r = await http.post(
            "/oauth/device_authorization", data={"client_id": client_id, "scope": "events:read"}
        )
        code = r.json()
        rc, out, err = await api("pending")
        assert rc == 0 and code["user_code"] in out and "Ops editor" in out, (out, err)
        rc, out, err = await api("approve", code["user_code"])
        assert rc == 0 and "approved" in out, err
        r = await http.post(
            "/oauth/token",
            data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                  "device_code": code["device_code"], "client_id": client_id},
        )  # fmt: skip
        assert r.status_code == 200, r.text


def test_an_unreachable_hub_database_is_named_without_its_password(tmp_path: Any) -> None:
    import subprocess

    config = tmp_path / "hub.toml"
    url = "postgresql://ops:hunter2-s3cret@127.0.0.1:1/hub?connect_timeout=1"
    config.write_text("port = 8080\n")
    done = subprocess.run(
        [sys.executable, "-m", "server", "api", "--hub-config", str(config), "clients", "list"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TIELINE_HOME": str(tmp_path),
             "TIELINE_HUB_DATABASE_URL": url},
    )  # fmt: skip
    assert done.returncode != 0
    assert "127.0.0.1:1/hub" in done.stderr and "PostgreSQL" in done.stderr, done.stderr
    assert "hunter2" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("error", ["psycopg", "sqlite", "store"])
async def test_a_request_whose_database_is_away_gets_a_503_problem(error: str) -> None:
    """Past the credentials, a statement that finds the database away (it went between the
    two) is answered as a problem with Retry-After, not a bare 500."""
    import sqlite3

    import psycopg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    from connectors.sdk.errors import StoreError
    from server.teamhub.service import _database_away, _database_errors

    raised: dict[str, Exception] = {
        "psycopg": psycopg.OperationalError("server closed the connection unexpectedly"),
        "sqlite": sqlite3.OperationalError("disk I/O error"),
        "store": StoreError("cannot reach the PostgreSQL database postgresql://db/hub"),
    }

    async def page(request: Request) -> None:
        raise raised[error]

    app = Starlette(
        routes=[Route("/api/v1/events", page)],
        exception_handlers={e: _database_away for e in _database_errors()},
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        r = await http.get("/api/v1/events")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "the hub's database is unreachable; try again shortly"
