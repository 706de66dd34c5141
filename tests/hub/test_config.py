"""Layered configuration: precedence, clear problems for bad values, secrets refused."""

from __future__ import annotations

from pathlib import Path

from server.hub import config


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    loaded = config.load(user_file=tmp_path / "none.toml", environ={})
    assert loaded.config.connectors.github.api_url == "https://api.github.com"
    assert loaded.problems == []


def test_layers_override_key_by_key(tmp_path: Path) -> None:
    user = _write(
        tmp_path / "user.toml",
        '[connectors.github]\napi_url = "https://ghe.example/api/v3"\nclient_id = "abc"\n'
        "[sync]\npoll_interval = 120\n",
    )
    ws = tmp_path / "ws"
    _write(ws / ".tieline.toml", "[sync]\npoll_interval = 90\n")
    env = {"TIELINE_SYNC__JITTER": "0.2", "TIELINE_LOG_LEVEL": "debug"}
    editor = {"sync": {"pollInterval": 30, "jitter": None}, "logLevel": None}
    loaded = config.load(user_file=user, workspace=ws, environ=env, editor=editor)
    c = loaded.config
    assert c.connectors.github.api_url == "https://ghe.example/api/v3"  # user file
    assert c.connectors.github.client_id == "abc"
    assert c.sync.poll_interval == 30  # editor beats workspace beats user
    assert c.sync.jitter == 0.2  # environment
    assert c.log_level == "debug"
    assert loaded.problems == []


def test_invalid_values_fall_back_with_a_message(tmp_path: Path) -> None:
    user = _write(tmp_path / "user.toml", "[sync]\npoll_interval = 30\n")
    ws = tmp_path / "ws"
    _write(
        ws / ".tieline.toml",
        '[sync]\npoll_interval = 1\n[connectors.github]\napi_url = "ftp://nope"\nbogus = 1\n'
        '[[autolinks]]\npattern = "ABC-(\\\\d+)"\nurl = "https://t.example/ABC-{1}"\n'
        '[[autolinks]]\nurl = "missing pattern"\n',
    )
    loaded = config.load(user_file=user, workspace=ws, environ={"TIELINE_LOG_LEVEL": "loud"})
    c = loaded.config
    assert c.sync.poll_interval == 60.0  # bad workspace value dropped: default, not a crash
    assert c.connectors.github.api_url == "https://api.github.com"
    assert c.log_level == "info"
    assert [r.get("pattern") for r in c.autolinks] == ["ABC-(\\d+)", None]  # rules: autolinks.py
    keys = {p.key: p for p in loaded.problems}
    assert "sync.poll_interval" in keys and keys["sync.poll_interval"].source.endswith(
        ".tieline.toml"
    )
    assert "connectors.github.api_url" in keys
    assert keys["connectors.github.bogus"].reason == "unknown setting"
    assert keys["log_level"].source == "environment"


def test_broken_toml_is_reported_not_raised(tmp_path: Path) -> None:
    user = _write(tmp_path / "user.toml", "this is = = not toml")
    loaded = config.load(user_file=user, environ={})
    assert loaded.config == config.Config()
    assert "not valid TOML" in loaded.problems[0].reason


def test_secrets_in_config_are_refused_without_echo(tmp_path: Path) -> None:
    canary = "ghp_CANARYcanaryCANARYcanary0123456789"
    user = _write(tmp_path / "user.toml", f'[connectors.github]\ntoken = "{canary}"\n')
    loaded = config.load(user_file=user, environ={"TIELINE_GITHUB_TOKEN": canary})
    assert loaded.problems and "secrets do not belong" in loaded.problems[0].reason
    assert all(canary not in str(p) for p in loaded.problems)
    assert "token" not in loaded.config.connectors.github.model_dump()


def test_pages_folder_stays_inside_the_workspace_and_the_schema_says_so() -> None:
    """The settings UI's pattern and the loader agree: an absolute path (even written with
    several slashes), a home path, a `..` step or a URL is refused; the UI's sample value
    for a string setting (a URL) is refused by both, which is what the schema promises."""
    import re

    import pydantic

    pattern = config.PagesSettings.model_json_schema()["properties"]["folder"]["pattern"]
    samples = ["", "docs/pages", " docs ", "a..b", "x/", "docs/ .."]
    refused = ["/abs", "//abs", "/", "~/x", "a/../b", "..", "a/..", " ../x", "https://x.test"]
    for value in samples:
        assert re.search(pattern, value), value
        assert config.PagesSettings(folder=value).folder == value.strip().strip("/")
    for value in refused:
        assert not re.search(pattern, value), value
        try:
            config.PagesSettings(folder=value)
        except pydantic.ValidationError:
            continue
        raise AssertionError(f"{value!r} was accepted")
