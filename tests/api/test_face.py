"""The REST API as the hub's web face serves it (``hub.web``, a built-in part): the local
token -- every scope -- reads it, and a request without credentials gets the API's own
RFC 6750 problem rather than the face's plain 401, on every path under ``/api/v1``."""

from __future__ import annotations

from pathlib import Path

import httpx

from server.hub.hub import Hub
from tests.api.world import seed


async def test_the_api_is_a_part_of_the_hubs_web_face(tmp_path: Path) -> None:
    environ = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "api face test"}
    hub = await Hub.open(root=tmp_path, store_path=tmp_path / "t.db", environ=environ)
    try:
        await seed(hub)
        url = await hub.web.start()
        token = hub.web.secrets.token()
        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=10) as http:
            r = await http.get("/issues?limit=200", headers=auth)
            assert r.status_code == 200, r.text
            assert len(r.json()["items"]) == 35
            hook = {"target_url": "https://x.example/h", "event": "*"}
            created = await http.post("/hooks", headers=auth, json=hook)
            assert created.status_code == 201
            doc = await http.get("/openapi.json", headers=auth)
            assert doc.status_code == 200 and doc.json()["servers"] == [{"url": "/api/v1"}]
            for path in ("/issues", "/openapi.json", "/no/such/path"):
                r = await http.get(path)
                assert r.status_code == 401, path
                assert r.headers["content-type"] == "application/problem+json"
                assert r.headers["www-authenticate"] == 'Bearer realm="tieline"'
            forged = await http.get("/issues", headers={"Authorization": "Bearer forged"})
            assert forged.status_code == 401
            assert 'error="invalid_token"' in forged.headers["www-authenticate"]
            assert token not in forged.text
    finally:
        await hub.close()
