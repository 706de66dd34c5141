"""A part installs itself through the ``tieline.web`` entry-point group: a real
distribution's metadata on ``sys.path`` (as ``pip install`` would leave it), its routes
mounted and guarded, its authenticator in the chain; a broken part is left out."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.web.face import WebFace
from server.web.secrets import WebSecrets
from tests.web.conftest import HubStandIn

PART = """
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from server.web.auth import Principal, bearer_token
from server.web.parts import WebPart


class Keys:
    name = "demo-keys"

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        ok = bearer_token(conn) == "demo-key"
        return Principal("demo-client", frozenset({"demo"}), via=self.name) if ok else None


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": request.user.identity})


def part(hub: object) -> WebPart:
    return WebPart("demo", routes=[Mount("/demo", routes=[Route("/hello", hello)])],
                   authenticators=[Keys()])


def broken(hub: object) -> WebPart:
    raise RuntimeError("this part is broken")


def wrong(hub: object) -> object:
    return "not a part"
"""


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tieline_demo_part.py").write_text(PART)
    info = tmp_path / "tieline_demo_part-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tieline-demo-part\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[tieline.web]\ndemo = tieline_demo_part:part\nbroken = tieline_demo_part:broken\n"
        "wrong = tieline_demo_part:wrong\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


async def test_an_installed_part_is_mounted_and_guarded(
    installed: None, secrets: WebSecrets, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    face = WebFace(HubStandIn(), secrets)
    url = await face.start()
    try:
        assert [p.name for p in face.parts] == ["demo"]
        assert "web part broken" in caplog.text and "web part wrong" in caplog.text
        assert (await http.get(url + "/demo/hello")).status_code == 401
        r = await http.get(url + "/demo/hello", headers={"Authorization": "Bearer demo-key"})
        assert r.json() == {"hello": "demo-keys:demo-client"}
        r = await http.get(url + "/demo/hello", headers={"Host": "evil.example"})
        assert r.status_code == 421
        local = {"Authorization": f"Bearer {secrets.token()}"}
        assert (await http.get(url + "/demo/hello", headers=local)).status_code == 200
    finally:
        await face.stop()


async def test_parts_can_be_left_out(installed: None, secrets: WebSecrets) -> None:
    face = WebFace(HubStandIn(), secrets, discover_parts=False)
    await face.start()
    try:
        assert face.parts == []
    finally:
        await face.stop()
