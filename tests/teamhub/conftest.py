"""``tieline hub serve`` run for real: subprocesses on ephemeral ports sharing one database,
with OAuth clients registered in it and tokens got through the hub's own device grant (the
operator's approval done here, from another process, as ``tieline api approve`` would).

Every test that takes ``cluster`` runs twice: the nodes share an SQLite file, or a fresh
database of the session's throwaway PostgreSQL cluster (tests/pg.py) -- the deployment a team
runs, several nodes on several machines. A test about the file says ``@sqlite_hub``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.hub.oauth_provider.admin import ApiAdmin
from server.web.hooks import signatures as sig
from tests.pg import BACKENDS, backend_target, pg_cluster

__all__ = ["pg_cluster", "sqlite_hub"]

ROOT = Path(__file__).resolve().parents[2]
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
SECRETS = {
    "alpha": {"github": "gh-alpha-s3cret-value", "gitlab": "gl-alpha-t0ken-value",
              "jira": "jira-alpha-s3cret-value"},
    "beta": {"github": "gh-beta-s3cret-value"},
}  # fmt: skip


@dataclass
class HubProc:
    """One running ``tieline hub serve``."""

    proc: subprocess.Popen[str]
    url: str
    stderr: Path

    def logs(self) -> list[str]:
        return self.stderr.read_text("utf-8").splitlines()

    def terminate(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


@dataclass
class Team:
    name: str
    client_id: str
    token: str = ""


@dataclass
class Cluster:
    """A database, teams and their clients, and the hub nodes started over them."""

    tmp: Path
    #: The nodes' database: an SQLite file, or a PostgreSQL URL.
    db: Path | str
    config: Path
    env: dict[str, str]
    teams: dict[str, Team] = field(default_factory=dict)
    nodes: list[HubProc] = field(default_factory=list)

    def start(self, **extra_env: str) -> HubProc:
        n = len(self.nodes)
        err = self.tmp / f"node{n}.stderr"
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "hub", "serve", "--config", str(self.config)],
            cwd=ROOT,
            env={**self.env, "TIELINE_HUB_NODE": f"node{n}", **extra_env},
            stdout=subprocess.PIPE,
            stderr=err.open("w"),
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until it listens (or dies)
        if not line.startswith("listening on "):
            proc.wait(timeout=10)
            raise AssertionError(f"the hub did not start: {line!r} {err.read_text()}")
        node = HubProc(proc, line.split()[-1], err)
        self.nodes.append(node)
        return node

    async def token(self, node: HubProc, team: str, scope: str = "events:read") -> str:
        """A token for ``team``'s client through the device grant on ``node``."""
        t = self.teams[team]
        async with httpx.AsyncClient(base_url=node.url) as http:
            r = await http.post(
                "/oauth/device_authorization", data={"client_id": t.client_id, "scope": scope}
            )
            assert r.status_code == 200, r.text
            code = r.json()
            admin = ApiAdmin(self.db)
            try:
                await admin.decide(code["user_code"], approve=True, by="operator")
            finally:
                admin.storage.close()
            r = await http.post(
                "/oauth/token",
                data={"grant_type": DEVICE, "device_code": code["device_code"],
                      "client_id": t.client_id},
            )  # fmt: skip
            assert r.status_code == 200, r.text
            return str(r.json()["access_token"])


def write_config(path: Path, db: Path | str, teams: dict[str, list[str]], **top: Any) -> None:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    lines = [f"database_url = {json.dumps(url)}", "port = 0", "poll_interval = 0.05"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in top.items()]
    for name, clients in teams.items():
        lines += [f"[teams.{name}]", f"clients = {json.dumps(clients)}"]
        lines += [f"sources = {json.dumps(sorted(SECRETS.get(name, {})))}"]
    path.write_text("\n".join(lines) + "\n")


#: For a test about the SQLite file itself.
sqlite_hub = pytest.mark.parametrize("hub_backend", ["sqlite"])


@pytest.fixture(params=BACKENDS)
def hub_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def hub_db(hub_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """The nodes' database: a file, or a fresh PostgreSQL database's URL."""
    return backend_target(request, hub_backend, tmp_path / "hub.db", "hub")


@pytest.fixture
async def cluster(tmp_path: Path, hub_db: Path | str) -> AsyncIterator[Cluster]:
    db = hub_db
    admin = await ApiAdmin(db).ready()
    teams: dict[str, Team] = {}
    try:
        for name in ("alpha", "beta", "nobody"):
            reg = await admin.add_client(
                f"{name} editor", kind="public", redirect_uris=["http://127.0.0.1/cb"],
                scopes=["events:read", "issues:read"],
            )  # fmt: skip
            teams[name] = Team(name, reg.client.client_id)
    finally:
        admin.storage.close()
    config = tmp_path / "hub.toml"
    write_config(
        config, db, {n: [t.client_id] for n, t in teams.items() if n != "nobody"},
        keepalive=30,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env["TIELINE_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(ROOT)
    for team, by_source in SECRETS.items():
        for source, secret in by_source.items():
            env[f"TIELINE_HUB_SECRET_{team.upper()}_{source.upper()}"] = secret
    c = Cluster(tmp_path, db, config, env, teams)
    try:
        yield c
    finally:
        for node in c.nodes:
            with contextlib.suppress(Exception):
                node.terminate()
            if node.proc.poll() is None:
                node.proc.kill()


# -- senders -------------------------------------------------------------------------------------


def github_pr(number: int, *, action: str = "opened", repo: str = "octo/app") -> dict[str, Any]:
    return {
        "action": action,
        "number": number,
        "pull_request": {"number": number, "title": f"PR {number}", "merged": False,
                         "html_url": f"https://github.com/{repo}/pull/{number}",
                         "user": {"login": "ada"}},
        "repository": {"full_name": repo, "html_url": f"https://github.com/{repo}"},
        "sender": {"login": "ada"},
    }  # fmt: skip


def gitlab_issue(iid: int) -> dict[str, Any]:
    return {
        "object_kind": "issue",
        "project": {"path_with_namespace": "group/proj", "web_url": "https://gitlab.com/group/proj"},
        "object_attributes": {"iid": iid, "title": f"Issue {iid}", "action": "open",
                              "url": f"https://gitlab.com/group/proj/-/issues/{iid}"},
        "user": {"username": "bob"},
    }  # fmt: skip


def jira_issue(key: str) -> dict[str, Any]:
    return {
        "webhookEvent": "jira:issue_created",
        "issue": {"key": key, "self": "https://acme.atlassian.net/rest/api/2/issue/1",
                  "fields": {"summary": f"Jira {key}"}},
        "user": {"displayName": "Cy"},
    }  # fmt: skip


def signed(
    source: str, payload: dict[str, Any], *, team: str = "alpha", delivery: str | None = None,
    secret: str | None = None,
) -> tuple[str, bytes, dict[str, str]]:  # fmt: skip
    """The path, body and headers of a delivery as its sender would make it."""
    body = json.dumps(payload).encode()
    key = secret if secret is not None else SECRETS[team][source]
    did = delivery or str(uuid.uuid4())
    headers = {"content-type": "application/json"}
    if source == "github":
        headers |= {"x-github-event": "pull_request", "x-github-delivery": did,
                    "x-hub-signature-256": sig.sign_github(key, body)}  # fmt: skip
    elif source == "gitlab":
        headers |= {"x-gitlab-event": "Issue Hook", "x-gitlab-token": key,
                    "idempotency-key": did}  # fmt: skip
    elif source == "jira":
        headers |= {"x-hub-signature": sig.sign_jira(key, body),
                    "x-atlassian-webhook-identifier": did}  # fmt: skip
    return f"/hooks/{team}/{source}", body, headers


async def send(node: HubProc, source: str, payload: dict[str, Any], **kw: Any) -> httpx.Response:
    path, body, headers = signed(source, payload, **kw)
    async with httpx.AsyncClient(base_url=node.url) as http:
        return await http.post(path, content=body, headers=headers)


# -- an SSE client -------------------------------------------------------------------------------


@dataclass
class Frame:
    id: int | None
    event: str | None
    data: Any
    comment: str = ""


class Stream:
    """An SSE reader over httpx: frames one at a time, comments included."""

    def __init__(self, node: HubProc, token: str, last_event_id: int | None = None) -> None:
        self.node = node
        self.headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
        if last_event_id is not None:
            self.headers["last-event-id"] = str(last_event_id)
        self._stack = contextlib.AsyncExitStack()
        self.response: httpx.Response | None = None
        self._lines: AsyncIterator[str] | None = None

    async def __aenter__(self) -> Stream:
        http = await self._stack.enter_async_context(
            httpx.AsyncClient(base_url=self.node.url, timeout=httpx.Timeout(30, read=60))
        )
        self.response = await self._stack.enter_async_context(
            http.stream("GET", "/api/v1/events/stream", headers=self.headers)
        )
        if self.response.status_code == 200:
            self._lines = self.response.aiter_lines()
            first = await self.next_frame()  # the preamble: the stream follows the log now
            assert first.comment.startswith("resuming after"), first
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def next_frame(self) -> Frame:
        assert self._lines is not None
        fid: int | None = None
        event: str | None = None
        data: list[str] = []
        comment = ""
        async with asyncio.timeout(20):
            async for line in self._lines:
                if line == "":
                    if fid is None and event is None and not data and not comment:
                        continue
                    payload = json.loads("\n".join(data)) if data else None
                    return Frame(fid, event, payload, comment)
                if line.startswith(":"):
                    comment = line[1:].strip()
                elif line.startswith("id: "):
                    fid = int(line[4:])
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
        raise EOFError("the stream ended")

    async def events(self, n: int) -> list[Frame]:
        """The next ``n`` event frames (comments and hints skipped)."""
        got: list[Frame] = []
        while len(got) < n:
            f = await self.next_frame()
            if f.id is not None:
                got.append(f)
        return got
