"""A declared tracker in a real editor session: the manifest in ``.tieline/connectors``, the
token signed in with ``tieline auth login`` (kept in the vault), then over stdio with
pytest-lsp a hover on ``TT-7`` and on a pasted issue URL is the issue, read through the
connector; a second manifest that is broken is announced and costs nothing else; editing
the manifest (a new reference pattern) reloads it while the server runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import git
import pytest
from pytest_lsp import LanguageClient

from tests.declarative.conftest import seed
from tests.declarative.helpers import manifest, source_on_path
from tests.lsp.conftest import Env, open_doc, server_env, start_client, until
from tests.lsp.test_features import find, hover_at
from tests.standin.kit import serving
from tests.standin.tinytracker import TOKEN, TinyTracker

NOTES = "# Plan\n\nFix TT-7 first, then https://tt.example.test/issues/3 and BUG-9.\n"


@pytest.fixture
def tt() -> Iterator[TinyTracker]:
    with serving(TinyTracker()) as standin:
        seed(standin)
        yield standin


@dataclass
class Workspace:
    env: Env
    extra: dict[str, str]
    folder: Path


@pytest.fixture
def signed_in(tt: TinyTracker, tmp_path: Path, tieline_home: Path) -> Workspace:
    """The checkout with its manifest, and the token signed in as a person does it."""
    root = tmp_path / "app"
    repo = git.Repo.init(root, initial_branch="main")
    (root / "NOTES.md").write_text(NOTES)
    folder = root / ".tieline" / "connectors"
    folder.mkdir(parents=True)
    (folder / "tt.toml").write_text(manifest(tt.url))
    repo.index.add(["NOTES.md"])
    env = Env(root=root, github=None, home=tieline_home)
    extra = {
        "PYTHONPATH": source_on_path(tmp_path / "site"),
        "TIELINE_CONNECTOR_POLL_SECONDS": "0.2",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    login = subprocess.run(
        [sys.executable, "-m", "server", "auth", "login", "tinytracker", "--with-token"],
        input=TOKEN + "\n",
        capture_output=True,
        text=True,
        env=server_env(env, **extra),
        cwd=root,
        timeout=60,
    )
    assert login.returncode == 0, login.stderr
    assert "ada" in login.stdout + login.stderr, login
    return Workspace(env, extra, folder)


def written(home: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in home.rglob("*") if p.is_file()]


@pytest.fixture
async def client(signed_in: Workspace) -> AsyncIterator[LanguageClient]:
    c = await start_client(signed_in.env, **signed_in.extra)
    c.notes = signed_in.env.root / "NOTES.md"  # type: ignore[attr-defined]
    c.folder = signed_in.folder  # type: ignore[attr-defined]
    yield c
    await c.shutdown_session()
    leaked = [p for p, data in written(signed_in.env.home) if TOKEN.encode() in data]
    assert leaked == []
    assert all(TOKEN not in m.message for m in c.messages)


async def test_hover_resolves_through_the_declared_connector(
    client: LanguageClient, tt: TinyTracker
) -> None:
    notes: Path = client.notes  # type: ignore[attr-defined]
    folder: Path = client.folder  # type: ignore[attr-defined]
    uri = open_doc(client, notes, "markdown")

    async def hover(needle: str, want: str) -> str | None:
        got = await hover_at(client, uri, *find(notes, needle))
        return got if got and want in got else None

    card = await until(lambda: hover("TT-7", "Crash on start"), timeout=60)
    assert "Crash on start" in card
    page = await until(lambda: hover("https://tt.example.test/issues/3", "Issue number 3"))
    assert "Issue number 3" in page
    assert all(r.account == "ada" for r in tt.log), [(r.path, r.account) for r in tt.log]
    assert await hover_at(client, uri, *find(notes, "BUG-9")) is None  # no such pattern yet

    # A broken second manifest: announced with its file and line, the first one unharmed.
    (folder / "broken.toml").write_text('id = "tt_broken"\nname = "Broken"\nbase_url = 3\n')
    said = await until(
        lambda: [m.message for m in client.messages if "broken.toml" in m.message], timeout=60
    )
    assert "base_url" in said[-1], said
    assert await hover("TT-7", "Crash on start")  # its session stayed open

    # Edited: a second reference pattern is picked up while the server runs.
    text = manifest(tt.url).replace("[[urls]]", "[[references]]\nregex = 'BUG-(\\d+)'\n\n[[urls]]")
    (folder / "tt.toml").write_text(text)
    bug = await until(lambda: hover("BUG-9", "Issue number 9"), timeout=60)
    assert "Issue number 9" in bug
    # Its session reopened with the new manifest (a hover meanwhile may say it is connecting).
    assert await until(lambda: hover("TT-7", "Crash on start"))
