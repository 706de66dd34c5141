"""The stand-in kit: the copied contracts load and judge requests, and the kit's generic
behaviour (routes, 304, pagination, faults, budgets, auth, violations) holds, shown through the
synthetic tracker so no real service's quirks are involved."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.standin.kit import (
    FAULT_KINDS,
    BadRequest,
    GraphQLContract,
    OpenAPIContract,
    Request,
    build_seconds,
    connection,
    serving,
    standin_fixture,
)
from tests.standin.synthetic import SyntheticStandIn

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
GITLAB = OpenAPIContract(CONTRACTS / "gitlab" / "openapi3.yaml")
JIRA = OpenAPIContract(CONTRACTS / "jira" / "platform-v3.json")
LINEAR = GraphQLContract(CONTRACTS / "linear" / "schema.graphql")
BASIC = "Basic " + base64.b64encode(b"ada@example.com:api-token").decode()

tracker = standin_fixture(SyntheticStandIn, name="tracker")


def _req(method: str, target: str, body: Any = None, **headers: str) -> Request:
    sent = {"content-type": "application/json", **headers}
    return Request.parse(method, target, sent, b"" if body is None else json.dumps(body).encode())


# -- contracts -------------------------------------------------------------------------------
ALLOWED = [
    pytest.param(GITLAB, _req("GET", "/api/v4/user"), id="gitlab-user"),
    pytest.param(
        GITLAB,
        _req("GET", "/api/v4/projects/g%2Fsub%2Fapp/issues?state=opened&per_page=50"),
        id="gitlab-issues",
    ),
    pytest.param(
        GITLAB, _req("POST", "/api/v4/projects/7/issues", {"title": "x"}), id="gitlab-new"
    ),
    pytest.param(
        JIRA,
        _req("GET", "/rest/api/3/search/jql?jql=project%3DX&maxResults=50", authorization=BASIC),
        id="jira-search-get",
    ),
    pytest.param(
        JIRA,
        _req("POST", "/rest/api/3/search/jql", {"jql": "project = X", "fields": ["summary"]}),
        id="jira-search-post",
    ),
    pytest.param(JIRA, _req("GET", "/rest/api/3/myself", authorization=BASIC), id="jira-myself"),
    pytest.param(
        LINEAR, _req("POST", "/graphql", {"query": "{ viewer { id name email } }"}), id="linear"
    ),
    pytest.param(
        LINEAR,
        _req(
            "POST",
            "/graphql",
            {
                "query": "query Issues($first: Int, $after: String) { issues(first: $first, "
                "after: $after) { nodes { id identifier title } pageInfo { hasNextPage "
                "endCursor } } }",
                "variables": {"first": 50, "after": None},
                "operationName": "Issues",
            },
        ),
        id="linear-variables",
    ),
    pytest.param(
        LINEAR, _req("GET", "/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D"), id="get"
    ),
]

REFUSED = [
    pytest.param(
        GITLAB, _req("GET", "/api/v4/projects/7/issues?state=open"), "state", id="gitlab-enum"
    ),
    pytest.param(GITLAB, _req("GET", "/api/v4/nope"), "Path not found", id="gitlab-path"),
    pytest.param(
        GITLAB,
        _req("POST", "/api/v4/projects/7/issues", {"description": "no title"}),
        "'title' is a required property",
        id="gitlab-required",
    ),
    pytest.param(
        JIRA,
        _req("GET", "/rest/api/3/project/search?orderBy=bogus"),
        "orderBy",
        id="jira-enum",
    ),
    pytest.param(JIRA, _req("GET", "/rest/api/3/nope"), "Path not found", id="jira-path"),
    pytest.param(
        JIRA,
        _req("GET", "/rest/api/3/issuetype/project"),
        "Missing required query parameter: projectId",
        id="jira-required",
    ),
    pytest.param(  # the old /search's paging sent to its successor
        JIRA,
        _req("POST", "/rest/api/3/search/jql", {"jql": "project = X", "startAt": 50}),
        "'startAt' was unexpected",
        id="jira-unknown-field",
    ),
    pytest.param(
        LINEAR,
        _req("POST", "/graphql", {"query": "{ viewer { id shoeSize } }"}),
        "Cannot query field 'shoeSize' on type 'User'",
        id="linear-field",
    ),
    pytest.param(
        LINEAR,
        _req("POST", "/graphql", {"query": "mutation { issueCreate { success } }"}),
        "IssueCreateInput!' is required",
        id="linear-argument",
    ),
    pytest.param(
        LINEAR,
        _req(
            "POST",
            "/graphql",
            {
                "query": "query($n: Int) { issues(first: $n) { nodes { id } } }",
                "variables": {"n": "ten"},
            },
        ),
        "Variable '$n' has invalid value",
        id="linear-variable",
    ),
    pytest.param(LINEAR, _req("POST", "/graphql", {"query": "{ viewer {"}), "Syntax Error", id="s"),
    pytest.param(LINEAR, _req("POST", "/graphql", {"variables": {}}), "no query", id="no-query"),
]


@pytest.mark.parametrize(("contract", "req"), ALLOWED)
def test_contract_allows_what_the_service_accepts(
    contract: OpenAPIContract | GraphQLContract, req: Request
) -> None:
    assert contract.check(req) == []


@pytest.mark.parametrize(("contract", "req", "why"), REFUSED)
def test_contract_reports_what_the_service_refuses(
    contract: OpenAPIContract | GraphQLContract, req: Request, why: str
) -> None:
    problems = contract.check(req)
    assert problems and why in problems[0], problems
    assert problems[0].startswith(f"{req.method} {req.path}: ")


def test_contracts_build_once_per_process() -> None:
    for contract in (GITLAB, JIRA, LINEAR):
        contract.warm()
    again = OpenAPIContract(CONTRACTS / "gitlab" / "openapi3.yaml")
    assert again.openapi is GITLAB.openapi  # memoised per file, not per contract object
    assert {"parse openapi3.yaml", "parse platform-v3.json", "schema schema.graphql"} <= set(
        build_seconds
    )


def test_yaml_timestamps_stay_strings() -> None:
    """GitLab's examples hold unquoted timestamps; a datetime would not survive json.dumps."""
    audit = GITLAB.document["paths"]["/api/v4/groups/{id}/audit_events"]["get"]
    assert isinstance(audit["parameters"][0]["example"], str)


def test_openapi_examples_are_resolved_copies() -> None:
    user = JIRA.example("/rest/api/3/myself", "get")
    assert isinstance(user, dict) and "accountId" in user
    user["accountId"] = "changed"
    assert JIRA.example("/rest/api/3/myself", "get")["accountId"] != "changed"


# -- the kit, through the synthetic tracker -----------------------------------------------------
@pytest.fixture
def ada(tracker: SyntheticStandIn) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=tracker.url, headers={"authorization": "Bearer tok-ada"}, trust_env=False
    ) as client:
        yield client


def _walk(client: httpx.Client, url: str) -> tuple[list[int], list[httpx.Response]]:
    numbers: list[int] = []
    pages: list[httpx.Response] = []
    next_url: str | None = url
    while next_url:
        r = client.get(next_url)
        assert r.status_code == 200, r.text
        pages.append(r)
        numbers += [i["number"] for i in r.json()]
        next_url = r.links.get("next", {}).get("url")
    return numbers, pages


def test_routes_create_read_update_and_not_found(
    tracker: SyntheticStandIn, ada: httpx.Client
) -> None:
    tracker.state.project("web")
    made = ada.post("/projects/web/issues", json={"title": "Crash"})
    assert made.status_code == 201 and made.headers["location"].endswith("/projects/web/issues/1")
    assert ada.patch("/projects/web/issues/1", json={"state": "closed"}).json()["state"] == "closed"
    assert ada.get("/projects/web/issues/1").json()["author"] == "ada"
    assert ada.post("/projects/web/issues", json={}).json() == {"error": "title is required"}
    assert ada.get("/projects/web/issues/9").status_code == 404
    missing = ada.get("/nowhere")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    bad = ada.post("/projects/web/issues", content=b"{", headers={"content-type": "text/plain"})
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]


def test_log_records_each_request_without_credentials(
    tracker: SyntheticStandIn, ada: httpx.Client
) -> None:
    ada.get("/me", params={"x": "1"})
    httpx.get(f"{tracker.url}/me", trust_env=False)
    mine, anonymous = tracker.log
    assert (mine.method, mine.path, mine.query, mine.status) == ("GET", "/me", [("x", "1")], 200)
    assert mine.account == "ada" and mine.counted and "authorization" not in mine.headers
    assert anonymous.account is None and anonymous.status == 401 and not anonymous.counted
    tracker.reset_log()
    assert tracker.log == []


def test_auth_failures_answer_401_in_the_service_shape(tracker: SyntheticStandIn) -> None:
    for headers in ({}, {"authorization": "Bearer nope"}, {"authorization": "Basic tok-ada"}):
        r = httpx.get(f"{tracker.url}/me", headers=headers, trust_env=False)
        assert r.status_code == 401 and r.json() == {"error": "Unauthorized"}
    assert tracker.spent() == 0


def test_304_for_an_unchanged_get_and_etags_per_account(
    tracker: SyntheticStandIn, ada: httpx.Client
) -> None:
    tracker.state.add_issue("web", "one")
    first = ada.get("/projects/web/issues")
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "private, max-age=60"
    again = ada.get("/projects/web/issues", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert tracker.spent("ada") == 2  # this service charges for a 304
    bob = httpx.get(
        f"{tracker.url}/projects/web/issues",
        headers={"authorization": "Bearer tok-bob", "if-none-match": etag},
        trust_env=False,
    )
    assert bob.status_code == 200 and bob.headers["etag"] != etag
    tracker.state.add_issue("web", "two")
    assert ada.get("/projects/web/issues", headers={"if-none-match": etag}).status_code == 200


def test_a_free_304_spends_nothing() -> None:
    class Generous(SyntheticStandIn):
        not_modified_spends = False

    with serving(Generous()) as s, httpx.Client(base_url=s.url, trust_env=False) as c:
        c.headers["authorization"] = "Bearer tok-ada"
        etag = c.get("/me").headers["etag"]
        assert c.get("/me", headers={"if-none-match": etag}).status_code == 304
        assert s.spent("ada") == 1 and [e.counted for e in s.log] == [True, False]


def test_link_pages_walk_every_item_once(tracker: SyntheticStandIn, ada: httpx.Client) -> None:
    for k in range(45):
        tracker.state.add_issue("web", f"issue {k}")
    numbers, pages = _walk(ada, "/projects/web/issues?per_page=10")
    assert numbers == list(range(1, 46)) and len(pages) == 5
    assert set(pages[0].links) == {"next", "last"}
    assert set(pages[2].links) == {"next", "last", "first", "prev"}
    assert set(pages[-1].links) == {"first", "prev"}
    assert pages[0].links["next"]["url"].startswith(tracker.url)  # absolute, as addressed
    tracker.state.add_issue("docs", "the only one")
    assert "link" not in ada.get("/projects/docs/issues").headers  # one page: no Link at all


def test_keyset_pages_go_forward_only(tracker: SyntheticStandIn, ada: httpx.Client) -> None:
    for k in range(25):
        tracker.state.add_issue("web", f"issue {k}")
    base = "/projects/web/issues?pagination=keyset&order_by=id&per_page=10"
    up, pages = _walk(ada, base + "&sort=asc")
    assert up == list(range(1, 26)) and [set(p.links) for p in pages[:-1]] == [{"next"}] * 2
    down, _ = _walk(ada, base + "&sort=desc")
    assert down == list(range(25, 0, -1))
    cursor = pages[0].links["next"]["url"].split("cursor=")[1]
    foreign = ada.get(base + "&sort=desc&cursor=" + cursor)  # made for another ordering
    assert foreign.status_code == 400 and "cursor" in foreign.json()["error"]
    assert ada.get(base + "&order_by=title").status_code == 400


def test_offset_and_token_bodies(tracker: SyntheticStandIn, ada: httpx.Client) -> None:
    for k in range(7):
        tracker.state.add_issue("web", f"bug {k}")
    page = ada.get("/search", params={"q": "bug", "startAt": 5, "maxResults": 3}).json()
    assert {k: page[k] for k in ("startAt", "maxResults", "total", "isLast")} == {
        "startAt": 5,
        "maxResults": 3,
        "total": 7,
        "isLast": True,
    }
    assert [i["number"] for i in page["values"]] == [6, 7]
    seen: list[int] = []
    body: dict[str, Any] = {"q": "bug", "maxResults": 3}
    while True:
        got = ada.post("/search", json=body).json()
        seen += [i["number"] for i in got["issues"]]
        assert "total" not in got
        if got["isLast"]:
            assert "nextPageToken" not in got
            break
        body["nextPageToken"] = got["nextPageToken"]
    assert seen == list(range(1, 8))
    forged = ada.post("/search", json={"q": "bug", "nextPageToken": "bogus"})
    assert forged.status_code == 400
    assert ada.get("/search", params={"maxResults": "many"}).status_code == 400


def test_graphql_connection_pages() -> None:
    nodes = [{"id": str(k)} for k in range(7)]
    seen: list[str] = []
    after: str | None = None
    while True:
        page = connection(nodes, first=3, after=after)
        seen += [n["id"] for n in page["nodes"]]
        assert [e["node"] for e in page["edges"]] == page["nodes"]
        info = page["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == [str(k) for k in range(7)]
    assert connection(nodes, first=0)["pageInfo"]["endCursor"] is None
    with pytest.raises(BadRequest):
        connection(nodes, after="not-a-cursor")


@pytest.mark.parametrize(
    ("kind", "status"),
    [("500", 500), ("502", 502), ("401", 401), ("retry_after", 429), ("secondary", 429)],
)
def test_fault_answers_once_then_the_real_thing(
    tracker: SyntheticStandIn, ada: httpx.Client, kind: str, status: int
) -> None:
    tracker.inject(kind, seconds=7)
    refused = ada.get("/me")
    assert refused.status_code == status and "error" in refused.json()
    if status == 429:
        assert refused.headers["retry-after"] == "7"
    assert ada.get("/me").status_code == 200
    assert [e.status for e in tracker.log] == [status, 200]


def test_fault_ratelimit_reports_an_exhausted_budget(
    tracker: SyntheticStandIn, ada: httpx.Client
) -> None:
    tracker.inject("ratelimit", seconds=30)
    r = ada.get("/me")
    assert r.status_code == 429 and r.headers["ratelimit-remaining"] == "0"
    assert 29 <= int(r.headers["retry-after"]) <= 30
    assert 29 <= int(r.headers["ratelimit-reset"]) <= 30


def test_fault_reset_garbage_timeout_and_path_filter(
    tracker: SyntheticStandIn, ada: httpx.Client
) -> None:
    tracker.inject("reset")
    with pytest.raises(httpx.TransportError):
        ada.get("/me")
    tracker.inject("garbage")
    junk = ada.get("/me")
    assert junk.status_code == 200 and junk.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        junk.json()
    tracker.inject("timeout", seconds=0.5)
    with pytest.raises(httpx.ReadTimeout):
        ada.get("/me", timeout=0.1)
    tracker.inject("timeout", seconds=0.2)
    started = time.monotonic()
    assert ada.get("/me").status_code == 200 and time.monotonic() - started >= 0.2
    tracker.inject("500", count=2, path="/projects")
    assert ada.get("/me").status_code == 200  # not on its path
    assert [ada.get("/projects").status_code for _ in range(3)] == [500, 500, 200]
    assert [e.status for e in tracker.log][:2] == [-1, 200]
    with pytest.raises(ValueError, match="unknown fault"):
        tracker.inject("meteor")
    assert {"timeout", "garbage", "reset", "secondary"} <= FAULT_KINDS


def test_exhausted_budget_is_refused_per_account_until_the_window_passes() -> None:
    class Tight(SyntheticStandIn):
        budgets = {"requests": 3}

    with serving(Tight()) as s:
        ada = {"authorization": "Bearer tok-ada"}
        got = [httpx.get(f"{s.url}/me", headers=ada, trust_env=False) for _ in range(4)]
        assert [r.status_code for r in got] == [200, 200, 200, 429]
        assert [r.headers["ratelimit-remaining"] for r in got] == ["2", "1", "0", "0"]
        assert got[-1].json() == {"error": "Too Many Requests"}
        assert int(got[-1].headers["retry-after"]) > 3000
        assert s.spent("ada") == 3 and not s.log[-1].counted
        bob = httpx.get(f"{s.url}/me", headers={"authorization": "Bearer tok-bob"}, trust_env=False)
        assert bob.status_code == 200
        s.reset_at = int(time.time()) - 1  # the window has passed
        assert httpx.get(f"{s.url}/me", headers=ada, trust_env=False).status_code == 200
        assert s.spent("ada") == 1


def test_contract_violations_are_refused_recorded_and_fail_the_test() -> None:
    class NoDeletes:
        path = Path("no-deletes")

        def available(self) -> bool:
            return True

        def warm(self) -> None:
            pass

        def check(self, req: Request) -> list[str]:
            return [f"{req.method} {req.path}: no such operation"] if req.method == "DELETE" else []

    class Checked(SyntheticStandIn):
        contract = NoDeletes()

    failed = pytest.raises(pytest.fail.Exception, match="DELETE /projects/web: no such operation")
    with failed, serving(Checked()) as s:
        r = httpx.delete(
            f"{s.url}/projects/web", headers={"authorization": "Bearer x"}, trust_env=False
        )
        assert r.status_code == 422 and "no such operation" in r.json()["error"]
        assert s.log[0].status == 422
    unchecked = Checked(validate=False)
    assert not unchecked.validate


def test_a_broken_route_is_a_violation_not_a_hang() -> None:
    class Broken(SyntheticStandIn):
        def charge(self, req: Request) -> dict[str, int]:
            raise RuntimeError("boom")

    failed = pytest.raises(pytest.fail.Exception, match="stand-in error on GET /me")
    with failed, serving(Broken()) as s:
        r = httpx.get(f"{s.url}/me", headers={"authorization": "Bearer tok-ada"}, trust_env=False)
        assert r.status_code == 500


def test_links_keep_the_scheme_a_proxy_forwarded() -> None:
    """Behind ``X-Forwarded-Proto: https`` absolute links say https (self-hosted services
    reached through a test transport); without it, and for anything odd, http."""
    from tests.standin.kit import Request

    def base(headers: dict[str, str]) -> str:
        return Request.parse("GET", "/x", {"host": "git.example.test", **headers}).base_url

    assert base({}) == "http://git.example.test"
    assert base({"X-Forwarded-Proto": "https"}) == "https://git.example.test"
    assert base({"x-forwarded-proto": "https, http"}) == "https://git.example.test"
    assert base({"x-forwarded-proto": "gopher"}) == "http://git.example.test"
