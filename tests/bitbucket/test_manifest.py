"""The Bitbucket manifest as data: it validates, says how Bitbucket signs in and limits, and
its references and URLs -- read by the hub's own scanner -- name what Bitbucket means."""

from __future__ import annotations

import pytest

from connectors.bitbucket.connector import BitbucketConnector
from connectors.bitbucket.mapping import custom_triggers
from connectors.sdk import RepoRef
from connectors.sdk.redact import redact
from server.hub.refs import RuleSet, ScanContext, scan
from server.hub.refs.model import CommitTarget, ItemTarget

from .conftest import ACCESS_TOKEN, API_TOKEN, APP_PASSWORD

M = BitbucketConnector.manifest()
RULES = RuleSet.from_manifest(M)
CTX = ScanContext.single(
    RepoRef(host="bitbucket.org", owner="acme", name="app"), connector="bitbucket"
)


def found(text: str) -> list[tuple[str, str | None, str]]:
    out = []
    for r in scan(text, RULES, language_id="markdown", context=CTX):
        t = r.target
        if isinstance(t, ItemTarget):
            out.append((r.kind.value, t.scope, t.key))
        elif isinstance(t, CommitTarget):
            out.append(("commit", t.scope, t.sha))
    return out


def test_manifest_is_valid_and_complete() -> None:
    BitbucketConnector.verify_capabilities()
    assert M.id == "bitbucket"
    assert M.capabilities == ("IssueTracker", "CodeHost", "CIProvider", "Pipelines",
                              "PipelineControl")  # fmt: skip
    assert (M.api_url, M.web_url) == ("https://api.bitbucket.org/2.0", "https://bitbucket.org")
    assert (M.attach.kind, M.attach.hosts, M.attach.markers, M.attach.review_ref) == (
        "remote", ("bitbucket.org",), ("bitbucket-pipelines.yml",), None
    )  # fmt: skip
    assert M.auth.methods == ("basic", "token", "pkce")
    assert M.auth.header_for("basic") == ("Authorization", "Basic {basic}")
    assert M.auth.header_for("token") == ("Authorization", "Bearer {token}")
    o = M.auth.oauth2
    assert o is not None and not o.pkce
    assert o.authorize_url == "https://bitbucket.org/site/oauth2/authorize"
    assert o.token_url == "https://bitbucket.org/site/oauth2/access_token"
    assert all(s.why for s in o.scopes)
    rl = M.rate_limit
    assert (rl.limit_header, rl.remaining_header, rl.reset_header) == ("X-RateLimit-Limit", "", "")


@pytest.mark.parametrize("secret", [API_TOKEN, APP_PASSWORD, ACCESS_TOKEN, "BBDC-" + "x" * 44])
def test_token_shapes_are_masked(secret: str) -> None:
    BitbucketConnector.manifest()  # registers nothing by itself; the registry does
    from connectors.sdk.redact import register_shapes

    register_shapes(M.auth.token_patterns)
    assert secret not in redact(f"failed with {secret} here")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fixes #12", [("pr", "acme/app", "#12")]),
        ("Merged in feat (pull request #7)", [("pr", "acme/app", "#7")]),
        ("see issue #3", [("issue", "acme/app", "#issue-3")]),
        ("in acme/lib#5", [("pr", "acme/lib", "#5")]),
        (
            "https://bitbucket.org/acme/lib/pull-requests/42",
            [("pr", "acme/lib", "#42")],
        ),
        ("https://bitbucket.org/acme/lib/issues/9", [("issue", "acme/lib", "#issue-9")]),
        (
            "https://bitbucket.org/acme/app/commits/0123456789abcdef",
            [("commit", "acme/app", "0123456789abcdef")],
        ),
        ("&#12; and x#12", []),
    ],
)
def test_references(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert found(text) == expected


def test_web_urls() -> None:
    from server.hub.refs.model import RefKind

    assert RULES.web_url("bitbucket", "bitbucket.org", RefKind.PR, scope="a/b", number=3) == (
        "https://bitbucket.org/a/b/pull-requests/3"
    )
    assert RULES.web_url("bitbucket", "bitbucket.org", RefKind.COMMIT, scope="a/b", sha="ab1") == (
        "https://bitbucket.org/a/b/commits/ab1"
    )


def test_custom_triggers_tolerate_odd_configuration() -> None:
    assert custom_triggers(None) == []
    assert custom_triggers({"pipelines": {"custom": ["not", "a", "map"]}}) == []
    [t] = custom_triggers({"pipelines": {"custom": {"x": [{"variables": [{"nope": 1}]}]}}})
    assert (t.id, t.inputs) == ("x", ())
