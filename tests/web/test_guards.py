"""The guards every route is behind, probed over real HTTP on every route the app has:
the ``Host`` check (DNS rebinding), no CORS unless configured, authentication, and the
security headers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.hub.vault import Vault
from server.web.app import create_app
from server.web.face import WebFace
from server.web.hooks import HookInbox
from server.web.hooks.sources import SOURCES
from server.web.secrets import WebSecrets
from tests.web.conftest import EXTRA, HubStandIn, Served, file_vault
from tests.web.probes import Probe, probes

ORIGIN = "http://localhost:5173"


def all_probes(served: Served) -> list[Probe]:
    assert served.face.app is not None
    found = list(probes(served.face.app.routes))
    # The table really is read: the built-in routes and the extra ones are all there.
    templates = {p.template for p in found}
    assert {"/healthz", "/hooks/{source}", "/api/items/{id}", "/pages/hello"} <= templates
    return found


def hook_paths(probe: Probe) -> list[str]:
    """A self-authenticating route is probed once per source it serves."""
    if probe.template == "/hooks/{source}":
        return [f"/hooks/{name}" for name in SOURCES]
    return [probe.path]


async def test_only_the_webhook_endpoint_authenticates_itself(served: Served) -> None:
    """Anything else that skips the token must be added here on purpose, after review."""
    own = {p.template for p in all_probes(served) if p.self_authenticating}
    assert own == {"/hooks/{source}"}
    inbox = served.face.app.state.inbox if served.face.app else None
    assert isinstance(inbox, HookInbox)


# -- Host ------------------------------------------------------------------------------------
def foreign_hosts(port: int) -> list[str]:
    return [
        "evil.example",
        f"evil.example:{port}",
        f"127.0.0.1.evil.example:{port}",
        f"localhost.evil.example:{port}",
        f"127.0.0.1:{port + 1}",
        f"localhost:{port + 1}",
        "127.0.0.1",
        "localhost",
        f"127.0.0.2:{port}",
        f"[::1]:{port}",  # not bound, so not ours
        f"0.0.0.0:{port}",
    ]


async def test_a_foreign_host_gets_421_on_every_route(
    served: Served, http: httpx.AsyncClient
) -> None:
    for probe in all_probes(served):
        for path in hook_paths(probe):
            for host in foreign_hosts(served.port):
                r = await http.request(
                    probe.method,
                    served.url + path,
                    headers={"Host": host, **served.auth()},
                )
                assert r.status_code == 421, (str(probe), host, r.status_code)
                assert r.text == "misdirected request\n"
                assert r.headers["x-content-type-options"] == "nosniff"


async def test_own_names_pass_the_host_guard(served: Served, http: httpx.AsyncClient) -> None:
    port = served.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}"):
        r = await http.get(served.url + "/healthz", headers={"Host": host, **served.auth()})
        assert r.status_code == 200, host


@pytest.mark.parametrize("web_settings", [{"allowed_hosts": ["hooks.example.net"]}])
async def test_a_configured_tunnel_name_passes(served: Served, http: httpx.AsyncClient) -> None:
    r = await http.get(
        served.url + "/healthz", headers={"Host": "hooks.example.net", **served.auth()}
    )
    assert r.status_code == 200
    r = await http.get(served.url + "/healthz", headers={"Host": "evil.example", **served.auth()})
    assert r.status_code == 421


# -- CORS ------------------------------------------------------------------------------------
def acao(r: httpx.Response) -> list[str]:
    return [k for k in r.headers if k.lower().startswith("access-control-")]


async def test_no_cors_headers_and_preflight_refused_by_default(
    served: Served, http: httpx.AsyncClient
) -> None:
    for probe in all_probes(served):
        for path in hook_paths(probe):
            r = await http.request(
                probe.method, served.url + path, headers={"Origin": ORIGIN, **served.auth()}
            )
            assert acao(r) == [], str(probe)
            pre = await http.options(
                served.url + path,
                headers={
                    "Origin": ORIGIN,
                    "Access-Control-Request-Method": probe.method,
                    "Access-Control-Request-Headers": "authorization",
                },
            )
            assert pre.status_code == 403, str(probe)
            assert acao(pre) == [], str(probe)


@pytest.mark.parametrize("web_settings", [{"allowed_origins": [ORIGIN]}])
async def test_a_configured_origin_is_allowed_and_only_it(
    served: Served, http: httpx.AsyncClient
) -> None:
    pre = await http.options(
        served.url + "/healthz",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in pre.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in pre.headers

    r = await http.get(served.url + "/healthz", headers={"Origin": ORIGIN, **served.auth()})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == ORIGIN

    other = "http://evil.example"
    pre = await http.options(
        served.url + "/healthz",
        headers={"Origin": other, "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 400
    assert "access-control-allow-origin" not in pre.headers
    r = await http.get(served.url + "/healthz", headers={"Origin": other, **served.auth()})
    assert "access-control-allow-origin" not in r.headers

    # CORS does not stand in for authentication.
    r = await http.get(served.url + "/healthz", headers={"Origin": ORIGIN})
    assert r.status_code == 401


# -- authentication --------------------------------------------------------------------------
async def test_every_route_refuses_an_unauthenticated_request(
    served: Served, http: httpx.AsyncClient
) -> None:
    for name in SOURCES:  # so a webhook route refuses for want of a signature, not a secret
        served.secrets.set_hook_secret(name, "whsec_" + "QUJD" * 8)
    for probe in all_probes(served):
        for path in hook_paths(probe):
            for headers in (
                {},
                {"Authorization": "Bearer not-the-token"},
                {"Authorization": "Basic eDp5"},
            ):
                r = await http.request(
                    probe.method, served.url + path, headers=headers, content=b"{}"
                )
                assert r.status_code == 401, (str(probe), path, headers, r.status_code)
                if not probe.self_authenticating:
                    assert r.headers["www-authenticate"].startswith("Bearer")
    assert served.events == []


async def test_unknown_paths_are_401_too(served: Served, http: httpx.AsyncClient) -> None:
    """A prober without the token cannot tell which paths exist."""
    for path in ("/", "/nothing", "/api/", "/api/nothing/here", "/hooks", "/healthz/x"):
        r = await http.get(served.url + path)
        assert r.status_code == 401, path
    r = await http.get(served.url + "/nothing", headers=served.auth())
    assert r.status_code == 404


async def test_the_token_opens_every_route(served: Served, http: httpx.AsyncClient) -> None:
    ours = {"/healthz", "/api/items/{id}", "/pages/hello"}
    for probe in all_probes(served):
        if probe.self_authenticating:
            continue
        r = await http.request(probe.method, served.url + probe.path, headers=served.auth())
        # An installed part's route may want a body or a real id; it must not refuse the token.
        assert r.status_code == 200 if probe.template in ours else r.status_code != 401, str(probe)
    r = await http.get(served.url + "/healthz", headers={"Authorization": f"bearer {served.token}"})
    assert r.json() == {"ok": True, "version": r.json()["version"], "principal": "local:local"}


async def test_a_rotated_token_stops_working(served: Served, http: httpx.AsyncClient) -> None:
    old = served.token
    new = served.secrets.rotate_token()
    assert new != old
    r = await http.get(served.url + "/healthz", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    r = await http.get(served.url + "/healthz", headers={"Authorization": f"Bearer {new}"})
    assert r.status_code == 200


# -- headers ---------------------------------------------------------------------------------
async def test_security_headers_on_every_kind_of_answer(
    served: Served, http: httpx.AsyncClient
) -> None:
    answers = {
        "json": await http.get(served.url + "/healthz", headers=served.auth()),
        "page": await http.get(served.url + "/pages/hello", headers=served.auth()),
        "401": await http.get(served.url + "/healthz"),
        "404": await http.get(served.url + "/nothing", headers=served.auth()),
        "421": await http.get(served.url + "/healthz", headers={"Host": "evil.example"}),
        "hook": await http.post(served.url + "/hooks/github", content=b"{}"),
    }
    for what, r in answers.items():
        assert r.headers["x-content-type-options"] == "nosniff", what
        assert r.headers["referrer-policy"] == "no-referrer", what
        assert r.headers["x-frame-options"] == "DENY", what
        assert r.headers["cache-control"] == "no-store", what
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], what
        assert "server" not in r.headers, what
    assert answers["json"].headers["content-security-policy"].startswith("default-src 'none'")
    assert answers["page"].headers["content-security-policy"].startswith("default-src 'self'")


def test_the_app_can_be_built_without_a_listener(served: Served) -> None:
    """create_app is the extension point: extra routes go in without editing it."""
    app = create_app(served.hub, secrets=served.secrets, port=1, extra=EXTRA)
    assert {p.template for p in probes(app.routes)} >= {"/api/items/{id}", "/pages/hello"}


async def test_a_rotation_by_another_process_reaches_the_running_server(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient
) -> None:
    """``tieline web token --rotate`` runs in its own process: the server reads the vault
    again once its copy is older than TOKEN_MAX_AGE (here 0, so at once)."""
    import server.web.auth

    monkeypatch.setattr(server.web.auth, "TOKEN_MAX_AGE", 0.0)
    mine = WebSecrets(vault)
    face = WebFace(HubStandIn(), mine)
    url = await face.start()
    try:
        old = mine.token()
        assert (await http.get(url + "/healthz", headers=bearer(old))).status_code == 200
        other_process = WebSecrets(file_vault(tmp_path / "vault.json"))
        new = other_process.rotate_token()
        assert (await http.get(url + "/healthz", headers=bearer(old))).status_code == 401
        assert (await http.get(url + "/healthz", headers=bearer(new))).status_code == 200
    finally:
        await face.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
