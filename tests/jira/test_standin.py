"""The Jira stand-in refuses what Jira refuses, so the connector tests mean something.

Requests go straight through an ``httpx`` client (not the connector); each test clears the
violations it provoked on purpose, or the fixture would fail it.
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.standin.jira import CLOUD_ID, JiraDCStandIn, JiraStandIn
from tests.standin.jira_shapes import response_problems
from tests.standin.kit import Request

from .wiring import CANARY, EMAIL

BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{CANARY}".encode()).decode()


def client(standin: JiraStandIn, auth: str = BASIC) -> httpx.Client:
    return httpx.Client(base_url=standin.url, headers={"authorization": auth})


def provoked(standin: JiraStandIn) -> list[str]:
    found, standin.violations[:] = list(standin.violations), []
    return found


def test_search_jql_refuses_the_old_search_s_start_at(jira: JiraStandIn) -> None:
    jira.api_token(EMAIL, CANARY)
    with client(jira) as c:
        r = c.post("/rest/api/3/search/jql", json={"jql": "project = X", "startAt": 0})
    assert r.status_code == 400
    assert r.json()["errorMessages"][0].startswith("Invalid request payload.")
    assert any("startAt" in v for v in provoked(jira))


def test_wrong_parameter_types_and_unknown_paths_are_violations(jira: JiraStandIn) -> None:
    jira.api_token(EMAIL, CANARY)
    with client(jira) as c:
        assert c.get("/rest/api/3/project/search", params={"maxResults": "many"}).status_code == 400
        assert c.get("/rest/api/2/myself").status_code == 400  # not in the v3 description
    assert len(provoked(jira)) == 2


def test_the_gateway_prefix_is_checked_against_the_same_contract(jira: JiraStandIn) -> None:
    jira.oauth_token("oauth-token")
    with client(jira, "Bearer oauth-token") as c:
        r = c.post(f"/ex/jira/{CLOUD_ID}/rest/api/3/search/jql", json={"jql": "x", "bogus": 1})
        assert r.status_code == 400
        assert c.get("/oauth/token/accessible-resources", params={"x": "1"}).status_code == 400
    found = provoked(jira)
    assert len(found) == 2 and f"/ex/jira/{CLOUD_ID}/rest/api/3/search/jql" in found[0]


def test_data_center_takes_only_documented_operations(jira_dc: JiraDCStandIn) -> None:
    jira_dc.pat("pat")
    with client(jira_dc, "Bearer pat") as c:
        assert c.get("/rest/api/2/myself", params={"bogus": "1"}).status_code == 400
        adf = {"body": {"type": "doc", "version": 1, "content": []}}
        assert c.post("/rest/api/2/issue/PROJ-1/comment", json=adf).status_code == 400
        assert c.get("/rest/api/2/user/search").status_code == 400  # username is required
        assert c.post("/rest/api/2/search/jql", json={"jql": "x"}).status_code == 400
        assert c.get("/rest/api/2/myself").status_code == 200
    assert len(provoked(jira_dc)) == 4


def test_cloud_sites_take_basic_only_and_data_center_bearer_or_basic(
    jira: JiraStandIn, jira_dc: JiraDCStandIn
) -> None:
    jira.api_token(EMAIL, CANARY)
    jira.oauth_token("oauth-token")
    with client(jira, "Bearer oauth-token") as c:
        assert c.get("/rest/api/3/myself").status_code == 401
    with client(jira) as c:
        assert c.get(f"/ex/jira/{CLOUD_ID}/rest/api/3/myself").status_code == 401
    jira_dc.pat("pat")
    with client(jira_dc, "Bearer pat") as c:
        assert c.get("/rest/api/2/myself").json()["name"] == "mia"


def test_answers_are_checked_against_the_response_schemas() -> None:
    req = Request.parse("POST", "/rest/api/3/issue", {"content-type": "application/json"}, b"{}")
    good = json.dumps({"id": "1", "key": "P-1", "self": "https://x/rest/api/3/issue/1"}).encode()
    assert response_problems(req, 201, {"content-type": "application/json"}, good) == []
    bad = json.dumps({"id": 1, "key": "P-1", "surprise": True}).encode()
    assert response_problems(req, 201, {"content-type": "application/json"}, bad)


@pytest.mark.parametrize("fault", ["retry_after", "ratelimit"])
def test_rate_limit_answers_carry_jira_s_headers(jira: JiraStandIn, fault: str) -> None:
    jira.api_token(EMAIL, CANARY)
    jira.inject(fault, seconds=30)
    with client(jira) as c:
        r = c.get("/rest/api/3/myself")
        ok = c.get("/rest/api/3/myself")
    assert r.status_code == 429 and r.headers["retry-after"] == "30"
    assert r.headers["ratelimit-reason"] == "jira-burst-based"
    assert len(r.headers["x-ratelimit-reset"]) == len("2024-06-03T14:05Z")
    assert (
        "etag" not in ok.headers
        and ok.headers["cache-control"] == "no-cache, no-store, no-transform"
    )
    assert int(ok.headers["x-ratelimit-remaining"]) < int(ok.headers["x-ratelimit-limit"])
