"""``tieline web`` as a person runs it: real subprocesses, the vault a file under the
test's home."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.web.hooks import signatures as sig

PASSPHRASE = "cli web passphrase"


@pytest.fixture
def env(tieline_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TIELINE_HOME": str(tieline_home),
        "TIELINE_VAULT_BACKEND": "file",
        "TIELINE_VAULT_PASSPHRASE": PASSPHRASE,
    }


def tieline(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "web", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_token_is_kept_and_rotated(env: dict[str, str], tieline_home: Path) -> None:
    first = tieline(env, "token")
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip()
    assert re.fullmatch(r"tlw_[A-Za-z0-9_-]{43}", token)
    assert tieline(env, "token").stdout.strip() == token
    rotated = tieline(env, "token", "--rotate")
    assert rotated.returncode == 0
    assert rotated.stdout.strip() not in ("", token)
    assert "no longer works" in rotated.stderr
    assert tieline(env, "token").stdout.strip() == rotated.stdout.strip()
    # In the vault, not in plain sight.
    for f in tieline_home.rglob("*"):
        if f.is_file():
            assert token.encode() not in f.read_bytes(), f


def test_secrets_are_set_generated_and_deleted(env: dict[str, str], tieline_home: Path) -> None:
    r = tieline(env, "secret", "gitlab", stdin="pasted-gitlab-token\n")
    assert r.returncode == 0, r.stderr
    assert "pasted-gitlab-token" not in r.stdout + r.stderr
    r = tieline(env, "secret", "github", "--generate")
    assert r.returncode == 0
    assert re.fullmatch(r"[0-9a-f]{64}", r.stdout.strip())
    assert "Settings > Webhooks" in r.stderr
    r = tieline(env, "secret", "standard", "--generate")
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", r.stdout.strip())
    r = tieline(env, "secret", "slack", "--generate")
    assert r.returncode == 2
    assert "Slack issues the signing secret" in r.stderr
    r = tieline(env, "secret", "jira", stdin="   \n")
    assert r.returncode == 4
    assert "empty" in r.stderr
    r = tieline(env, "secret", "nosuch", stdin="x")
    assert r.returncode == 2
    r = tieline(env, "secret", "gitlab", "--delete")
    assert (r.returncode, "forgotten" in r.stderr) == (0, True)
    r = tieline(env, "secret", "gitlab", "--delete")
    assert "was not set" in r.stderr
    for f in tieline_home.rglob("*"):
        if f.is_file():
            assert b"pasted-gitlab-token" not in f.read_bytes(), f


def test_serve_in_the_foreground(env: dict[str, str], tmp_path: Path) -> None:
    secret = tieline(env, "secret", "github", "--generate").stdout.strip()
    token = tieline(env, "token").stdout.strip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "web", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        with httpx.Client(timeout=10) as http:
            assert http.get(url + "/healthz").status_code == 401
            r = http.get(url + "/healthz", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200 and r.json()["ok"] is True
            body = json.dumps({"action": "created", "repository": {"full_name": "o/r"}}).encode()
            r = http.post(
                url + "/hooks/github",
                content=body,
                headers={
                    "X-GitHub-Event": "star",
                    "X-GitHub-Delivery": "cli-1",
                    "X-Hub-Signature-256": sig.sign_github(secret, body),
                },
            )
            assert r.status_code == 200 and r.json()["events"] == ["github.star.created"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert token not in err and secret not in err
    assert "tieline: github: github.star.created o/r" in err
