"""``tieline web manage`` as a person runs it: a real subprocess serving the web face and
printing a login link that works once; ``--port`` prints a link for a face already up."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.web.manage.sessions import COOKIE

LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/manage/login\?ticket=[\w-]+\.\d+\.[0-9a-f]{64}")


@pytest.fixture
def env(tieline_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TIELINE_HOME": str(tieline_home),
        "TIELINE_VAULT_BACKEND": "file",
        "TIELINE_VAULT_PASSPHRASE": "cli manage passphrase",
    }


def test_manage_serves_and_prints_a_one_time_link(env: dict[str, str], tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "web", "manage"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        link = proc.stdout.readline().strip()
        m = LINK.fullmatch(link)
        assert m, link
        with httpx.Client(timeout=10) as http:
            r = http.get(link)
            assert r.status_code == 303 and r.cookies[COOKIE]
            page = http.get(f"http://127.0.0.1:{m.group(1)}{r.headers['location']}")
            assert page.status_code == 200 and "Outgoing webhooks" in page.text
        with httpx.Client(timeout=10) as other:
            assert other.get(link).status_code == 401
        # Another link for the same running face, minted by another process from the vault.
        again = subprocess.run(
            [sys.executable, "-m", "server", "web", "manage", "--port", m.group(1)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        second = again.stdout.strip()
        assert LINK.fullmatch(second) and second != link
        assert "works once" in again.stderr
        with httpx.Client(timeout=10) as http:
            assert http.get(second).status_code == 303
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert "ticket=" not in err  # the link goes to stdout alone
