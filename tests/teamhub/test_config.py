"""The hub's settings: file, then TIELINE_HUB_* variables; secrets only from the environment
or files, never echoed; database URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.errors import ConfigError
from connectors.sdk.redact import redact
from server.teamhub.config import HubSecrets, load, public_view, secret_env
from server.teamhub.service import database_path


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    f = tmp_path / "hub.toml"
    f.write_text('host = "127.0.0.1"\nport = 9000\n[teams.platform]\nclients = ["c1"]\n')
    s = load(f, env={"TIELINE_HUB_HOST": "0.0.0.0", "TIELINE_HUB_ALLOWED_HOSTS": "a.example, b"})
    assert (s.host, s.port, s.allowed_hosts) == ("0.0.0.0", 9000, ["a.example", "b"])
    assert s.team_of("c1") == "platform" and s.team_of("c2") is None
    assert load(env={"TIELINE_HUB_CONFIG": str(f)}).port == 9000


def test_mistakes_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TIELINE_HUB_PROT is not a hub setting"):
        load(env={"TIELINE_HUB_PROT": "1"})
    with pytest.raises(ConfigError, match="port"):
        load(env={"TIELINE_HUB_PORT": "seventy"})
    f = tmp_path / "hub.toml"
    f.write_text('[teams.a]\nclients = ["c"]\n[teams.b]\nclients = ["c"]\n')
    with pytest.raises(ConfigError, match="two teams"):
        load(f, env={})
    f.write_text('[teams.a]\nsources = ["myspace"]\n')
    with pytest.raises(ConfigError, match="unknown source myspace"):
        load(f, env={})


def test_a_secret_in_the_file_is_refused_without_echo(tmp_path: Path) -> None:
    f = tmp_path / "hub.toml"
    f.write_text('[teams.a]\ngithub_secret = "hunter2-hunter2"\n')
    with pytest.raises(ConfigError) as info:
        load(f, env={})
    assert "hunter2" not in info.value.message
    assert "TIELINE_HUB_SECRET_" in info.value.message


def test_secrets_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    f = tmp_path / "gitlab"
    f.write_text("file-held-s3cret\n")
    env = {
        secret_env("web-team", "github"): "env-held-s3cret",
        secret_env("web-team", "gitlab") + "_FILE": str(f),
    }
    assert secret_env("web-team", "github") == "TIELINE_HUB_SECRET_WEB_TEAM_GITHUB"
    secrets = HubSecrets(env)
    assert secrets.hook_secret("web-team", "github") == "env-held-s3cret"
    assert secrets.hook_secret("web-team", "gitlab") == "file-held-s3cret"
    assert secrets.hook_secret("web-team", "jira") is None
    assert "file-held-s3cret" not in redact("it was file-held-s3cret")
    f2 = tmp_path / "hub.toml"
    f2.write_text('[teams.web-team]\nsources = ["github", "jira"]\n')
    view = public_view(load(f2, env={}), secrets)
    assert view["teams"]["web-team"]["secrets"] == {
        "github": "set",
        "jira": "missing (TIELINE_HUB_SECRET_WEB_TEAM_JIRA)",
    }
    assert "env-held" not in str(view)


def test_database_urls(tmp_path: Path) -> None:
    assert database_path("sqlite:////var/lib/hub.db") == Path("/var/lib/hub.db")
    assert database_path("sqlite:///rel/hub.db") == Path("rel/hub.db")
    assert database_path(str(tmp_path / "x.db")) == tmp_path / "x.db"
    with pytest.raises(ConfigError, match="PostgreSQL"):
        database_path("postgresql://hub@db/hub")
    with pytest.raises(ConfigError, match="unknown scheme"):
        database_path("mysql://x")
