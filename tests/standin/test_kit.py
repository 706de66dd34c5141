"""The stand-in kit: the copied contracts load and judge requests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.standin.kit import GraphQLContract, OpenAPIContract, Request, build_seconds

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
GITLAB = OpenAPIContract(CONTRACTS / "gitlab" / "openapi3.yaml")
JIRA = OpenAPIContract(CONTRACTS / "jira" / "platform-v3.json")
LINEAR = GraphQLContract(CONTRACTS / "linear" / "schema.graphql")
BASIC = "Basic " + base64.b64encode(b"ada@example.com:api-token").decode()


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
