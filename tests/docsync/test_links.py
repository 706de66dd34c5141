"""Links as settings: validated, written to ``.tieline.toml``, and matched to sessions."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from connectors.sdk.errors import ConfigError
from server.hub import config as config_mod
from server.hub.docsync.engine import LinkSpec
from server.hub.docsync.links import add_link


def test_a_link_is_appended_to_the_workspace_file(tmp_path: Path) -> None:
    (tmp_path / ".tieline.toml").write_text('log_level = "debug"\n')
    add_link(tmp_path, LinkSpec(folder="docs", service="google", remote='/My "Drive"/docs'))
    add_link(tmp_path, LinkSpec(folder="notes", service="microsoft", remote="/N", account="a@b"))
    got = tomllib.loads((tmp_path / ".tieline.toml").read_text())
    assert got["log_level"] == "debug"
    assert got["docsync"]["links"] == [
        {"folder": "docs", "service": "google", "remote": '/My "Drive"/docs'},
        {"folder": "notes", "service": "microsoft", "remote": "/N", "account": "a@b"},
    ]
    loaded = config_mod.load(workspace=tmp_path, environ={}, user_file=tmp_path / "none.toml")
    assert [lk.folder for lk in loaded.config.docsync.links] == ["docs", "notes"]
    assert loaded.problems == []


def test_a_folder_is_linked_once(tmp_path: Path) -> None:
    spec = LinkSpec(folder="docs", service="google", remote="/docs")
    add_link(tmp_path, spec)
    with pytest.raises(ConfigError, match="linked already"):
        add_link(tmp_path, spec)


def test_an_unreadable_workspace_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / ".tieline.toml").write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        add_link(tmp_path, LinkSpec(folder="docs", service="google", remote="/docs"))
    assert (tmp_path / ".tieline.toml").read_text() == "this is = = not toml"


@pytest.mark.parametrize("folder", ["../elsewhere", "/etc", "a/../../b", "C:/x", "a//b"])
def test_a_link_never_points_outside_the_workspace(tmp_path: Path, folder: str) -> None:
    (tmp_path / ".tieline.toml").write_text(
        f'[[docsync.links]]\nfolder = "{folder}"\nservice = "google"\nremote = "/docs"\n'
    )
    loaded = config_mod.load(workspace=tmp_path, environ={}, user_file=tmp_path / "none.toml")
    assert loaded.config.docsync.links == []
    assert any("docsync" in str(p) for p in loaded.problems)


def test_the_links_state_is_the_one_that_needs_the_person_most() -> None:
    from server.hub.docsync.links import LinkStatus, SyncStatus

    docs = LinkSpec(folder="docs", service="google", remote="/docs")
    specs_ = LinkSpec(folder="specs", service="microsoft", remote="/specs")
    idle = LinkStatus(docs, "idle", last_sync=100.0, conflicts=2)
    stopped = LinkStatus(specs_, "error", last_sync=50.0, last_error="specs: sync stopped: 503")
    offline = LinkStatus(specs_, "offline", last_error="not signed in to microsoft")
    both = SyncStatus((idle, stopped))
    assert (both.state, both.conflicts, both.last_sync) == ("error", 2, 100.0)
    assert both.last_error == "specs: sync stopped: 503"
    assert SyncStatus((LinkStatus(docs, "syncing"), stopped)).state == "syncing"
    quiet = SyncStatus((idle, offline))  # not signed in is no error of a round
    assert (quiet.state, quiet.last_error) == ("idle", None)
    assert SyncStatus().state == "idle" and SyncStatus().last_sync is None


def test_a_link_waiting_for_drive_consent_says_so_rather_than_not_signed_in(
    tmp_path: Path,
) -> None:
    """An account signed in without the Drive scopes (asked on first use) is left out of
    Drive by the hub's consent gate; its link says it waits for the permission."""
    from types import SimpleNamespace
    from typing import Any

    from connectors.sdk.manifest import Scope
    from server.hub.consent_gate import ConsentWanted
    from server.hub.docsync.links import DocSyncs

    want = ConsentWanted(
        "microsoft", "graph.microsoft.com", "ada", "Microsoft 365", "Drive",
        (Scope(name="Files.ReadWrite", why="Sync."),),
    )  # fmt: skip
    link = SimpleNamespace(folder="docs", service="microsoft", remote="/docs", account=None)
    hub: Any = SimpleNamespace(
        root=tmp_path,
        config=SimpleNamespace(docsync=SimpleNamespace(links=[link])),
        consent=SimpleNamespace(wanted={("k", "Drive"): want}),
        sessions_with=lambda cap, ask=True: [],
    )
    (status,) = DocSyncs(hub).status().links
    assert status.state == "offline"
    assert status.last_error is not None and "waiting for your permission" in status.last_error
    hub.consent.wanted = {}
    (status,) = DocSyncs(hub).status().links
    assert status.last_error == "not signed in to microsoft"
