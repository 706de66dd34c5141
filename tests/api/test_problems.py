"""Errors as RFC 9457 problems: the HTTP ones (404, 405 with Allow, 415, 422 for a body
that is not JSON, a snippet holding a secret), and the sdk's error hierarchy mapped to one
stable type per class -- never with a secret in the answer."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.sdk import errors as sdk
from server.web.api.problems import TYPES, Problem, from_error
from tests.api.world import ALL, Served

AUTH = {"Authorization": f"Bearer {ALL}"}
#: A GitHub token's shape (ghp_ and 36 characters); not a real one.
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def _problem(r: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    Problem.model_validate(body)
    assert body["type"] == f"urn:tieline:problem:{slug}" and body["status"] == status
    assert body["title"] == TYPES[slug][1]
    return body


def test_http_problems(api: Served) -> None:
    _problem(httpx.get(api.url + "/snippets/nope", headers=AUTH), 404, "not-found")
    _problem(httpx.get(api.url + "/no/such/path", headers=AUTH), 404, "not-found")
    assert httpx.get(api.url + "/no/such/path").status_code == 401
    r = httpx.put(api.url + "/issues", headers=AUTH)
    _problem(r, 405, "method-not-allowed")
    assert r.headers["allow"] == "GET, POST"
    # A method the path lacks is still 401 for a stranger.
    assert httpx.put(api.url + "/issues").status_code == 401
    r = httpx.post(
        api.url + "/snippets", content="title=x", headers={**AUTH, "Content-Type": "text/plain"}
    )
    _problem(r, 415, "unsupported-media-type")
    r = httpx.post(
        api.url + "/snippets", content="{", headers={**AUTH, "Content-Type": "application/json"}
    )
    _problem(r, 422, "validation")


def test_a_snippet_holding_a_secret_is_refused_without_echoing_it(api: Served) -> None:
    body = {"title": "deploy", "body": f"export GITHUB_TOKEN={TOKEN}\n"}
    r = httpx.post(api.url + "/snippets", json=body, headers=AUTH)
    problem = _problem(r, 422, "secret-found")
    assert problem["findings"] and TOKEN not in r.text
    allowed = httpx.post(api.url + "/snippets", json={**body, "allow_secret": True}, headers=AUTH)
    assert allowed.status_code == 201
    got = httpx.get(api.url + "/snippets/" + allowed.json()["id"], headers=AUTH)
    assert got.status_code == 200 and got.json()["title"] == "deploy"


def test_new_snippets_are_found(api: Served) -> None:
    body = {"title": "Quokka sort", "body": "sorted(xs, key=quokka)", "language": "python",
            "tags": ["quokka"]}  # fmt: skip
    made = httpx.post(api.url + "/snippets", json=body, headers=AUTH)
    assert made.status_code == 201
    hits = httpx.get(api.url + "/snippets/search?q=quokka", headers=AUTH).json()["items"]
    assert [h["id"] for h in hits] == [made.json()["id"]]
    tagged = httpx.get(api.url + "/snippets?tag=quokka", headers=AUTH).json()["items"]
    assert [h["id"] for h in tagged] == [made.json()["id"]]


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (sdk.NotFound("gone", status=404), 404, "not-found"),
        (sdk.NoSuchRecord("no snippet"), 404, "not-found"),
        (sdk.SyncConflict("both changed"), 409, "conflict"),
        (sdk.InvalidRequest("taken", status=409), 409, "conflict"),
        (sdk.InvalidRequest("bad title", status=422), 422, "validation"),
        (sdk.ServiceUnavailable("down", status=503), 503, "service-unavailable"),
        (sdk.TransportError("refused"), 503, "service-unavailable"),
        (sdk.ServiceError("teapot", status=418), 502, "service-error"),
        (sdk.ReauthRequired("sign in again"), 502, "service-auth"),
        (sdk.SecretFound("a token", findings=("a GitHub token, line 1",)), 422, "secret-found"),
    ],
)
def test_the_error_hierarchy_maps_to_stable_types(
    error: sdk.TielineError, status: int, slug: str
) -> None:
    e = from_error(error)
    assert (e.status, e.slug) == (status, slug)
    r = e.response("/api/v1/x")
    assert r.status_code == status and r.media_type == "application/problem+json"


def test_rate_limited_says_when_to_retry() -> None:
    e = from_error(sdk.RateLimited("slow down", retry_at=time.time() + 42.2, status=429))
    r = e.response()
    assert r.status_code == 429
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= 43
    assert e.problem().retry_after == wait


def test_a_secret_in_a_service_message_is_redacted() -> None:
    e = from_error(sdk.ServiceError(f"bad credentials {TOKEN}", status=500))
    assert TOKEN not in e.response().body.decode()
