"""The hub's settings: file, then TIELINE_HUB_* variables; secrets only from the environment
or files, never echoed; database URLs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.sdk.errors import ConfigError
from connectors.sdk.redact import redact
from server.teamhub.config import HubSecrets, load, public_view, secret_env
from server.teamhub.service import database_target


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
    assert database_target("sqlite:////var/lib/hub.db") == Path("/var/lib/hub.db")
    assert database_target("sqlite:///rel/hub.db") == Path("rel/hub.db")
    assert database_target(str(tmp_path / "x.db")) == tmp_path / "x.db"
    assert database_target("postgresql://hub@db/hub") == "postgresql://hub@db/hub"
    assert database_target("postgres://hub@db/hub") == "postgres://hub@db/hub"
    with pytest.raises(ConfigError, match="unknown scheme"):
        database_target("mysql://x")
    with pytest.raises(ConfigError, match="sqlite:///"):
        database_target("sqlite://rel.db")


def test_the_database_password_stays_out_of_files_and_listings(tmp_path: Path) -> None:
    file = tmp_path / "hub.toml"
    file.write_text('database_url = "postgresql://hub:pa%40ss-w0rd@db/hub"\n')
    with pytest.raises(ConfigError, match="PGPASSWORD") as refused:
        load(file, env={})
    assert "pa%40ss" not in str(refused.value)
    file.write_text('database_url = "postgresql://hub@db/hub?password=w0rd-in-query"\n')
    with pytest.raises(ConfigError, match="holds a password"):
        load(file, env={})
    file.write_text('database_url = "postgresql://hub@db/hub"\n')
    assert load(file, env={}).database_url == "postgresql://hub@db/hub"

    for url in (
        "postgresql://hub:pa%40ss-w0rd@db:5432/hub",
        "postgresql://hub@db/hub?sslmode=require&password=pa%40ss-w0rd",
    ):
        settings = load(file, env={"TIELINE_HUB_DATABASE_URL": url})
        assert settings.database_url == url  # the nodes connect with it
        shown = json.dumps(public_view(settings, HubSecrets({})))
        assert "pa%40ss" not in shown and "pa@ss" not in shown and "***" in shown
        assert redact("connecting with pa@ss-w0rd") == "connecting with [REDACTED]"
