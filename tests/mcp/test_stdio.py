"""``tieline mcp`` over stdio, driven by the official ``mcp`` SDK client: the tools it lists
(read-only unless writes are allowed), their answers against the GitHub stand-in in the
shape of the matching ``tieline VERB --json``, resources, errors as MCP tool errors without
secrets, and the write tools refused until both the setting and the tool's grant say yes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp.shared.exceptions import MCPError

from server.hub.store import Store
from tests.cli.test_listings import ITEM_KEYS, PR_KEYS
from tests.mcp.conftest import (
    REPO,
    error_text,
    no_secret,
    stdio,
    structured,
    tieline,
    writes_on,
)
from tests.standin.github import GitHubStandIn

READ_TOOLS = {
    "list_pull_requests", "list_issues", "get_issue", "ci_status", "job_log",
    "search_snippets", "get_snippet", "search_docs", "agenda", "issue_destinations",
}  # fmt: skip
WRITE_TOOLS = {"create_issue", "comment_on_issue", "save_snippet"}


async def test_lists_only_read_tools_by_default_each_with_schemas(
    app: Path, env: dict[str, str]
) -> None:
    log = app.parent / "server.log"
    async with stdio(app, env, log) as s:
        tools = (await s.list_tools()).tools
    assert {t.name for t in tools} == READ_TOOLS
    for t in tools:
        assert t.input_schema["type"] == "object", t.name
        assert t.output_schema is not None and t.output_schema["type"] == "object", t.name
        assert t.description and t.annotations is not None
        assert t.annotations.read_only_hint is True
    by = {t.name: t for t in tools}
    assert by["get_issue"].input_schema["required"] == ["key"]
    assert set(by["list_pull_requests"].input_schema["properties"]) == {
        "review", "mine", "failing", "fresh",
    }  # fmt: skip


async def test_listings_and_one_issue_answer_as_the_verbs_json(
    app: Path, env: dict[str, str]
) -> None:
    log = app.parent / "server.log"
    async with stdio(app, env, log) as s:
        issues = structured(await s.call_tool("list_issues", {"assigned": True}))
        prs = structured(await s.call_tool("list_pull_requests", {}))
        one = structured(await s.call_tool("get_issue", {"key": "#1"}))
        by_id = structured(await s.call_tool("get_issue", {"key": "github:github.com:octo/app#2"}))
    assert set(issues) == {"issues", "groups", "problems"}
    (issue,) = issues["issues"]
    assert set(issue) == ITEM_KEYS
    assert issue["ref"] == f"{REPO}#1" and issue["title"] == "Crash on start"
    assert issue["groups"] == ["assigned"] and issues["problems"] == []
    (pr,) = prs["pull_requests"]
    assert set(pr) == PR_KEYS and pr["groups"] == ["review"]
    assert one["item"]["id"] == "github:github.com:octo/app#1"
    assert one["item"]["title"] == "Crash on start" and "body" in one["item"]
    assert by_id["item"]["kind"] == "pull_request"
    # The very document the command line prints.
    cli = tieline(app, env, "issues", "--assigned", "--json")
    assert cli.code == 0, cli.err
    assert cli.json == issues
    no_secret(json.dumps([issues, prs, one]), log.read_text())


async def test_errors_are_tool_errors_with_their_kind_and_no_secret(
    app: Path, env: dict[str, str]
) -> None:
    log = app.parent / "server.log"
    async with stdio(app, env, log) as s:
        usage = error_text(await s.call_tool("get_issue", {"key": "no reference here"}))
        missing = error_text(await s.call_tool("get_issue", {"key": f"{REPO}#999"}))
        no_docs = error_text(await s.call_tool("search_docs", {"query": "json.loads"}))
        bad = await s.call_tool("search_snippets", {"limit": 0})  # the input schema says >= 1
        no_snippet = error_text(await s.call_tool("get_snippet", {"id": "nope"}))
        # Writes are off: the tool does not exist for this agent.
        unknown = await s.call_tool("create_issue", {"title": "x"})
    assert "[usage]" in usage and "names no issue" in usage
    assert "[not_found]" in missing and f"{REPO}#999" in missing
    assert "[config]" in no_docs and "no documentation sets" in no_docs
    assert bad.is_error
    assert "[not_found]" in no_snippet
    assert unknown.is_error and "create_issue" in error_text(unknown)
    no_secret(usage, missing, no_docs, no_snippet, log.read_text())


async def test_root_names_the_workspace_when_started_elsewhere(
    app: Path, env: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    async with stdio(elsewhere, env, args=("--root", str(app))) as s:
        one = structured(await s.call_tool("get_issue", {"key": "#1"}))
    assert one["item"]["ref"] == f"{REPO}#1"
    bad = tieline(elsewhere, env, "mcp", "--root", str(tmp_path / "missing"))
    assert bad.code == 2 and "no such directory" in bad.err


async def test_a_signed_out_service_says_how_to_sign_in(app: Path, env: dict[str, str]) -> None:
    signed_out = {k: v for k, v in env.items() if k != "TIELINE_GITHUB_TOKEN"}
    async with stdio(app, signed_out) as s:
        text = error_text(await s.call_tool("list_pull_requests", {}))
    assert text.count("[auth]") == 1 and "tieline auth login" in text


async def test_issue_and_snippet_resources(app: Path, env: dict[str, str]) -> None:
    async with stdio(app, env) as s:
        templates = {t.uri_template for t in (await s.list_resource_templates()).resource_templates}
        read = await s.read_resource("tieline://issue/github/github.com/octo/app/%231")
        listed = await s.read_resource("tieline://snippets")
        try:
            await s.read_resource("tieline://issue/github/github.com/octo/app/%23999")
        except MCPError as exc:
            missing: str = exc.error.message
        else:
            raise AssertionError("a missing issue read as a resource")
    assert templates == {
        "tieline://issue/{connector}/{host}/{+scope}/{key}",
        "tieline://snippet/{id}",
    }
    (content,) = read.contents
    assert content.mime_type == "application/json"
    doc: dict[str, Any] = json.loads(content.text)  # type: ignore[union-attr]
    assert doc["item"]["ref"] == f"{REPO}#1"
    assert json.loads(listed.contents[0].text) == {"snippets": []}  # type: ignore[union-attr]
    assert f"{REPO}#999" in missing


async def test_writes_need_the_setting_and_a_grant_per_tool(
    app: Path, env: dict[str, str], github: GitHubStandIn
) -> None:
    allowed = writes_on(env)
    async with stdio(app, allowed) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert names == READ_TOOLS | WRITE_TOOLS
        write = {t.name: t for t in (await s.list_tools()).tools}["create_issue"]
        assert write.annotations is not None and write.annotations.read_only_hint is False
        refused = error_text(await s.call_tool("create_issue", {"title": "From an agent"}))
    assert "[refused]" in refused and "tieline mcp grant create_issue" in refused
    assert len(github.state.repo(REPO).issues) == 2  # nothing was created

    for tool in ("create_issue", "comment_on_issue", "save_snippet"):
        r = tieline(app, allowed, "mcp", "grant", tool)
        assert r.code == 0, r.err
    listing = tieline(app, allowed, "mcp", "grants")
    assert listing.code == 0 and listing.out.count("granted") == 3

    async with stdio(app, allowed) as s:
        dests = structured(await s.call_tool("issue_destinations", {}))
        made = structured(
            await s.call_tool(
                "create_issue", {"title": "From an agent", "body": "Found it", "destination": REPO}
            )
        )
        commented = structured(
            await s.call_tool("comment_on_issue", {"key": "#1", "body": "Looking into it"})
        )
        saved = structured(
            await s.call_tool(
                "save_snippet",
                {"title": "Retry", "body": "for _ in range(3):\n    try_it()", "language": "python",
                 "tags": ["loops"]},
            )
        )  # fmt: skip
        found = structured(await s.call_tool("search_snippets", {"text": "retry"}))
        secret = error_text(
            await s.call_tool(
                "save_snippet", {"title": "Oops", "body": "token = 'ghp_" + "A1b2" * 9 + "'"}
            )
        )
    assert [d["scope"] for d in dests["destinations"]] == [REPO]
    item = made["item"]
    assert item["title"] == "From an agent" and item["ref"] == f"{REPO}#3"
    gh = github.state.repo(REPO)
    assert gh.issues[3]["title"] == "From an agent" and gh.issues[3]["body"] == "Found it"
    assert [c["body"] for c in gh.comments[1]] == ["Looking into it"]
    assert commented["item"] == "github:github.com:octo/app#1"
    assert [x["id"] for x in found["snippets"]] == [saved["snippet"]["id"]]
    assert "[secret]" in secret and "A1b2A1b2" not in secret

    r = tieline(app, allowed, "mcp", "revoke", "comment_on_issue")
    assert r.code == 0, r.err
    async with stdio(app, allowed) as s:
        again = error_text(await s.call_tool("comment_on_issue", {"key": "#1", "body": "more"}))
    assert "[refused]" in again
    assert len(gh.comments[1]) == 1
    async with Store.open() as store:  # the same database, through TIELINE_HOME
        audit = await store.list_audit(limit=200)
    actions = [(a.actor, a.action, a.target) for a in reversed(audit)]
    assert ("user", "grant", "mcp:tool:create_issue") in actions
    assert ("mcp", "mcp.create_issue", REPO) in actions
    assert ("user", "revoke", "mcp:tool:comment_on_issue") in actions
    assert [t for _, a, t in actions if a == "mcp.refused"] == ["create_issue", "comment_on_issue"]


async def test_a_workspace_file_cannot_turn_writes_on(app: Path, env: dict[str, str]) -> None:
    (app / ".tieline.toml").write_text("[mcp]\nallow_writes = true\n")
    r = tieline(app, env, "mcp", "grant", "create_issue")
    assert r.code == 0 and "allow_writes" in r.err  # still off, it says
    async with stdio(app, env) as s:
        names = {t.name for t in (await s.list_tools()).tools}
    assert names == READ_TOOLS


def test_grant_names_only_write_tools(app: Path, env: dict[str, str]) -> None:
    r = tieline(app, env, "mcp", "grant", "list_issues")
    assert r.code == 2 and "create_issue" in r.err
    ok = tieline(app, env, "mcp", "grant", "save_snippet")
    assert ok.code == 0 and "allow_writes" in ok.err  # granted, but writes are still off
