"""The editor's side over stdio: a real language server registers an API client, answers a
waiting consent request with a message prompt (the client here clicks "Allow"), and lists
and withdraws the grant -- against the database the served provider uses."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from server.hub.events import EventBus
from server.hub.store import Store
from server.lsp.features import api_clients
from tests.lsp.conftest import Env, run_command, server_env, start_prompted

from .conftest import Api, sqlite_provider
from .flows import authorize, client_for


@sqlite_provider  # the editor's Tieline works on TIELINE_HOME's database file
async def test_register_approve_and_revoke_from_the_editor(
    api: Api, tmp_path: Path, tieline_home: Path
) -> None:
    root = tmp_path / "work"
    root.mkdir()
    env = server_env(Env(root=root, github=None, home=tieline_home))
    del env["TIELINE_GITHUB_TOKEN"]
    c = await start_prompted(env, root)
    try:
        made = await run_command(
            c,
            api_clients.ADD,
            {
                "name": "Editor script",
                "redirectUris": ["http://127.0.0.1/callback"],
                "scopes": ["snippets:read"],
            },
        )
        client_id = made["clientId"]
        assert "clientSecret" not in made
        listed = await run_command(c, api_clients.LIST)
        assert [x["name"] for x in listed["clients"]] == ["Editor script"]

        api.approver.mode = "hold"
        api.provider.consent_wait = 0.0
        async with client_for(api, client_id, scope="snippets:read") as client:
            verifier = secrets.token_urlsafe(48)
            assert (await authorize(api, client, verifier)).status_code == 200
            asked = await api.approver.only()

            answered = await run_command(c, api_clients.APPROVE)
            assert answered == {"id": asked.id, "status": "approved"}
            prompts: list[types.ShowMessageRequestParams] = c.prompts  # type: ignore[attr-defined]
            text = prompts[-1].message
            assert '"Editor script" asks' in text
            assert "http://127.0.0.1:53682/callback" in text
            assert "snippets:read: read your snippets" in text
            assert [a.title for a in prompts[-1].actions or []] == ["Allow", "Deny"]

            done = await client.request(
                "GET", api.url(f"/oauth/authorize/wait?request={asked.id}"), withhold_token=True
            )
            token = await client.fetch_token(
                api.url("/oauth/token"),
                authorization_response=done.headers["location"],
                code_verifier=verifier,
            )
        grants = await run_command(c, api_clients.GRANTS)
        assert [(g["clientId"], g["scopes"]) for g in grants["grants"]] == [
            (client_id, ["snippets:read"])
        ]
        revoked = await run_command(c, api_clients.REVOKE, client_id)
        assert revoked == {"revokedTokens": 1}
        assert api.provider.verify(str(token["access_token"]), "snippets:read") is None
        assert await run_command(c, api_clients.APPROVE) == {"state": "none"}

        secret_made = await run_command(
            c,
            api_clients.ADD,
            {"name": "Server", "kind": "confidential", "redirectUris": ["https://s.example/cb"]},
        )
        secret = secret_made["clientSecret"]
        assert secret.startswith("tlcs_")
        with pytest.raises(JsonRpcException, match="only allowed to a loopback address"):
            await run_command(
                c, api_clients.ADD, {"name": "x", "redirectUris": ["http://example.com/cb"]}
            )
    finally:
        await c.shutdown_session()
    # The secret went to the editor once; not to the server's log (at debug) nor the database.
    assert _files_holding(tieline_home / "logs", b"tlci_"), "no log written: the check is void"
    assert _files_holding(tieline_home, secret.encode()) == []


def _files_holding(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


class _Editor:
    """What :func:`api_clients.subscribe` uses of the language server: its prompt."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[str] = []
        self.background: set[object] = set()

    async def window_show_message_request_async(
        self, params: types.ShowMessageRequestParams
    ) -> types.MessageActionItem:
        self.asked.append(params.message)
        return types.MessageActionItem(title=self.answer)


class _Hub:
    """What :func:`api_clients.subscribe` uses of the hub: its bus and its store."""

    def __init__(self, bus: EventBus, store: Store) -> None:
        self.bus = bus
        self.store = store


async def test_a_consent_request_on_the_bus_becomes_a_prompt(api: Api) -> None:
    """The provider publishes on the hub's bus; the editor's subscriber asks and decides, and
    the authorization that waited completes with the code."""
    bus = EventBus()
    api.provider.bus = bus
    api.approver.mode = "hold"
    editor = _Editor("Allow")
    async with Store.open(api.provider.target) as store:
        api_clients.subscribe(editor, _Hub(bus, store))  # type: ignore[arg-type]
        reg = await api.public_client()
        async with client_for(api, reg.client.client_id) as client:
            resp = await authorize(api, client, secrets.token_urlsafe(48))
            assert resp.status_code == 302, resp.text
            assert "code=" in resp.headers["location"]
    (text,) = editor.asked
    assert '"Test CLI" asks' in text and "issues:read" in text
