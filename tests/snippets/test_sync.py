"""Two-way sync with snippet hosts: the real GitHub (gists) and GitLab (personal snippets, and
a project's) connectors against their stand-ins, which check every request against the
service's REST description (GitHub's answers too), with edits on both sides, conflicts kept
and shown, secret (private) copies staying so, and nothing uploaded that the user did not
share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.sdk import default_registry
from connectors.sdk.capabilities import SnippetStore, provides
from connectors.sdk.errors import NoSuchRecord, SecretFound
from server.hub.snippets import SecretScanner, SnippetLibrary
from server.hub.snippets.sync import SnippetSync
from server.hub.store import Store
from tests.gitlab.conftest import connect as gitlab_connect
from tests.standin.github import GitHubStandIn
from tests.standin.gitlab import GitLabStandIn
from tests.standin.harness import connect as github_connect
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

TOKEN_TEXT = "gh" + "p_" + "SyncSecretSyncSecretSyncSecret123456"


@dataclass
class Host:
    """One host's stand-in state, spoken to in the same words for both services."""

    name: str
    standin: Any
    me: str
    #: GitLab: the project whose snippets are synced (``None``: personal snippets).
    project: str | None = None

    @property
    def _items(self) -> dict[Any, dict[str, Any]]:
        st = self.standin.state
        return st.gists.gists if self.name == "github" else st.snippets.snippets

    def _key(self, rid: str) -> Any:
        if self.name == "github":
            return rid
        project, _, number = rid.rpartition(":")
        assert (project or None) == self.project, rid
        return int(number)

    def ids(self) -> list[str]:
        prefix = f"{self.project}:" if self.project else ""
        return [f"{prefix}{k}" for k in self._items]

    def files(self, rid: str) -> dict[str, str]:
        g = self._items[self._key(rid)]
        return dict(g["files"]) if self.name == "github" else {g["file_name"]: g["content"]}

    def title(self, rid: str) -> str:
        g = self._items[self._key(rid)]
        return str(g["description"] if self.name == "github" else g["title"])

    def private(self, rid: str) -> bool:
        g = self._items[self._key(rid)]
        return g["public"] is False if self.name == "github" else g["visibility"] == "private"

    def edit(self, rid: str, title: str | None, name: str, content: str) -> None:
        st = self.standin.state
        if self.name == "github":
            st.gists.edit(rid, title, {name: {"content": content}})
        else:
            st.snippets.edit(self._key(rid), title=title, content=content)

    def add(self, owner: str, title: str, name: str, content: str) -> None:
        st = self.standin.state
        if self.name == "github":
            st.gists.add(owner, title, {name: content})
        else:
            st.snippets.add(owner, title, name, content, project=self.project)

    def delete(self, rid: str) -> None:
        del self._items[self._key(rid)]

    def text(self) -> str:
        return str(self._items)


@pytest.fixture(params=["github", "gitlab", "gitlab-project"])
def host_standin(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    cls = GitHubStandIn if request.param == "github" else GitLabStandIn
    require_contract(cls)
    with serving(cls()) as standin:
        if request.param == "github":
            standin.state.login = "octocat"
            standin.state.tokens["tok"] = "octocat"
        yield request.param, standin


@pytest.fixture
async def world(
    host_standin: tuple[str, Any], tmp_path: Path
) -> AsyncIterator[tuple[SnippetLibrary, SnippetSync, Host]]:
    name, standin = host_standin
    project = None
    if name == "github":
        connector, http = github_connect(standin.url)
        me = "octocat"
    elif name == "gitlab":
        connector, http = gitlab_connect(standin)
        me = standin.state.login
    else:  # a project's snippets, shared snippets going there too
        project = standin.state.project("acme/app").path
        settings = {"snippet_projects": [project], "snippet_project": project}
        connector, http = gitlab_connect(standin, settings=settings)
        me = standin.state.login
    assert provides(type(connector), SnippetStore)
    async with Store.open(tmp_path / "t.db") as store:
        # the hub's scanner: every installed service's token shapes
        scanner = SecretScanner.from_manifests(default_registry().manifests())
        lib = SnippetLibrary(store, scanner=scanner)
        sync = SnippetSync(lib, connector, connector=name, account=f"{me}@host")
        yield lib, sync, Host(name, standin, me, project)
    await http.aclose()
    assert not getattr(standin, "violations", []), standin.violations


async def test_share_makes_a_secret_gist_and_links_it(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    s = await lib.add(
        title="Retry loop", body="for i in range(${1:3}):\n    pass", language="python"
    )
    assert gh.ids() == []  # nothing leaves before the user shares
    assert (await sync.sync()).pushed == []
    assert gh.ids() == []
    remote = await sync.share(s.id)
    assert gh.private(remote.id) and remote.visibility in {"secret", "private"}
    assert gh.title(remote.id) == "Retry loop" and gh.files(remote.id) == {"Retry-loop.py": s.body}
    with pytest.raises(Exception, match="on this host already"):
        await sync.share(s.id)


async def test_edits_flow_both_ways_and_visibility_never_changes(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    s = await lib.add(title="Hello", body="print('hi')", language="python")
    remote = await sync.share(s.id)
    await lib.update(s.id, body="print('hello')")
    report = await sync.sync()
    assert report.pushed == [s.id]
    assert gh.files(remote.id) == {"Hello.py": "print('hello')"}
    gh.edit(remote.id, "Hello there", "Hello.py", "print('hey')")
    report = await sync.sync()
    assert report.pulled == [s.id]
    got = await lib.get(s.id)
    assert (got.title, got.body) == ("Hello there", "print('hey')")
    assert (await sync.sync()) == type(report)()  # nothing left to do
    assert gh.private(remote.id)


async def test_both_sides_changed_is_a_conflict_shown_not_overwritten(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    s = await lib.add(title="Query", body="SELECT 1", language="sql")
    remote = await sync.share(s.id)
    await lib.update(s.id, body="SELECT 2 -- mine")
    gh.edit(remote.id, None, "Query.sql", "SELECT 3 -- theirs")
    report = await sync.sync()
    assert report.conflicts == [s.id] and report.pushed == report.pulled == []
    assert (await lib.get(s.id)).body == "SELECT 2 -- mine"
    assert gh.files(remote.id)["Query.sql"] == "SELECT 3 -- theirs"
    link = await sync.link_of(s.id)
    assert link is not None and link.conflict is not None
    assert link.conflict.content == "SELECT 3 -- theirs"  # what the host has, to show
    assert (await sync.sync()).conflicts == [s.id]  # still a conflict until resolved

    await sync.resolve(s.id, "local")
    assert gh.files(remote.id)["Query.sql"] == "SELECT 2 -- mine"
    assert (await sync.link_of(s.id)).conflict is None  # type: ignore[union-attr]
    assert (await sync.sync()).conflicts == []
    with pytest.raises(NoSuchRecord):
        await sync.resolve(s.id, "host")


async def test_resolving_for_the_host_takes_its_version(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    s = await lib.add(title="Cfg", body="a = 1")
    remote = await sync.share(s.id)
    await lib.update(s.id, body="a = 2")
    gh.edit(remote.id, "Cfg v2", "Cfg.txt", "a = 3")
    assert (await sync.sync()).conflicts == [s.id]
    await sync.resolve(s.id, "host")
    got = await lib.get(s.id)
    assert (got.title, got.body) == ("Cfg v2", "a = 3")
    assert (await sync.sync()) == type(await sync.sync())()


async def test_gists_only_on_the_host_are_downloaded(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    gh.add(gh.me, "Deploy script", "deploy.sh", "kubectl apply -f $1")
    gh.add("hubot", "Not mine", "x.py", "pass")
    report = await sync.sync()
    if gh.project is None:  # the account's own gists / personal snippets only
        assert report.downloaded == ["Deploy script"]
        [s] = await lib.all()
    else:  # a project's snippets are its members' shared library: everyone's come down
        assert sorted(report.downloaded) == ["Deploy script", "Not mine"]
        [s] = [x for x in await lib.all() if x.title == "Deploy script"]
    assert s.language == "shellscript" and s.body == "kubectl apply -f $1"
    assert (await sync.sync()).downloaded == []


async def test_secrets_are_flagged_before_sharing_or_pushing(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    bad = await lib.add(title="Env", body=f"TOKEN={TOKEN_TEXT}", allow_secrets=True)
    with pytest.raises(SecretFound, match="a GitHub token"):
        await sync.share(bad.id)
    assert gh.ids() == []
    ok = await lib.add(title="Env ok", body="TOKEN=$TOKEN")
    await sync.share(ok.id)
    await lib.update(ok.id, body=f"TOKEN={TOKEN_TEXT}", allow_secrets=True)
    report = await sync.sync()
    assert report.pushed == [] and report.held_back and report.held_back[0][0] == ok.id
    assert TOKEN_TEXT not in gh.text()


async def test_a_gist_deleted_on_the_host_unlinks_and_keeps_the_snippet(
    world: tuple[SnippetLibrary, SnippetSync, Host],
) -> None:
    lib, sync, gh = world
    s = await lib.add(title="Gone", body="x")
    remote = await sync.share(s.id)
    gh.delete(remote.id)
    assert (await sync.sync()).gone == [s.id]
    assert (await lib.get(s.id)).body == "x" and await sync.link_of(s.id) is None


async def test_gitlab_lists_personal_and_project_snippets_apart() -> None:
    """Both kinds in one list, with ids that say which is which; a shared snippet goes to
    ``snippet_project`` only when that project is also synced (or it would seem deleted)."""
    from connectors.sdk.errors import ConfigError, NotFound

    require_contract(GitLabStandIn)
    with serving(GitLabStandIn()) as standin:
        st = standin.state
        st.project("acme/app")
        mine = st.snippets.add(st.login, "Mine", "a.py", "1")
        theirs = st.snippets.add("bob", "Team", "b.py", "2", project="acme/app")
        settings = {"snippet_projects": ["acme/app/"], "snippet_project": "acme/web"}
        connector, http = gitlab_connect(standin, settings=settings)
        try:
            got = {r.id: r.title for r in await connector.list_snippets()}
            assert got == {str(mine["id"]): "Mine", f"acme/app:{theirs['id']}": "Team"}
            assert (await connector.get_snippet(f"acme/app:{theirs['id']}")).content == "2"
            with pytest.raises(NotFound):  # a project snippet is not a personal one
                await connector.get_snippet(str(theirs["id"]))
            for bad in ("", ":3", "acme/app:", "x"):
                with pytest.raises(NotFound):
                    await connector.get_snippet(bad)
            with pytest.raises(ConfigError, match="not one of snippet_projects"):
                await connector.create_snippet("New", "n.py", "3")
        finally:
            await http.aclose()
        assert not standin.violations, standin.violations
