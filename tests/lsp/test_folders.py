"""Every workspace folder counts: in a multi-root workspace each folder gets its own remotes
(a GitHub clone and a GitLab clone side by side), a bare ``#1`` means each folder's own
repository, and folders that come and go at run time (``didChangeWorkspaceFolders``) are
watched, and then no longer."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import git
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp.conftest import Env, open_doc, server_env
from tests.lsp.raw import raw_request
from tests.lsp.test_features import find, hover_at
from tests.standin.github import GitHubStandIn
from tests.standin.gitlab import GitLabStandIn
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract


@pytest.fixture
def gitlab() -> Iterator[GitLabStandIn]:
    require_contract(GitLabStandIn)
    gl = GitLabStandIn()
    gl.state.add_issue("team/svc", "GitLab's first issue", author="bob")
    gl.state.add_pipeline(
        "team/svc",
        ref="main",
        sha="f" * 40,
        status="success",
        jobs=[("t", "test", "success", False)],
    )
    with serving(gl) as s:
        yield s


def _clone(path: Path, remote: str) -> Path:
    repo = git.Repo.init(path, initial_branch="main")
    (path / "NOTES.md").write_text("See #1 here.\n")
    repo.create_remote("origin", remote)
    return path


async def _start(env: Env, folders: list[Path], **extra: str) -> LanguageClient:
    from pytest_lsp import ClientServerConfig

    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"],
        server_env=server_env(env, **extra),
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=folders[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders],
        )
    )
    return client


async def _ci_until(client: LanguageClient, want: Callable[[set[str]], bool]) -> set[str]:
    """The CI panel's node ids (one per watched repository and branch, per CI service),
    refreshed until ``want`` holds or ten seconds pass."""
    ids: set[str] = set()
    for _ in range(50):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="tieline.refresh", arguments=[])
        )
        got = await raw_request(client, "tieline/panel/items", {"panelId": "ci"})
        ids = {i["id"] for i in got["items"]}
        if want(ids):
            break
        await asyncio.sleep(0.2)
    return ids


async def test_two_roots_two_hosts_and_folders_that_come_and_go(
    github: GitHubStandIn, gitlab: GitLabStandIn, tmp_path: Path, tieline_home: Path
) -> None:
    github.state.tokens["ghp_foldersCANARY0123456789abcdefghijkl"] = "octocat"
    github.state.add_issue("octo/app", "GitHub's first issue", author="hubot")
    gh_root = _clone(tmp_path / "gh", "https://github.com/octo/app.git")
    gl_root = _clone(tmp_path / "gl", "git@gitlab.com:team/svc.git")
    env = Env(root=gh_root, github=github, home=tieline_home)
    extra = {
        "TIELINE_GITHUB_TOKEN": "ghp_foldersCANARY0123456789abcdefghijkl",
        "TIELINE_GITLAB_TOKEN": "tok-a",
        "TIELINE_CONNECTORS__GITLAB__API_URL": f"{gitlab.url}/api/v4",
    }
    client = await _start(env, [gh_root], **extra)
    try:
        gh_doc = open_doc(client, gh_root / "NOTES.md", "markdown")
        card = await hover_at(client, gh_doc, *find(gh_root / "NOTES.md", "#1"))
        assert card is not None and "GitHub's first issue" in card
        ids = await _ci_until(client, lambda ids: "ci/github/octo/app@main" in ids)
        assert not any(i.startswith("ci/gitlab/") for i in ids)

        # A GitLab clone joins the workspace: its own remote, its own session, its own #1.
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(uri=gl_root.as_uri(), name="gl")], removed=[]
                )
            )
        )
        gl_doc = open_doc(client, gl_root / "NOTES.md", "markdown")
        card = await hover_at(client, gl_doc, *find(gl_root / "NOTES.md", "#1"))
        assert card is not None and "GitLab's first issue" in card, card
        ids = await _ci_until(client, lambda ids: "ci/gitlab/team/svc@main" in ids)
        assert {"ci/github/octo/app@main", "ci/gitlab/team/svc@main"} <= ids
        card = await hover_at(client, gh_doc, *find(gh_root / "NOTES.md", "#1"))
        assert card is not None and "GitHub's first issue" in card  # each folder its own #1

        # It leaves again: GitLab's session stops watching it (the account-wide session on
        # gitlab.com stays: "my merge requests" need no clone).
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[], removed=[types.WorkspaceFolder(uri=gl_root.as_uri(), name="gl")]
                )
            )
        )
        ids = await _ci_until(client, lambda ids: "ci/gitlab/team/svc@main" not in ids)
        assert "ci/gitlab/team/svc@main" not in ids and "ci/github/octo/app@main" in ids
    finally:
        await client.shutdown_session()
