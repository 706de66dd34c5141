"""The GitLab manifest as data: it validates, and its reference and URL patterns, web URL
templates, settings and rate-limit headers say what GitLab means. The hub's reference
scanner is mid-migration, so the patterns are exercised here with ``re`` directly, the way
the manifest defines them (named groups ``scope``, ``number``, ``sha``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from connectors.gitlab.connector import GitLabConnector
from connectors.gitlab.mapping import job_conclusion, pipeline_conclusion
from connectors.gitlab.models import GlJob
from connectors.sdk import CheckConclusion
from connectors.sdk.settings import settings_model

M = GitLabConnector.manifest()


def refs(text: str) -> list[tuple[str, str | None, str]]:
    """(kind, scope, key) of every reference the manifest's patterns find, leftmost first,
    overlaps resolved for the longest (as the hub's scanner does)."""
    found = []
    for p in M.references:
        for m in re.finditer(p.regex, text):
            g = m.groupdict()
            found.append(
                (m.start(), -m.end(), p.kind, g.get("scope"), p.key_template().format(**g))
            )
    found.sort()
    kept: list[tuple[str, str | None, str]] = []
    end = -1
    for start, neg_end, kind, scope, key in found:
        if start >= end:
            kept.append((kind, scope, key))
            end = -neg_end
    return kept


def test_manifest_is_valid_and_complete() -> None:
    GitLabConnector.verify_capabilities()
    assert M.id == "gitlab" and M.capabilities == (
        "IssueTracker",
        "CodeHost",
        "CIProvider",
        "Pipelines",
        "PipelineControl",
        "SnippetStore",
    )
    assert (M.attach.kind, M.attach.hosts, M.attach.api_path) == (
        "remote",
        ("gitlab.com",),
        "/api/v4",
    )
    assert M.auth.methods == ("pkce", "device", "token")
    assert M.auth.token_env == "TIELINE_GITLAB_TOKEN"
    o = M.auth.oauth2
    assert o is not None
    assert o.authorize_url == "https://gitlab.com/oauth/authorize"
    assert o.token_url == "https://gitlab.com/oauth/token"
    assert o.device_authorization_url == "https://gitlab.com/oauth/authorize_device"
    assert o.revocation_url == "https://gitlab.com/oauth/revoke"
    assert [s.name for s in o.scopes] == ["api"] and all(s.why for s in o.scopes)
    rl = M.rate_limit
    assert (rl.remaining_header, rl.limit_header, rl.reset_header, rl.reset_format) == (
        "RateLimit-Remaining",
        "RateLimit-Limit",
        "RateLimit-Reset",
        "epoch",
    )


def test_self_managed_hosts_are_a_setting() -> None:
    s: Any = settings_model(M).model_validate(
        {"hosts": ["gitlab.example.test", "git.corp.example:8443"]}
    )
    assert s.hosts == ["gitlab.example.test", "git.corp.example:8443"]
    assert s.api_url == "https://gitlab.com/api/v4" and s.web_url == "https://gitlab.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fixes #12", [("issue", None, "#12")]),
        ("see !34", [("pull_request", None, "!34")]),
        (
            "group/sub/project#4 and group/sub/project!5",
            [
                ("issue", "group/sub/project", "#4"),
                ("pull_request", "group/sub/project", "!5"),
            ],
        ),
        ("a/b/c/d/e#9", [("issue", "a/b/c/d/e", "#9")]),  # any depth
        ("octo/app#7", [("issue", "octo/app", "#7")]),  # reads like GitHub's; the host decides
        ("my-group/my.project_x#1", [("issue", "my-group/my.project_x", "#1")]),
        ("&#12; x!3 a#1 ##2 !#3", []),  # entities, words, doubled sigils
        ("src/main.c#L10", []),
        ("project#12", []),  # a bare project name: not resolvable without its namespace
    ],
)
def test_reference_patterns(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert refs(text) == expected


@pytest.mark.parametrize(
    ("path", "kind", "scope", "ident"),
    [
        ("/group/sub/project/-/issues/12", "issue", "group/sub/project", "12"),
        ("/group/sub/project/-/work_items/12", "issue", "group/sub/project", "12"),
        ("/group/project/issues/3", "issue", "group/project", "3"),  # before /-/
        ("/group/sub/project/-/merge_requests/7", "pull_request", "group/sub/project", "7"),
        ("/group/sub/project/-/merge_requests/7/diffs", "pull_request", "group/sub/project", "7"),
        ("/g/p/-/commit/0123abc", "commit", "g/p", "0123abc"),
        ("/issues/group/-/issues/5", "issue", "issues/group", "5"),
    ],
)
def test_url_patterns(path: str, kind: str, scope: str, ident: str) -> None:
    hits = [(u.kind, re.search(u.path, path)) for u in M.urls]
    (got_kind, m), *rest = [(k, m) for k, m in hits if m]
    assert not rest and got_kind == kind and m["scope"] == scope
    assert (m.groupdict().get("number") or m.groupdict().get("sha")) == ident


def test_urls_that_are_not_items() -> None:
    for path in ("/group/sub/project/-/issues", "/group/-/issues/3x", "/-/issues/3", "/help"):
        assert not any(re.search(u.path, path) for u in M.urls), path


def test_web_url_templates() -> None:
    w = M.web_urls
    args = {"web": "https://gitlab.example.test", "scope": "g/s/p", "number": 3, "sha": "abc1234"}
    assert w.issue and w.issue.format(**args) == "https://gitlab.example.test/g/s/p/-/issues/3"
    assert w.pull_request and w.pull_request.format(**args).endswith("/g/s/p/-/merge_requests/3")
    assert w.commit and w.commit.format(**args).endswith("/g/s/p/-/commit/abc1234")


@pytest.mark.parametrize(
    ("status", "conclusion"),
    [
        ("success", CheckConclusion.SUCCESS),
        ("failed", CheckConclusion.FAILURE),
        ("running", CheckConclusion.PENDING),
        ("pending", CheckConclusion.PENDING),
        ("created", CheckConclusion.PENDING),
        ("waiting_for_resource", CheckConclusion.PENDING),
        ("preparing", CheckConclusion.PENDING),
        ("scheduled", CheckConclusion.PENDING),
        ("canceling", CheckConclusion.PENDING),
        ("canceled", CheckConclusion.CANCELLED),
        ("skipped", CheckConclusion.SKIPPED),
        ("manual", CheckConclusion.ACTION_REQUIRED),
        ("some_future_status", CheckConclusion.NEUTRAL),
    ],
)
def test_pipeline_status_to_conclusion(status: str, conclusion: CheckConclusion) -> None:
    assert pipeline_conclusion(status) is conclusion


@pytest.mark.parametrize(
    ("status", "allow_failure", "conclusion"),
    [
        ("failed", False, CheckConclusion.FAILURE),
        ("failed", True, CheckConclusion.NEUTRAL),
        ("manual", False, CheckConclusion.ACTION_REQUIRED),
        ("manual", True, CheckConclusion.SKIPPED),
        ("success", True, CheckConclusion.SUCCESS),
    ],
)
def test_job_rules(status: str, allow_failure: bool, conclusion: CheckConclusion) -> None:
    job = GlJob(id=1, name="j", status=status, allow_failure=allow_failure)
    assert job_conclusion(job) is conclusion
