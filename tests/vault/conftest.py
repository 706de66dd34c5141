"""A real Secret Service for keyring tests: gnome-keyring-daemon on a private D-Bus session.

Nothing touches the developer's own session bus or keyrings: the bus socket, HOME and the
keyring files all live in a temp dir, and both daemons are stopped by PID afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class SecretServiceSession:
    env: dict[str, str]


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def _secret_service_daemons(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SecretServiceSession]:
    missing = [b for b in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(b) is None]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not installed (Debian: gnome-keyring dbus); "
            "scripts/test-peers.sh installs them"
        )
    root: Path = tmp_path_factory.mktemp("secret-service")
    run = root / "run"
    home = root / "home"
    run.mkdir(mode=0o700)
    home.mkdir()
    bus = f"unix:path={run}/bus"
    env = {
        "XDG_RUNTIME_DIR": str(run),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "DBUS_SESSION_BUS_ADDRESS": bus,
    }
    full_env = {**os.environ, **env}
    dbus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", f"--address={bus}",
         "--print-address=1"],
        env=full_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert dbus.stdout is not None
        if not dbus.stdout.readline().strip():
            pytest.fail("dbus-daemon did not start")
        keyring_daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=full_env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert keyring_daemon.stdin is not None
            keyring_daemon.stdin.write("test keyring password")
            keyring_daemon.stdin.close()
            yield SecretServiceSession(env)
        finally:
            _stop(keyring_daemon)
    finally:
        _stop(dbus)


@pytest.fixture
def secret_service(
    _secret_service_daemons: SecretServiceSession, monkeypatch: pytest.MonkeyPatch
) -> SecretServiceSession:
    """Point this test's process environment at the private bus."""
    for k, v in _secret_service_daemons.env.items():
        monkeypatch.setenv(k, v)
    return _secret_service_daemons
