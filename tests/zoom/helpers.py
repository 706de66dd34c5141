"""Wire the Zoom connector through the hub's real HTTP stack to the stand-in."""

from __future__ import annotations

from connectors.sdk.redact import register_shapes
from connectors.zoom.connector import ZoomConnector
from server.hub.http import HubClient
from tests.standin.harness import wire

__all__ = ["MANIFEST", "TOKEN", "connect"]
#: Shaped as Zoom's access tokens are (a JWT).
TOKEN = (
    "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.eyJ2ZXIiOjksImF1aWQiOiJzdGFuZGluIn0.c0ffee11c0ffee11"
)
MANIFEST = ZoomConnector.manifest()
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str, *, token: str = TOKEN, method: str = "token", max_rate_wait: float = 10.0
) -> tuple[ZoomConnector, HubClient]:
    """The connector as a session holds it, its API at ``<stand-in>/v2``."""
    return wire(
        ZoomConnector,
        f"{url}/v2",
        token=token,
        method=method,
        web_url="https://zoom.us",
        host="zoom.us",
        account="ada@acme.test",
        max_rate_wait=max_rate_wait,
    )
