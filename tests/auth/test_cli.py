"""``tieline auth`` as a person runs it: a real subprocess, a token piped on stdin, and a tiny
local stand-in for GitHub's ``GET /user``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANARY = "ghp_" + "C4nary" * 6  # token-shaped, so even the shape filter would catch a leak
USERS = {CANARY: "octocat", "second-token-abcdef": "octo-work"}
#: A token GitHub cannot judge just now: it answers 503 to every request carrying it.
OUTAGE = "ghp_" + "0utageCanary" * 3


class _GitHubUser(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if token == OUTAGE:
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b'{"message":"Service Unavailable"}')
            return
        if self.path != "/user" or token not in USERS:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'{"message":"Bad credentials"}')
            return
        body = json.dumps({"login": USERS[token], "id": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-OAuth-Scopes", "repo, read:org")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GitHubUser)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def tieline(
    home: Path, api: str | None, *args: str, stdin: str = "", cwd: Path = ROOT, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(home),
        TIELINE_VAULT_PASSPHRASE="cli test passphrase",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    if api is not None:
        env["TIELINE_CONNECTORS__GITHUB__API_URL"] = api
    return subprocess.run(
        [sys.executable, "-m", "server", *args], input=stdin, capture_output=True, text=True,
        env=env, cwd=cwd, timeout=60,
    )  # fmt: skip


def test_login_with_token_status_logout(tieline_home: Path, api: str) -> None:
    r = tieline(tieline_home, api, "auth", "login", "github", "--with-token", stdin=CANARY + "\n")
    assert r.returncode == 0, r.stderr
    assert "Signed in to GitHub (github.com) as octocat" in r.stderr
    assert "repo: Read issues" in r.stderr  # the scopes and why they are needed
    vault = tieline_home / "data" / "vault.json"
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    for f in (tieline_home / "data").iterdir():
        assert CANARY.encode() not in f.read_bytes()

    r = tieline(tieline_home, api, "auth", "login", "github", "--with-token",
                stdin="second-token-abcdef")  # fmt: skip
    assert r.returncode == 0, r.stderr

    r = tieline(tieline_home, api, "auth", "status")
    assert r.returncode == 0, r.stderr
    lines = sorted(r.stdout.splitlines(), key=lambda line: "octocat" not in line)
    assert len(lines) == 2 and "octocat" in lines[0] and "octo-work" in lines[1]
    assert "(token; scopes: repo, read:org)" in lines[0]
    assert "encrypted file" in r.stderr and "no usable keyring" in r.stderr

    r = tieline(tieline_home, api, "auth", "logout", "github")
    assert r.returncode == 3 and "several github accounts" in r.stderr and "--account" in r.stderr
    r = tieline(tieline_home, api, "auth", "logout", "github", "--account", "octocat")
    assert r.returncode == 0 and "Signed out octocat@github.com" in r.stderr
    r = tieline(tieline_home, api, "auth", "status", "github")
    assert r.returncode == 0 and "octocat " not in r.stdout and "octo-work" in r.stdout
    for out in (r.stdout, r.stderr):
        assert CANARY not in out


def test_rejected_token_never_echoes_it(tieline_home: Path, api: str) -> None:
    bad = "ghp_" + "Wr0ngCanary" * 4
    r = tieline(tieline_home, api, "--log-level", "debug", "auth", "login", "github",
                "--with-token", stdin=bad)  # fmt: skip
    assert r.returncode == 3
    assert "rejected the token" in r.stderr
    assert bad not in r.stderr and bad not in r.stdout
    assert not (tieline_home / "data" / "vault.json").exists()


def test_an_outage_at_sign_in_is_not_a_rejected_token(tieline_home: Path, api: str) -> None:
    """A 503 says nothing about the token: the person is told the service is unavailable
    (exit 1, a problem to retry), not that the token was refused (exit 3)."""
    r = tieline(tieline_home, api, "auth", "login", "github", "--with-token", stdin=OUTAGE)
    assert r.returncode == 1, r.stderr
    assert "503" in r.stderr and "rejected" not in r.stderr
    assert OUTAGE not in r.stderr and OUTAGE not in r.stdout
    assert not (tieline_home / "data" / "vault.json").exists()


def test_device_login_without_client_id_points_to_the_fix(tieline_home: Path, api: str) -> None:
    r = tieline(tieline_home, api, "auth", "login", "github", "--yes")
    assert r.returncode == 4
    assert "client_id" in r.stderr and "[connectors.github]" in r.stderr
    assert "--with-token" in r.stderr


def test_status_when_signed_out_and_unknown_service(tieline_home: Path, api: str) -> None:
    r = tieline(tieline_home, api, "auth", "status")
    assert r.returncode == 1 and "tieline auth login" in r.stderr
    r = tieline(tieline_home, api, "auth", "login", "nosuch", "--with-token", stdin="x")
    assert r.returncode == 2 and "unknown service 'nosuch'" in r.stderr
    installed = r.stderr.partition("(installed: ")[2].partition(")")[0].split(", ")
    assert "github" in installed and installed == sorted(installed)


def test_no_passphrase_and_no_keyring_is_a_config_error(tieline_home: Path, api: str) -> None:
    env_home = tieline_home
    r = subprocess.run(
        [sys.executable, "-m", "server", "auth", "login", "github", "--with-token"],
        input=CANARY, capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")},
             "TIELINE_HOME": str(env_home), "TIELINE_CONNECTORS__GITHUB__API_URL": api,
             "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )  # fmt: skip
    assert r.returncode == 4 and "TIELINE_VAULT_PASSPHRASE" in r.stderr
    assert CANARY not in r.stderr


def test_login_reads_the_workspace_file_like_every_other_command(
    tieline_home: Path, api: str, tmp_path: Path
) -> None:
    """A checkout's ``.tieline.toml`` names the API: ``auth login`` run there uses it, as
    ``doctor`` and the server do (no environment variable needed)."""
    checkout = tmp_path / "app"
    (checkout / "src").mkdir(parents=True)
    (checkout / ".git").mkdir()
    (checkout / ".tieline.toml").write_text(f'[connectors.github]\napi_url = "{api}"\n')
    r = tieline(
        tieline_home, None, "auth", "login", "github", "--with-token",
        stdin=CANARY, cwd=checkout / "src",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Signed in to GitHub (github.com) as octocat" in r.stderr


def test_jira_cloud_signs_in_with_email_and_api_token(tieline_home: Path) -> None:
    from tests.scenarios import JIRA_EMAIL, JIRA_SITE, JIRA_TOKEN, seed_jira
    from tests.standin.jira import JiraStandIn
    from tests.standin.kit import serving

    with serving(JiraStandIn()) as jira:
        seed_jira(jira)
        site = {
            "TIELINE_CONNECTORS__JIRA__SITE": JIRA_SITE,
            "TIELINE_CONNECTORS__JIRA__API_URL": jira.url,
        }
        r = tieline(
            tieline_home, None, "auth", "login", "jira", "--method", "basic", "--user",
            JIRA_EMAIL, stdin=JIRA_TOKEN, **site,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert "Signed in to Jira (acme.atlassian.net) as mia@example.com" in r.stderr
        r = tieline(tieline_home, None, "auth", "status", "jira", **site)
        assert r.returncode == 0 and "mia@example.com" in r.stdout and "(basic" in r.stdout
        r = tieline(
            tieline_home, None, "auth", "login", "jira", "--method", "basic",
            stdin=JIRA_TOKEN, **site,
        )  # fmt: skip
        assert r.returncode == 4 and "--user (email)" in r.stderr
        for out in (r.stdout, r.stderr):
            assert JIRA_TOKEN not in out


def test_doctor_counts_every_problem_and_prints_each_once(
    tieline_home: Path, tmp_path: Path
) -> None:
    """Three bad values: three problems, each said once in plain words (no JSON log lines)."""
    (tmp_path / ".tieline.toml").write_text(
        "[sync]\npoll_interval = 1\njitter = 9\n[connectors.gitlb]\nenabled = true\n"
    )
    r = tieline(tieline_home, None, "doctor", cwd=tmp_path)
    assert r.returncode == 1
    problems = [line for line in r.stdout.splitlines() if line.strip().startswith("problem:")]
    assert len(problems) == 3, r.stdout
    assert "3 problem(s) found." in r.stdout
    assert '{"ts"' not in r.stderr and "sync.poll_interval" not in r.stderr


def test_status_names_the_capabilities_still_to_allow_and_login_checks_for(
    tieline_home: Path,
) -> None:
    """Incremental consent on the command line: an account signed in with Microsoft's sign-in
    scopes lists what its features will still ask, and ``--for`` names only real ones."""
    from keyring.backends import fail
    from pydantic import SecretStr

    from server.hub.vault import Credentials, open_vault

    vault = open_vault(
        "file", keyring_backend=fail.Keyring(),
        env={"TIELINE_VAULT_PASSPHRASE": "cli test passphrase"},
    )  # fmt: skip
    signed_in = ("offline_access", "User.Read", "Calendars.Read", "Presence.ReadWrite")
    vault.save(
        Credentials(
            connector="microsoft", host="graph.microsoft.com", login="ada@contoso.test",
            access_token=SecretStr("eyJ0eXAi.x.y"), scopes=(*signed_in, "mail.read"),
            method="pkce",
        )
    )  # fmt: skip
    r = tieline(tieline_home, None, "auth", "status", "microsoft")
    assert r.returncode == 0, r.stderr
    # Mail.Read is held (in Graph's lower-case spelling), Mail.Send is not: Mail still waits.
    assert "not yet allowed: Mail, Messaging, OnlineMeetings, Drive, Notebooks" in r.stdout
    r = tieline(tieline_home, None, "auth", "login", "microsoft", "--for", "Wiki")
    assert r.returncode == 4 and "Microsoft 365 has no capability Wiki" in r.stderr
