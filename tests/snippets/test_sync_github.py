"""Two-way sync with GitHub gists: the real connector against the GitHub stand-in, which
checks every request and answer against GitHub's REST description (gist routes included),
with edits on both sides, conflicts kept and shown, secret gists staying secret, and
nothing uploaded that the user did not share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.sdk.capabilities import SnippetStore, provides
from connectors.sdk.errors import NoSuchRecord, SecretFound
from server.hub.snippets import SecretScanner, SnippetLibrary
from server.hub.snippets.sync import SnippetSync
from server.hub.store import Store
from tests.standin.github import GitHubStandIn
from tests.standin.harness import connect

TOKEN_TEXT = "gh" + "p_" + "SyncSecretSyncSecretSyncSecret123456"


@pytest.fixture
async def world(
    github: GitHubStandIn, tmp_path: Path
) -> AsyncIterator[tuple[SnippetLibrary, SnippetSync, GitHubStandIn]]:
    gh, http = connect(github.url)
    assert provides(type(gh), SnippetStore)
    async with Store.open(tmp_path / "t.db") as store:
        scanner = SecretScanner.from_manifests([type(gh).manifest()])
        lib = SnippetLibrary(store, scanner=scanner)
        yield lib, SnippetSync(lib, gh, connector="github", account="octocat@github.com"), github
    await http.aclose()


async def test_share_makes_a_secret_gist_and_links_it(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    s = await lib.add(
        title="Retry loop", body="for i in range(${1:3}):\n    pass", language="python"
    )
    assert gh.state.gists.gists == {}  # nothing leaves before the user shares
    assert (await sync.sync()).pushed == []
    assert gh.state.gists.gists == {}
    remote = await sync.share(s.id)
    g = gh.state.gists.gists[remote.id]
    assert g["public"] is False and remote.visibility == "secret"
    assert g["description"] == "Retry loop" and g["files"] == {"Retry-loop.py": s.body}
    with pytest.raises(Exception, match="on this host already"):
        await sync.share(s.id)


async def test_edits_flow_both_ways_and_visibility_never_changes(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    s = await lib.add(title="Hello", body="print('hi')", language="python")
    remote = await sync.share(s.id)
    await lib.update(s.id, body="print('hello')")
    report = await sync.sync()
    assert report.pushed == [s.id]
    assert gh.state.gists.gists[remote.id]["files"] == {"Hello.py": "print('hello')"}
    gh.state.gists.edit(remote.id, "Hello there", {"Hello.py": {"content": "print('hey')"}})
    report = await sync.sync()
    assert report.pulled == [s.id]
    got = await lib.get(s.id)
    assert (got.title, got.body) == ("Hello there", "print('hey')")
    assert (await sync.sync()) == type(report)()  # nothing left to do
    assert gh.state.gists.gists[remote.id]["public"] is False


async def test_both_sides_changed_is_a_conflict_shown_not_overwritten(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    s = await lib.add(title="Query", body="SELECT 1", language="sql")
    remote = await sync.share(s.id)
    await lib.update(s.id, body="SELECT 2 -- mine")
    gh.state.gists.edit(remote.id, None, {"Query.sql": {"content": "SELECT 3 -- theirs"}})
    report = await sync.sync()
    assert report.conflicts == [s.id] and report.pushed == report.pulled == []
    assert (await lib.get(s.id)).body == "SELECT 2 -- mine"
    assert gh.state.gists.gists[remote.id]["files"]["Query.sql"] == "SELECT 3 -- theirs"
    link = await sync.link_of(s.id)
    assert link is not None and link.conflict is not None
    assert link.conflict.content == "SELECT 3 -- theirs"  # what the host has, to show
    assert (await sync.sync()).conflicts == [s.id]  # still a conflict until resolved

    await sync.resolve(s.id, "local")
    assert gh.state.gists.gists[remote.id]["files"]["Query.sql"] == "SELECT 2 -- mine"
    assert (await sync.link_of(s.id)).conflict is None  # type: ignore[union-attr]
    assert (await sync.sync()).conflicts == []
    with pytest.raises(NoSuchRecord):
        await sync.resolve(s.id, "host")


async def test_resolving_for_the_host_takes_its_version(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    s = await lib.add(title="Cfg", body="a = 1")
    remote = await sync.share(s.id)
    await lib.update(s.id, body="a = 2")
    gh.state.gists.edit(remote.id, "Cfg v2", {"Cfg.txt": {"content": "a = 3"}})
    assert (await sync.sync()).conflicts == [s.id]
    await sync.resolve(s.id, "host")
    got = await lib.get(s.id)
    assert (got.title, got.body) == ("Cfg v2", "a = 3")
    assert (await sync.sync()) == type(await sync.sync())()


async def test_gists_only_on_the_host_are_downloaded(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    gh.state.gists.add("octocat", "Deploy script", {"deploy.sh": "kubectl apply -f $1"})
    gh.state.gists.add("hubot", "Not mine", {"x.py": "pass"})
    report = await sync.sync()
    assert report.downloaded == ["Deploy script"]
    [s] = await lib.all()
    assert s.language == "shellscript" and s.body == "kubectl apply -f $1"
    assert (await sync.sync()).downloaded == []


async def test_secrets_are_flagged_before_sharing_or_pushing(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    bad = await lib.add(title="Env", body=f"TOKEN={TOKEN_TEXT}", allow_secrets=True)
    with pytest.raises(SecretFound, match="a GitHub token"):
        await sync.share(bad.id)
    assert gh.state.gists.gists == {}
    ok = await lib.add(title="Env ok", body="TOKEN=$TOKEN")
    remote = await sync.share(ok.id)
    await lib.update(ok.id, body=f"TOKEN={TOKEN_TEXT}", allow_secrets=True)
    report = await sync.sync()
    assert report.pushed == [] and report.held_back and report.held_back[0][0] == ok.id
    assert TOKEN_TEXT not in str(gh.state.gists.gists[remote.id])


async def test_a_gist_deleted_on_the_host_unlinks_and_keeps_the_snippet(world) -> None:  # type: ignore[no-untyped-def]
    lib, sync, gh = world
    s = await lib.add(title="Gone", body="x")
    remote = await sync.share(s.id)
    del gh.state.gists.gists[remote.id]
    assert (await sync.sync()).gone == [s.id]
    assert (await lib.get(s.id)).body == "x" and await sync.link_of(s.id) is None
