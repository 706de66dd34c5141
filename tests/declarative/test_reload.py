"""The hub and the CLI with declared connectors: a changed manifest reopens its sessions
(an unchanged one keeps them), a removed one closes them, and ``tieline doctor`` lists a
broken manifest with its file and line beside the other configuration problems."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.sdk.registry import default_registry
from server.hub.credentials import EnvCredentials
from server.hub.hub import Hub
from server.hub.store import Store
from tests.declarative.helpers import manifest, source_on_path
from tests.standin.tinytracker import TOKEN, TinyTracker


@pytest.fixture
async def hub(tt: TinyTracker, tmp_path: Path) -> AsyncIterator[Hub]:
    root = tmp_path / "app"
    (root / ".tieline" / "connectors").mkdir(parents=True)
    (root / ".tieline" / "connectors" / "tt.toml").write_text(manifest(tt.url))
    environ = {"TIELINE_TINYTRACKER_TOKEN": TOKEN}
    h = Hub(
        store=await Store.open(":memory:"),
        root=root,
        registry=default_registry(),
        credentials=EnvCredentials(environ),
        environ=environ,
    )
    yield h
    await h.close()
    h.registry.discover([])  # the shared registry forgets this workspace's connectors


def sessions(hub: Hub) -> dict[str, object]:
    return {k: s.connector for k, s in hub.sessions.items() if s.connector_id == "tinytracker"}


async def test_a_changed_manifest_reopens_its_sessions(hub: Hub, tt: TinyTracker) -> None:
    await hub.connect()
    first = sessions(hub)
    assert len(first) == 1, hub.sessions
    await hub.reconfigure(None)  # nothing changed
    await hub.connect()
    assert sessions(hub) == first
    path = hub.paths[0] / ".tieline" / "connectors" / "tt.toml"
    path.write_text(manifest(tt.url, "page", name="Tiny Tracker (paged)"))
    await hub.reconfigure(None)
    await hub.connect()
    now = sessions(hub)
    assert len(now) == 1 and now != first
    (connector,) = now.values()
    assert type(connector).manifest().name == "Tiny Tracker (paged)"
    assert type(connector).spec.pagination.style == "page"  # type: ignore[attr-defined]
    path.unlink()
    await hub.reconfigure(None)
    await hub.connect()
    assert sessions(hub) == {} and "tinytracker" not in hub.registry


def test_doctor_lists_a_broken_manifest(tmp_path: Path, tieline_home: Path) -> None:
    root = tmp_path / "app"
    (root / ".git").mkdir(parents=True)
    folder = root / ".tieline" / "connectors"
    folder.mkdir(parents=True)
    (folder / "good.toml").write_text(manifest("http://127.0.0.1:9", id="tt_good"))
    (folder / "bad.toml").write_text(
        manifest("http://127.0.0.1:9", id="tt_bad").replace('select = "@"', "selekt = '@'", 1)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(TIELINE_HOME=str(tieline_home), PYTHONPATH=source_on_path(tmp_path / "site"),
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-m", "server", "doctor"],
        capture_output=True, text=True, env=env, cwd=root, timeout=120,
    )  # fmt: skip
    problems = [line for line in r.stdout.splitlines() if "problem:" in line]
    bad = [p for p in problems if "bad.toml" in p]
    assert bad and "endpoints.list.selekt: unknown key" in bad[0], r.stdout + r.stderr
    assert f"connector {folder / 'bad.toml'}: line " in bad[0], bad
    assert not [p for p in problems if "good.toml" in p], problems
