"""Redirects through the hub's stack: credentials stay on their origin.

Services answer some downloads with a redirect to another host (GitHub Actions' job logs and
run archives: a 302 to a short-lived, pre-signed blob URL). The credential must not follow
it, whatever header carries it, and a same-origin redirect (a renamed repository's 301) must
keep it, or a private resource would answer 404.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from connectors.github.connector import GitHubConnector
from server.hub.auth.headers import SecretAuth
from server.hub.http import NetworkSettings, build_client

SECRET = "canary-REDIRECT-0123456789abcdef"


class _Servers:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        seen = self.seen
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                who = "api" if self.server is outer.api else "blob"
                seen.append((who, self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path == "/cross":
                    self.send_response(302)
                    self.send_header("location", f"{outer.blob_url}/blob?sig=xyz")
                elif self.path == "/same":
                    self.send_response(301)
                    self.send_header("location", "/moved")
                else:
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

        self.api = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.blob = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        for s in (self.api, self.blob):
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.02}).start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api.server_address[1]}"

    @property
    def blob_url(self) -> str:
        return f"http://127.0.0.1:{self.blob.server_address[1]}"

    def stop(self) -> None:
        for s in (self.api, self.blob):
            s.shutdown()
            s.server_close()


@pytest.fixture
def servers() -> Iterator[_Servers]:
    s = _Servers()
    yield s
    s.stop()


@pytest.mark.parametrize(
    "header", [("Authorization", "Bearer {token}"), ("PRIVATE-TOKEN", "{token}")]
)
async def test_credentials_stay_on_their_origin(servers: _Servers, header: tuple[str, str]) -> None:
    http = build_client(
        GitHubConnector.manifest(),
        base_url=servers.api_url,
        auth=SecretAuth(SECRET, header=header),
        cache_dir=None,
        network=NetworkSettings(trust_env=False),
    )
    async with http:
        await http.get("/cross", headers={"cookie": "session=1"})
        await http.get("/same")
    by_path = {path: headers for _, path, headers in servers.seen}
    name = header[0].lower()
    assert SECRET in by_path["/cross"][name]
    blob = by_path["/blob?sig=xyz"]
    assert all(SECRET not in v for v in blob.values()), blob
    assert "cookie" not in blob and "authorization" not in blob
    assert SECRET in by_path["/moved"][name]  # same origin: still signed in


@pytest.mark.parametrize(
    ("start", "target", "kept"),
    [
        ("https://api.github.com/a", "https://api.github.com/b", True),
        ("http://ghe.example.com/a", "https://ghe.example.com/a", True),  # upgrade, as httpx
        ("https://ghe.example.com/a", "http://ghe.example.com/a", False),  # downgrade
        ("https://api.github.com/a", "https://api.github.com:8443/a", False),
        ("https://api.github.com/a", "https://pipelines.actions.githubusercontent.com/x", False),
    ],
)
async def test_which_hops_keep_the_credential(start: str, target: str, kept: bool) -> None:
    http = build_client(
        GitHubConnector.manifest(),
        base_url=start,
        auth=None,
        cache_dir=None,
        network=NetworkSettings(trust_env=False),
    )
    async with http:
        request = http.build_request(
            "GET", start, headers={"PRIVATE-TOKEN": SECRET, "Authorization": f"Bearer {SECRET}"}
        )
        headers = http._redirect_headers(request, httpx.URL(target), "GET")
    assert ("private-token" in headers) is kept
    assert ("authorization" in headers) is kept
