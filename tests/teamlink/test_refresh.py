"""Which refresh a pushed event calls for: streams by kind (or named by the hub), sessions by
connector, host and account."""

from __future__ import annotations

from types import SimpleNamespace

from server.hub.teamlink.refresh import Target, streams_for, syncers_of, targets

SESSIONS = [
    ("github:github.com:octocat", SimpleNamespace(connector_id="github", host="github.com",
                                                   login="octocat")),
    ("github:github.com:ada", SimpleNamespace(connector_id="github", host="github.com",
                                               login="ada")),
    ("github:ghe.example.com:octocat", SimpleNamespace(connector_id="github",
                                                        host="ghe.example.com", login="octocat")),
    ("jira:acme.atlassian.net:ada", SimpleNamespace(connector_id="jira",
                                                     host="acme.atlassian.net", login="ada")),
]  # fmt: skip


def test_streams_follow_the_kind_unless_the_hub_names_them() -> None:
    assert streams_for("pull_request.merged", {}) == ("pulls",)
    assert streams_for("issue.commented", {}) == ("issues",)
    assert streams_for("ci.failed", {}) == ("ci", "pulls")
    assert streams_for("github.push", {}) == ()
    assert streams_for("github.push", {"streams": ["ci", "nonsense", "ci"]}) == ("ci",)
    assert [s.view for s in syncers_of("ci")] == ["checks", "pipelines"]
    assert syncers_of("nonsense") == []


def test_sessions_by_connector_host_and_account() -> None:
    org = targets("github", "", {"host": "GitHub.com"}, ("pulls",), SESSIONS)
    assert org == [
        Target("github:github.com:octocat", "pulls"),
        Target("github:github.com:ada", "pulls"),
    ]
    mine = targets("github", "ada@github.com", {"host": "github.com"}, ("issues",), SESSIONS)
    assert mine == [Target("github:github.com:ada", "issues")]
    anywhere = targets("github", "", {}, ("pulls",), SESSIONS)
    assert len(anywhere) == 3  # no host named: every session of the connector
    assert targets("gitlab", "", {"host": "gitlab.com"}, ("pulls",), SESSIONS) == []
    assert targets("github", "", {"host": "github.com"}, (), SESSIONS) == []
    assert Target("k", "ci").coalesce_key == "teamhub:k:ci"
