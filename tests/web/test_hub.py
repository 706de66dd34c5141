"""The web face as the language server gets it: from the real hub, on demand, stopped with
the hub; and nothing of it loaded until then."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from server.hub.config import load
from server.hub.hub import Hub
from server.web.auth import self_authentication


async def test_the_hub_starts_its_web_face_on_demand(tmp_path: Path) -> None:
    environ = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "hub web test"}
    hub = await Hub.open(root=tmp_path, store_path=tmp_path / "t.db", environ=environ)
    try:
        face = hub.web
        assert face is hub.web and not face.running
        url = await face.start()
        assert await face.start() == url  # once
        token = face.secrets.token()
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.get(url + "/healthz", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200
    finally:
        await hub.close()
    assert not face.running
    async with httpx.AsyncClient(timeout=10) as http:
        try:
            await http.get(url + "/healthz")
        except httpx.ConnectError:
            pass
        else:
            raise AssertionError("the web face still answers after the hub closed")


def test_nothing_of_the_web_face_loads_with_the_hub_or_the_cli() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "import json, sys\nimport server.cli, server.hub.hub\n"
        "server.cli.build_parser(['doctor'])\nprint(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    # h11 alone is no sign of the web face: the hub's outgoing webhooks send with it.
    heavy = {m for m in loaded if m.split(".")[0] in ("starlette", "uvicorn")}
    assert heavy == set()
    assert not any(m.startswith("server.web") for m in loaded)


def test_a_workspace_file_cannot_loosen_the_web_face(tmp_path: Path) -> None:
    """A cloned repository's .tieline.toml must not open the web face to other origins or
    hosts; the user's own configuration file may."""
    (tmp_path / ".tieline.toml").write_text(
        '[web]\nallowed_origins = ["http://evil.example"]\nallowed_hosts = ["evil.example"]\n'
        "[sync]\npoll_interval = 120\n"
    )
    user = tmp_path / "user.toml"
    user.write_text('[web]\nallowed_origins = ["http://localhost:5173"]\nport = 8765\n')
    loaded = load(workspace=tmp_path, user_file=user, environ={}, manifests=[])
    assert loaded.config.web.allowed_origins == ["http://localhost:5173"]
    assert loaded.config.web.allowed_hosts == []
    assert loaded.config.web.port == 8765
    assert loaded.config.sync.poll_interval == 120  # the rest of the file still counts
    assert [(p.key, p.source) for p in loaded.problems] == [
        ("web", str(tmp_path / ".tieline.toml"))
    ]


def test_bad_web_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text('[web]\nallowed_origins = ["http://a.example/path"]\nreplay_window = 5\n')
    loaded = load(user_file=user, environ={}, manifests=[])
    assert loaded.config.web.allowed_origins == []
    assert loaded.config.web.replay_window == 300
    assert {p.key for p in loaded.problems} == {"web.allowed_origins.0", "web.replay_window"}


#: The only routes a request without any credential may get a 200 from: the OAuth
#: provider's metadata (RFC 8414, which clients read before they have a token) and the
#: device page a person opens to find how to approve (it shows nothing of theirs).
PUBLIC = {"GET /.well-known/oauth-authorization-server", "GET /oauth/device"}


async def test_every_route_of_the_hubs_web_face_is_guarded(tmp_path: Path) -> None:
    """The probes over the web face as the hub builds it, with every part it gathers
    (widgets...), so a part added later is probed without anyone listing its routes."""
    from tests.web.probes import probes

    environ = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "hub web test"}
    hub = await Hub.open(root=tmp_path, store_path=tmp_path / "t.db", environ=environ)
    try:
        url = await hub.web.start()
        app = hub.web.app
        assert app is not None
        port = hub.web.port
        found = list(probes(app.routes))
        assert any(p.template.startswith("/widgets/") for p in found)
        async with httpx.AsyncClient(timeout=10) as http:
            for probe in found:
                path = probe.path.replace("probe-source", "github")
                r = await http.request(probe.method, url + path, content=b"{}")
                if str(probe) in PUBLIC:
                    # public by design: what a client discovers, the page a person opens
                    assert r.status_code == 200, str(probe)
                    assert "public by design" in str(self_authentication(probe.endpoint))
                elif probe.self_authenticating:
                    assert r.status_code >= 400, str(probe)
                else:
                    assert r.status_code == 401, (str(probe), r.status_code)
                r = await http.request(
                    probe.method, url + path, headers={"Host": f"evil.example:{port}"}
                )
                assert r.status_code == 421, str(probe)
    finally:
        await hub.close()
