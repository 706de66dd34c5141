"""``tieline api ...`` as a real subprocess, against the database the served provider uses."""

from __future__ import annotations

import asyncio
import secrets
import sys

from .conftest import Api, sqlite_provider
from .flows import authorize, client_for, query

pytestmark = sqlite_provider  # the commands work on TIELINE_HOME's database file


async def tieline(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "api",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_clients_approve_and_grants_from_the_command_line(api: Api) -> None:
    rc, out, err = await tieline(
        "clients",
        "add",
        "My script",
        "--redirect",
        "http://127.0.0.1/callback",
        "--scope",
        "issues:read",
        "--scope",
        "issues:write",
    )
    assert rc == 0, err
    assert "client_secret" not in out
    client_id = out.split("client_id:", 1)[1].split()[0]

    rc, out, _ = await tieline("clients", "list")
    assert client_id in out and "My script" in out and "public" in out

    # A browser asks; nobody in an editor answers; the person approves at a terminal.
    api.approver.mode = "hold"
    api.provider.consent_wait = 0.0
    async with client_for(api, client_id, scope="issues:write") as client:
        verifier = secrets.token_urlsafe(48)
        page = await authorize(api, client, verifier)
        assert page.status_code == 200
        asked = await api.approver.only()

        rc, out, _ = await tieline("pending")
        assert asked.id in out and "My script" in out and "issues:write" in out

        rc, out, err = await tieline("approve", asked.id.lower())
        assert rc == 0, err
        assert f"{asked.id}: approved" in out
        rc, _, err = await tieline("approve", asked.id)
        assert rc == 1 and "already" in err

        done = await client.request(
            "GET", api.url(f"/oauth/authorize/wait?request={asked.id}"), withhold_token=True
        )
        assert done.status_code == 302
        token = await client.fetch_token(
            api.url("/oauth/token"),
            authorization_response=done.headers["location"],
            code_verifier=verifier,
        )
    access = str(token["access_token"])
    assert api.provider.verify(access, "issues:write") is not None

    rc, out, _ = await tieline("grants", "list")
    assert client_id in out and "issues:write" in out and "1 live token(s)" in out
    rc, _, err = await tieline("grants", "revoke", client_id)
    assert rc == 0 and "1 token(s)" in err
    assert api.provider.verify(access, "issues:write") is None
    rc, _, err = await tieline("grants", "revoke", client_id)
    assert rc == 5

    rc, _, err = await tieline("clients", "remove", client_id)
    assert rc == 0
    rc, out, _ = await tieline("clients", "list")
    assert client_id not in out


async def test_denied_at_the_terminal(api: Api) -> None:
    api.approver.mode = "hold"
    api.provider.consent_wait = 0.0
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        await authorize(api, client, secrets.token_urlsafe(48), state="s1")
        asked = await api.approver.only()
        rc, out, _ = await tieline("deny", asked.id)
        assert rc == 0 and "denied" in out
        done = await client.request(
            "GET", api.url(f"/oauth/authorize/wait?request={asked.id}"), withhold_token=True
        )
        got = query(done.headers["location"])
        assert got["error"] == "access_denied" and got["state"] == "s1"


async def test_confidential_secret_is_shown_once_and_bad_input_is_explained(api: Api) -> None:
    rc, out, err = await tieline(
        "clients", "add", "Build bot", "--confidential", "--redirect", "https://ci.example/cb"
    )
    assert rc == 0, err
    assert "client_secret: tlcs_" in out and "shown once" in err

    rc, _, err = await tieline("clients", "add", "Bad", "--redirect", "http://example.com/cb")
    assert rc == 4 and "loopback" in err
    rc, _, err = await tieline("clients", "add", "Bad", "--redirect", "http://localhost/cb")
    assert rc == 4 and "127.0.0.1" in err
    rc, _, err = await tieline("clients", "add", "Bad", "--redirect", "https://app.example/cb")
    assert rc == 4 and "public" in err
    rc, _, err = await tieline(
        "clients", "add", "Bad", "--redirect", "http://127.0.0.1/cb", "--scope", "repo"
    )
    assert rc == 4 and "unknown scope repo" in err and "issues:read" in err
    rc, _, err = await tieline("approve", "BCDF-GHJK")
    assert rc == 5 and "no consent request" in err
