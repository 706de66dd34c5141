"""The team hub's settings (https, machine-only) and ``tieline teamhub token|status``."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from server.cli_teamhub import arguments, run
from server.hub import config
from server.hub.store import Store
from server.hub.teamlink.link import LAST_ID, STATE, TEAMHUB, stored_status

URL = "https://hub.example.com/api/v1/events/stream"


class Vault:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}

    def get_secret(self, record_id: str) -> str | None:
        return self.secrets.get(record_id)

    def set_secret(self, record_id: str, secret: str) -> None:
        self.secrets[record_id] = secret

    def delete_secret(self, record_id: str) -> bool:
        return self.secrets.pop(record_id, None) is not None


def _load(tmp_path: Path, **env: str) -> config.Loaded:
    return config.load(user_file=tmp_path / "none.toml", environ=env)


def test_the_url_must_be_https_except_to_this_machine(tmp_path: Path) -> None:
    ok = _load(tmp_path, TIELINE_TEAM_HUB__URL=URL).config.team_hub
    assert ok.url == URL and ok.enabled is False
    loop = _load(tmp_path, TIELINE_TEAM_HUB__URL="http://127.0.0.1:8080/api/v1/events/stream")
    assert loop.problems == []
    for bad in ("http://hub.example.com/s", "https://user:pw@hub.example.com/s", "ftp://x/y"):
        loaded = _load(tmp_path, TIELINE_TEAM_HUB__URL=bad)
        assert loaded.config.team_hub.url is None
        assert [p.key for p in loaded.problems] == ["team_hub.url"]
        assert "pw" not in str(loaded.problems)


def test_a_workspace_cannot_point_the_hub_token_elsewhere(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / ".tieline.toml").write_text(
        '[team_hub]\nenabled = true\nurl = "https://evil.example.com/s"\n'
    )
    loaded = config.load(user_file=tmp_path / "none.toml", workspace=ws, environ={})
    assert loaded.config.team_hub.url is None
    assert any(p.key == "team_hub" for p in loaded.problems)


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    arguments(p)
    return p.parse_args(list(argv))


def test_token_is_kept_in_the_vault_record_of_the_hub(tmp_path: Path) -> None:
    vault = Vault()
    err = io.StringIO()
    env = {"TIELINE_TEAM_HUB__URL": URL, "TIELINE_HOME": str(tmp_path)}
    code = run(
        _args("token"), stdin=io.StringIO("tlat_abc\n"), stderr=err, vault=vault, environ=env
    )
    assert code == 0 and vault.secrets == {"teamhub:hub.example.com": "tlat_abc"}
    assert "tlat_abc" not in err.getvalue()
    code = run(_args("token", "--record", "teamhub:other"), stdin=io.StringIO("t2"), vault=vault,
               stderr=err, environ=env)  # fmt: skip
    assert code == 0 and vault.secrets["teamhub:other"] == "t2"
    assert run(_args("token", "--delete"), vault=vault, stderr=err, environ=env) == 0
    assert "teamhub:hub.example.com" not in vault.secrets


async def test_status_reads_what_the_server_left(tmp_path: Path) -> None:
    settings = _load(tmp_path, TIELINE_TEAM_HUB__URL=URL).config.team_hub
    async with Store.open(tmp_path / "t.db") as store:
        assert (await stored_status(store, settings))[1] == "state: never connected"
        account = "hub.example.com/api/v1/events/stream"
        await store.set_checkpoint(TEAMHUB, account, STATE, "fallback")
        await store.set_checkpoint(TEAMHUB, account, LAST_ID, "42")
        lines = await stored_status(store, settings)
    assert lines[0] == f"{URL} (off: team_hub.enabled)"
    assert lines[1].startswith("state: fallback since ")
    assert lines[2].startswith("last event id: 42 ")
