"""Starting and stopping the web face, and what it answers when a route breaks."""

from __future__ import annotations

import socket

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.web.errors import StartFailed
from server.web.face import WebFace, bind_loopback
from server.web.secrets import WebSecrets
from tests.web.conftest import HubStandIn


async def test_a_taken_port_is_a_clear_error(secrets: WebSecrets) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        face = WebFace(HubStandIn(web_settings={"port": port}), secrets)
        with pytest.raises(StartFailed, match=f"127.0.0.1:{port}"):
            await face.start()
        assert not face.running
    finally:
        taken.close()


async def test_a_configured_port_is_used_and_freed(secrets: WebSecrets) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    face = WebFace(HubStandIn(web_settings={"port": port}), secrets)
    assert await face.start() == f"http://127.0.0.1:{port}"
    await face.stop()
    await face.stop()  # twice is harmless
    again = WebFace(HubStandIn(web_settings={"port": port}), secrets)
    assert await again.start() == f"http://127.0.0.1:{port}"  # the port was released
    await again.stop()


async def _broken(request: Request) -> Response:
    raise RuntimeError("a bug with a detail that must not leak")


async def test_a_broken_route_answers_500_with_the_headers_and_no_detail(
    secrets: WebSecrets,
) -> None:
    face = WebFace(HubStandIn(), secrets, extra=[Route("/broken", _broken)])
    url = await face.start()
    auth = {"Authorization": f"Bearer {secrets.token()}"}
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.get(url + "/broken", headers=auth)
    finally:
        await face.stop()
    assert r.status_code == 500
    assert "detail" not in r.text and "Traceback" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_the_listener_says_it_is_tcp() -> None:
    """asyncio sets TCP_NODELAY on accepted connections only for a socket whose protocol is
    IPPROTO_TCP; with 0 every answer waited ~40 ms (Nagle and delayed ACK: bench/web.py)."""
    sock = bind_loopback(0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
