"""A real OAuth server (oidc-provider, tests/peers/oidc_server.mjs) and helpers that play the
user's part in its login, consent and device pages with httpx."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from keyring.backends import fail

from server.hub.auth import (
    Identity,
    MemoryGrants,
    OAuthClientConfig,
    Secret,
    ServiceAuth,
    login_web,
)
from server.hub.vault import Credentials, Vault, open_vault

PEERS = Path(__file__).resolve().parents[1] / "peers"
CLIENT_ID = "tieline-test"


@dataclass
class OidcServer:
    issuer: str

    def client(self, scopes: tuple[str, ...] = ("openid", "repo")) -> OAuthClientConfig:
        return OAuthClientConfig(
            client_id=CLIENT_ID,
            token_url=f"{self.issuer}/token",
            authorize_url=f"{self.issuer}/auth",
            device_authorization_url=f"{self.issuer}/device/auth",
            scopes=scopes,
        )

    def service(self) -> ServiceAuth:
        return ServiceAuth(
            connector="oidctest", name="Test OP", host="127.0.0.1", api_url=self.issuer,
            methods=("device", "pkce"), oauth=self.client(),
        )  # fmt: skip

    async def stats(self) -> dict[str, int]:
        async with httpx.AsyncClient() as http:
            return dict((await http.get(f"{self.issuer}/__stats")).json())

    async def arrange(self, device_poll: str) -> None:
        async with httpx.AsyncClient() as http:
            (await http.post(f"{self.issuer}/__arrange", json={"device_poll": device_poll}))

    async def revoke(self, token: str) -> None:
        async with httpx.AsyncClient() as http:
            r = await http.post(
                f"{self.issuer}/token/revocation", data={"client_id": CLIENT_ID, "token": token}
            )
            assert r.status_code == 200, r.text


@pytest.fixture(scope="session")
def oidc() -> Iterator[OidcServer]:
    node = shutil.which("node")
    if node is None or not (PEERS / "node_modules" / "oidc-provider").exists():
        pytest.skip("node or tests/peers/node_modules/oidc-provider missing: run make setup-test")
    proc = subprocess.Popen(
        [node, str(PEERS / "oidc_server.mjs")], cwd=PEERS, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail("oidc_server.mjs exited before listening")
        yield OidcServer(json.loads(line)["issuer"])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_UID = re.compile(r"/interaction/([^/?#]+)")
_XSRF = re.compile(r'name="xsrf" value="([^"]+)"')


async def _login_and_consent(
    ui: httpx.AsyncClient, page: httpx.Response, login: str
) -> httpx.Response:
    """From a login page, sign in as ``login`` and approve consent; return the final page."""
    for prompt in ("login", "consent"):
        m = _UID.search(str(page.url))
        assert m, f"expected an interaction page, got {page.url}: {page.text[:300]}"
        assert f'value="{prompt}"' in page.text or prompt == "consent", page.text[:300]
        page = await ui.post(
            f"{page.url.scheme}://{page.url.netloc.decode()}/interaction/{m.group(1)}",
            data={"prompt": prompt, "login": login, "password": "any"},
        )
    return page


async def user_approves_browser(url: str, login: str = "alice") -> httpx.Response:
    """Play the browser: open the authorize URL, sign in, consent, follow to the redirect."""
    async with httpx.AsyncClient(follow_redirects=True) as ui:
        page = await ui.get(url)
        return await _login_and_consent(ui, page, login)


async def user_enters_device_code(
    issuer: str, user_code: str, login: str = "alice", *, abort: bool = False
) -> httpx.Response:
    """Play the user on another device: type the code, confirm (or abort), sign in, consent."""
    async with httpx.AsyncClient(follow_redirects=True) as ui:
        form = await ui.get(f"{issuer}/device")
        xsrf = _XSRF.search(form.text)
        assert xsrf, form.text[:300]
        confirm = await ui.post(
            f"{issuer}/device", data={"xsrf": xsrf.group(1), "user_code": user_code}
        )
        xsrf2 = _XSRF.search(confirm.text)
        assert xsrf2, confirm.text[:300]
        decision = {"abort": "yes"} if abort else {"confirm": "yes"}
        page = await ui.post(
            f"{issuer}/device",
            data={"xsrf": xsrf2.group(1), "user_code": user_code, **decision},
        )
        if abort:
            return page
        return await _login_and_consent(ui, page, login)


async def oidc_whoami(http: httpx.AsyncClient, service: ServiceAuth, secret: Secret) -> Identity:
    token = secret.token
    r = await http.get(f"{service.api_url}/me", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return Identity(r.json()["sub"])


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return open_vault(
        "file", keyring_backend=fail.Keyring(), file=tmp_path / "vault.json",
        env={"TIELINE_VAULT_PASSPHRASE": "test passphrase"}, scrypt_n=2**10,
    )  # fmt: skip


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def sign_in_web(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient, login: str = "alice"
) -> Credentials:
    """A real PKCE sign-in, the browser played by httpx."""
    tasks: list[asyncio.Task[httpx.Response]] = []

    def browser(url: str) -> None:
        tasks.append(asyncio.create_task(user_approves_browser(url, login)))

    creds = await login_web(
        oidc.service(), http=http, vault=vault, grants=MemoryGrants(), prompter=None,
        open_browser=browser,
        assume_yes=True, whoami=oidc_whoami, wait_seconds=30,
    )  # fmt: skip
    page = await tasks[0]
    assert "Signed in to Tieline" in page.text
    return creds
