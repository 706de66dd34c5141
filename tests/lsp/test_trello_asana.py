"""Trello and Asana end to end over stdio, beside GitHub: pasted card and task links get
hovers, the items assigned to me join My work, and start work moves a Trello card into its
board's first in-progress list and assigns an Asana task to me in its in-progress section.
Both stand-ins check every request against their services' contracts.

The server finds connectors by entry point. The shared virtualenv may have been installed
from a checkout that predates these two; then a ``.dist-info`` on the server's PYTHONPATH
registers this checkout's (what installing the package does), so the server tested is the
code beside this file."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import git
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from connectors.sdk.registry import default_registry
from tests.asana.helpers import CANARY as ASANA_TOKEN
from tests.asana.helpers import seed as seed_asana
from tests.lsp.conftest import Env, installed_connectors, open_doc, start_client
from tests.lsp.test_features import find, hover_at, items, wait_synced
from tests.standin.asana import AsanaStandIn
from tests.standin.github import GitHubStandIn
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract
from tests.standin.trello import TrelloStandIn
from tests.trello.helpers import CANARY as TRELLO_TOKEN
from tests.trello.helpers import KEY as TRELLO_KEY
from tests.trello.helpers import seed as seed_trello

ROOT = Path(__file__).resolve().parents[2]


def checkout_entry_points(where: Path) -> str:
    """A dist-info registering the connectors of this checkout's pyproject that the
    installed metadata lacks; the directory to put on PYTHONPATH."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    points = project["project"]["entry-points"]["tieline.connectors"]
    installed = set(default_registry().ids())
    missing = {k: v for k, v in points.items() if k not in installed}
    return str(installed_connectors(where, "tieline-checkout-connectors", missing))


def written(home: Path) -> list[tuple[Path, bytes]]:
    """Every file the server wrote under its home (database, HTTP cache, log)."""
    return [(p, p.read_bytes()) for p in home.rglob("*") if p.is_file()]


@pytest.fixture
def world() -> Iterator[tuple[GitHubStandIn, TrelloStandIn, AsanaStandIn]]:
    for cls in (GitHubStandIn, TrelloStandIn, AsanaStandIn):
        require_contract(cls)
    with (
        serving(GitHubStandIn()) as gh,
        serving(TrelloStandIn()) as trello,
        serving(AsanaStandIn()) as asana,
    ):
        yield gh, trello, asana


@pytest.fixture
async def client(
    world: tuple[GitHubStandIn, TrelloStandIn, AsanaStandIn], tmp_path: Path, tieline_home: Path
) -> AsyncIterator[LanguageClient]:
    gh, trello, asana = world
    gh.state.login = "octocat"
    from tests.lsp.conftest import TOKEN

    gh.state.tokens[TOKEN] = "octocat"
    t = seed_trello(trello)
    card = t.state.add_card(t.board, "Fix the login", creator=t.bob, members=(t.ada,))
    todo = t.state.add_card(t.board, "Write the docs", creator=t.bob, members=(t.ada,))
    a = seed_asana(asana)
    task = a.state.add_task(a.project, "Rotate the keys", creator=a.bob, assignee=a.ada)
    other = a.state.add_task(a.project, "Plan the offsite", creator=a.bob)
    root = tmp_path / "app"
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "T")
        cw.set_value("user", "email", "t@example.com")
    notes = (
        f"# Plan\n\nTrello {card['url']} and Asana {task['permalink_url']} today.\n"
        f"Later: https://app.asana.com/1/{a.ws['gid']}/task/{other['gid']} .\n"
    )
    (root / "NOTES.md").write_text(notes)
    repo.index.add(["NOTES.md"])
    repo.index.commit("init")
    repo.create_remote("origin", "https://github.com/octo/app.git")
    env = Env(root=root, github=gh, home=tieline_home)
    c = await start_client(
        env,
        PYTHONPATH=f"{checkout_entry_points(tmp_path / 'site')}:{ROOT}",
        TIELINE_TRELLO_TOKEN=TRELLO_TOKEN,
        TIELINE_TRELLO_KEY=TRELLO_KEY,
        TIELINE_CONNECTORS__TRELLO__API_URL=f"{trello.url}/1",
        TIELINE_ASANA_TOKEN=ASANA_TOKEN,
        TIELINE_CONNECTORS__ASANA__API_URL=f"{asana.url}/api/1.0",
    )
    c.notes = root / "NOTES.md"  # type: ignore[attr-defined]
    c.ids = {  # type: ignore[attr-defined]
        "card": card,
        "todo": todo,
        "task": task,
        "other": other,
        "trello": trello,
        "asana": asana,
    }
    yield c
    await c.shutdown_session()
    for p, data in written(tieline_home):
        assert TRELLO_TOKEN.encode() not in data and ASANA_TOKEN.encode() not in data, p
    said = " ".join(m.message for m in c.messages)
    assert TRELLO_TOKEN not in said and ASANA_TOKEN not in said


async def test_links_hover_and_mine_join_my_work(client: LanguageClient) -> None:
    await wait_synced(client, timeout=60)
    ids = client.ids  # type: ignore[attr-defined]
    notes: Path = client.notes  # type: ignore[attr-defined]
    uri = open_doc(client, notes, "markdown")
    card = await hover_at(client, uri, *find(notes, "https://trello.com/c/"))
    assert card is not None and "Fix the login" in card and "To Do" in card, card
    task = await hover_at(client, uri, *find(notes, "https://app.asana.com/0/"))
    assert task is not None and "Rotate the keys" in task, task
    later = await hover_at(client, uri, *find(notes, "https://app.asana.com/1/"))
    assert later is not None and "Plan the offsite" in later, later
    assigned = await items(client, "work", "work/assigned")
    by_service: dict[str, set[str]] = {}
    for i in assigned:
        by_service.setdefault(i["service"], set()).add(i["label"])
    assert by_service.get("trello") == {"Fix the login", "Write the docs"}
    assert by_service.get("asana") == {"Rotate the keys"}
    assert ids["trello"].violations == [] and ids["asana"].violations == []


async def test_start_work_moves_the_card_and_starts_the_task(client: LanguageClient) -> None:
    await wait_synced(client, timeout=60)
    ids = client.ids  # type: ignore[attr-defined]
    card, task = ids["todo"], ids["task"]
    trello = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.startWork", arguments=[f"trello:trello.com:{card['shortLink']}"]
        )
    )
    assert trello["status"] == "Doing", trello
    assert ids["trello"].state.lists[card["idList"]]["name"] == "Doing"
    asana = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.startWork", arguments=[f"asana:app.asana.com:{task['gid']}"]
        )
    )
    assert asana["status"] == "In progress", asana
    section = ids["asana"].state.sections[task["membership_gids"][0]["section"]]
    assert section["name"] == "In progress"
