"""A part from another package installs itself through the ``tieline.web`` entry-point
group: a real distribution's metadata on ``sys.path`` (as ``pip install`` would leave it),
its routes mounted by the hub's web face and guarded, its authenticator in the chain; a
broken part is left out."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.web.face import for_hub
from tests.web.conftest import HubStandIn

PART = """
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from server.web.auth import Principal, bearer_token
from server.web.parts import Part


class Keys:
    name = "demo-keys"

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        ok = bearer_token(conn) == "demo-key"
        return Principal("demo-client", frozenset({"demo"}), via=self.name) if ok else None


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": request.user.identity})


def part(hub: object, secrets: object) -> Part:
    return Part(routes=[Mount("/demo", routes=[Route("/hello", hello)])], authenticators=[Keys()])


def broken(hub: object, secrets: object) -> Part:
    raise RuntimeError("this part is broken")


def wrong(hub: object, secrets: object) -> object:
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
        "wrong = tieline_demo_part:wrong\nmissing = tieline_demo_part:nothing_here\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("TIELINE_VAULT_BACKEND", "file")
    monkeypatch.setenv("TIELINE_VAULT_PASSPHRASE", "parts test")


async def test_an_installed_part_is_mounted_and_guarded(
    installed: None, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    face = for_hub(HubStandIn())
    url = await face.start()
    try:
        for name in ("broken", "wrong", "missing"):
            assert f"web part {name}" in caplog.text
        assert (await http.get(url + "/demo/hello")).status_code == 401
        r = await http.get(url + "/demo/hello", headers={"Authorization": "Bearer demo-key"})
        assert r.json() == {"hello": "demo-keys:demo-client"}
        r = await http.get(url + "/demo/hello", headers={"Host": "evil.example"})
        assert r.status_code == 421
        local = {"Authorization": f"Bearer {face.secrets.token()}"}
        assert (await http.get(url + "/demo/hello", headers=local)).status_code == 200
    finally:
        await face.stop()
