"""A GitLab checkout whose remote is in a subgroup (``group/sub/project``), end to end over
stdio against the contract-checked GitLab stand-in: issue (``#1``) and merge request (``!1``)
cards, lenses, the branch's pipeline in the CI panel, and ``group/sub/project#1`` kept whole
(the subgroup is not lost)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import git
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, open_doc, start_client
from tests.lsp.test_features import find, hover_at, items, wait_synced
from tests.standin.gitlab import GitLabStandIn
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

PATH = "group/sub/project"
NOTES = """# Release

Fixes #1, merged in !1. From another doc: group/sub/project#1.
"""


@pytest.fixture
def gitlab() -> Iterator[GitLabStandIn]:
    require_contract(GitLabStandIn)
    gl = GitLabStandIn()
    st, me = gl.state, gl.state.login
    st.add_issue(PATH, "Uploads fail over 2 GB", assignees=[me], author="bob", labels=["bug"])
    sha = "e" * 40
    pipeline = st.add_pipeline(
        PATH,
        ref="feature",
        sha=sha,
        status="failed",
        jobs=[("compile", "build", "success", False), ("unit", "test", "failed", False)],
    )
    st.add_mr(
        PATH, "Stream uploads", source_branch="feature", author=me, sha=sha, pipeline=pipeline["id"]
    )
    with serving(gl) as s:
        yield s


@pytest.fixture
async def client(
    gitlab: GitLabStandIn, tmp_path: Path, tieline_home: Path
) -> AsyncIterator[LanguageClient]:
    root = tmp_path / "project"
    repo = git.Repo.init(root, initial_branch="feature")
    (root / "NOTES.md").write_text(NOTES)
    repo.create_remote("origin", f"git@gitlab.com:{PATH}.git")
    env = Env(root=root, github=None, home=tieline_home)
    c = await start_client(
        env,
        TIELINE_GITHUB_TOKEN="",
        TIELINE_GITLAB_TOKEN="tok-a",
        TIELINE_CONNECTORS__GITLAB__API_URL=f"{gitlab.url}/api/v4",
    )
    c.root = root  # type: ignore[attr-defined]
    yield c
    await c.shutdown_session()


async def test_subgroup_checkout_cards_lenses_and_ci(client: LanguageClient) -> None:
    await wait_synced(client, timeout=60)
    notes: Path = client.root / "NOTES.md"  # type: ignore[attr-defined]
    uri = open_doc(client, notes, "markdown")

    issue = await hover_at(client, uri, *find(notes, "#1"))
    assert issue is not None and "Uploads fail over 2 GB" in issue
    assert f"in {PATH}" in issue and "https://gitlab.com/group/sub/project/-/issues/1" in issue
    mr = await hover_at(client, uri, *find(notes, "!1"))
    assert mr is not None and "**[MR !1]" in mr and "Stream uploads" in mr
    assert "1 of 2 checks failing" in mr
    whole = await hover_at(client, uri, *find(notes, "group/sub/project#1"))
    assert whole is not None and "Uploads fail over 2 GB" in whole

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = {lens.command.title for lens in lenses or [] if lens.command}
    assert "#1 open · bug · @alice" in titles
    assert any(t.startswith("MR !1 open") and "1 of 2 checks failing" in t for t in titles)

    (branch,) = await items(client, "ci")
    assert branch["label"] == "feature" and branch["icon"] == "error"
    assert branch["description"].startswith(f"GitLab · {PATH}")
    runs = await items(client, "ci", branch["id"])
    assert {(r["label"], r["description"]) for r in runs} == {
        ("compile", "build · success"),
        ("unit", "test · failure"),
    }
    mine = await items(client, "work", "work/mine")
    assert [(i["service"], i["key"]) for i in mine] == [("gitlab", "MR !1")]
