"""The connector's documents and manifest against Linear's published contract.

Every GraphQL document in ``connectors/linear/queries`` is validated against Linear's schema
(``tests/contracts/linear/schema.graphql``) with the variables the client sends, and priced
with Linear's documented complexity rule; the manifest's patterns are checked on the shapes
Linear's docs and URLs use.
"""

from __future__ import annotations

import re

import pytest

from connectors.linear import queries
from connectors.linear.client import PAGE_SIZE, TEAMS_PAGE, open_filter, user_filter
from connectors.sdk.redact import redact
from server.hub.auth.headers import header_for
from tests.standin.linear import CONTRACT, MAX_COMPLEXITY, complexity

from .helpers import MANIFEST

#: The variables each operation is sent with (the widest case).
VARIABLES: dict[str, dict[str, object]] = {
    "assigned_issues": {"filter": open_filter("ENG"), "first": PAGE_SIZE, "after": None},
    "created_issues": {"filter": open_filter(None), "first": PAGE_SIZE, "after": "c"},
    "team_issues": {"filter": open_filter("ENG"), "first": PAGE_SIZE, "after": None},
    "mentions": {"first": PAGE_SIZE, "after": None},
    "issue": {"id": "ENG-12"},
    "issue_ref": {"id": "ENG-12"},
    "issue_states": {"id": "ENG-12"},
    "issue_set_state": {"id": "ENG-12", "stateId": "s"},
    "create_context": {"key": "ENG", "names": ["bug"], "withLabels": True},
    "issue_create": {"input": {"teamId": "t", "title": "x", "description": "y", "labelIds": ["l"]}},
    "comment_create": {"input": {"issueId": "i", "body": "b"}},
    "teams": {"first": TEAMS_PAGE, "after": None},
    "users": {"filter": user_filter("ad"), "first": 20},
    "team_members": {"key": "ENG", "filter": user_filter(""), "first": 20},
    "viewer": {},
}


def test_every_document_has_its_variables_listed() -> None:
    assert sorted(VARIABLES) == queries.names()


@pytest.mark.parametrize("name", queries.names())
def test_document_validates_against_linears_schema(name: str) -> None:
    assert CONTRACT.check_query(queries.document(name), VARIABLES[name]) == []


@pytest.mark.parametrize("name", queries.names())
def test_document_stays_well_under_the_complexity_cap(name: str) -> None:
    """Linear rejects a query over 10,000 points; the budget is ~3M points an hour. A list
    page costs ~550 points, anything else far less."""
    cost = complexity(CONTRACT.schema, queries.document(name), VARIABLES[name])
    assert cost <= 600 < MAX_COMPLEXITY


def test_complexity_follows_linears_worked_examples() -> None:
    """The two examples on https://linear.app/developers/rate-limiting: 2 and 14 points."""
    one = 'query { user(id: "me") { name } }'
    ten = 'query { user(id: "me") { createdIssues(first: 10) { nodes { id title createdAt } } } }'
    assert complexity(CONTRACT.schema, one, {}) == 2
    assert complexity(CONTRACT.schema, ten, {}) == 14


def test_a_document_the_schema_does_not_allow_is_refused() -> None:
    problems = CONTRACT.check_query("query { issue(id: 1) { nope } }", {})
    assert problems and any("nope" in p for p in problems)
    wrong_var = CONTRACT.check_query(queries.document("issue"), {"id": 12})
    assert wrong_var


def test_fragments_are_appended_only_where_used() -> None:
    assert "fragment IssueFields" not in queries.document("viewer")
    doc = queries.document("assigned_issues")
    assert doc.count("fragment IssueFields") == 1 and doc.count("fragment UserFields") == 1


def test_manifest_declares_linears_auth_and_budgets() -> None:
    m = MANIFEST
    assert m.id == "linear" and m.attach.kind == "account"
    assert set(m.capabilities) == {"IssueTracker", "Workflow"}
    assert m.default_host == "linear.app"
    assert m.auth.header_for("api_key") == ("Authorization", "{token}")
    assert m.auth.header_for("pkce") == ("Authorization", "Bearer {token}")
    assert m.auth.oauth2 is not None and m.auth.oauth2.pkce
    assert [s.name for s in m.auth.oauth2.scopes] == ["read", "write"]
    assert all(s.why for s in m.auth.oauth2.scopes)
    rl = m.rate_limit
    assert rl.reset_format == "epoch_ms" and rl.remaining_header == "x-ratelimit-requests-remaining"
    assert {b.name: b.reset_format for b in rl.budgets} == {
        "complexity": "epoch_ms",
        "endpoint": "epoch_ms",
    }


def test_token_shapes_are_masked() -> None:
    api = "lin_api_" + "Z9" * 20
    oauth = "lin_oauth_" + "f0" * 32
    assert api not in redact(f"key {api} and {oauth}")
    assert oauth not in redact(f"key {api} and {oauth}")


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("Fixes ENG-12 and OPS-7.", ["ENG-12", "OPS-7"]),
        ("see (ENG-123)", ["ENG-123"]),
        ("UTF-8 looks like one too", ["UTF-8"]),  # known_scopes filters it out
        ("xENG-12 eng-12 ENG- ENG-12a a-ENG-3", []),
    ],
)
def test_reference_pattern(text: str, keys: list[str]) -> None:
    (ref,) = MANIFEST.references
    assert ref.scope == "account" and ref.known_scopes
    assert [m.group("key") for m in re.finditer(ref.regex, text)] == keys


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/acme/issue/ENG-12/fix-the-crash-on-save", "ENG-12"),
        ("/acme/issue/ENG-12", "ENG-12"),
        ("/acme/issue/ENG-12/", "ENG-12"),
        ("/acme/project/web-7", None),
        ("/issue/ENG-12", None),
    ],
)
def test_url_pattern(path: str, key: str | None) -> None:
    (url,) = MANIFEST.urls
    m = re.search(url.path, path)
    assert (m.group("key") if m else None) == key


def test_environment_token_is_sent_as_an_api_key() -> None:
    """TIELINE_LINEAR_TOKEN is a personal API key, which Linear wants bare; OAuth tokens
    from a PKCE sign-in keep Bearer."""
    assert header_for(MANIFEST, "env") == ("Authorization", "{token}")
    assert header_for(MANIFEST, "pkce") == ("Authorization", "Bearer {token}")


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    """What the registry does with ``pyproject.toml``'s entry point (not installed here: the
    shared venv points at another checkout), step by step."""
    import tomllib
    from pathlib import Path

    from connectors.sdk import IssueTracker, Workflow, provides
    from connectors.sdk.registry import Registry, manifest_path
    from connectors.sdk.settings import settings_model

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["linear"]
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    cls = registry.get("linear")
    assert provides(cls, IssueTracker) and provides(cls, Workflow)
    settings = settings_model(MANIFEST)()
    assert settings.api_url == "https://api.linear.app"
    assert settings.web_url == "https://linear.app"
    assert not hasattr(settings, "hosts") and not hasattr(settings, "site")
