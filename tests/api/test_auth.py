"""RFC 6750 over HTTP: no token and a bad token are 401 with a Bearer challenge (an error
code only when a token was sent), a token without the scope is 403 insufficient_scope
naming it, and the document itself needs a token (any valid one)."""

from __future__ import annotations

import httpx
import pytest

from server.web.api import SCOPES, openapi_document
from tests.api.world import ALL, NOTHING, READ_ISSUES, Served


def _get(api: Served, path: str, token: str | None, method: str = "GET") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(
        method, api.url + path, headers=headers, json={} if method == "POST" else None
    )


def test_no_token_is_a_bare_challenge(api: Served) -> None:
    r = _get(api, "/issues", None)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="tieline"'
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "urn:tieline:problem:unauthorized"


def test_an_unknown_token_is_invalid_token(api: Served) -> None:
    r = _get(api, "/issues", "tok-forged")
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert "tok-forged" not in r.text


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/prs", "prs:read"),
        ("POST", "/issues", "issues:write"),
        ("GET", "/ci?repo=octo/app&branch=main", "ci:read"),
        ("GET", "/snippets", "snippets:read"),
        ("POST", "/snippets", "snippets:write"),
        ("GET", "/calendar/agenda", "calendar:read"),
        ("GET", "/events", "events:read"),
        ("GET", "/events/stream", "events:read"),
        ("POST", "/hooks", "events:read"),
    ],
)
def test_a_missing_scope_is_403_naming_it(api: Served, method: str, path: str, scope: str) -> None:
    r = _get(api, path, READ_ISSUES, method)
    assert r.status_code == 403, r.text
    assert r.headers["www-authenticate"] == (
        f'Bearer realm="tieline", error="insufficient_scope", scope="{scope}"'
    )
    body = r.json()
    assert body["type"] == "urn:tieline:problem:insufficient-scope" and body["scope"] == scope


def test_the_scope_it_has_is_enough(api: Served) -> None:
    assert _get(api, "/issues", READ_ISSUES).status_code == 200


def test_the_document_needs_a_token_but_no_scope(api: Served) -> None:
    assert _get(api, "/openapi.json", None).status_code == 401
    r = _get(api, "/openapi.json", NOTHING)
    assert r.status_code == 200
    assert r.json()["openapi"] == "3.1.0"


def test_every_operation_names_its_scope_and_every_scope_is_used() -> None:
    doc = openapi_document()
    used = set()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            (req,) = op["security"]
            scopes = req["bearer"]
            assert path == "/openapi.json" or scopes, (method, path)
            used.update(scopes)
            assert "401" in op["responses"] and "403" in op["responses"]
    assert used == set(SCOPES)


def test_the_served_document_is_the_generated_one(api: Served) -> None:
    served = _get(api, "/openapi.json", ALL).json()
    assert served["paths"] == openapi_document()["paths"]


def test_the_document_is_valid_openapi_3_1() -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    validate(openapi_document(), cls=OpenAPIV31SpecValidator)


def test_every_scope_the_api_checks_is_one_the_oauth_provider_grants() -> None:
    from server.hub.oauth_provider.scopes import ALL_SCOPES

    assert set(SCOPES) <= set(ALL_SCOPES)
