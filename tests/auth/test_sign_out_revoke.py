"""Sign-out builds the connector it revokes through with the account's own sign-in method:
a connector's ``revoke()`` may depend on it (Linear ends OAuth tokens at /oauth/revoke and
leaves a personal API key, which only its owner can delete, alone)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
from pydantic import SecretStr

from connectors.sdk.registry import default_registry
from server.hub.auth.orchestrator import SignIns
from server.hub.auth.service import resolve_service
from server.hub.vault import Credentials


class Probe:
    """The connector sign-out revokes through: it revokes only what was signed in by OAuth."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.ctx = SimpleNamespace(http=httpx.AsyncClient())

    async def revoke(self, token: str, app: Any) -> bool:
        return self.method == "pkce"


class FakeHub:
    registry = default_registry()
    environ: dict[str, str] = {}

    def __init__(self) -> None:
        self.built: list[str] = []

    def settings(self, connector: str) -> Any:
        return None

    def build_connector(self, connector: str, host: str, login: str, auth: Any, **kw: Any) -> Any:
        method = kw.get("method", "token")
        self.built.append(method)
        return Probe(method)


async def test_the_probe_is_built_with_the_accounts_method() -> None:
    hub = FakeHub()
    signins = SignIns(hub)  # type: ignore[arg-type]
    service = resolve_service(hub.registry.manifest("linear"), env={})
    creds = Credentials(
        connector="linear",
        host="linear.app",
        login="ada",
        access_token=SecretStr("lin_oauth_" + "a" * 40),
        method="pkce",
    )
    revoked, note = await signins._revoke(service, creds)
    assert hub.built == ["pkce"]
    assert revoked is True and "revoked" in note
