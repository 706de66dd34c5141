"""A real Secret Service for keyring tests: gnome-keyring-daemon on a private D-Bus session.

Nothing touches the developer's own session bus or keyrings: the bus socket, HOME and the
keyring files all live in a temp dir, and both daemons are stopped by PID afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class SecretServiceSession:
    env: dict[str, str]


_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _wait_for_name(bus: str, name: str, owner: subprocess.Popen[str]) -> None:
    """Block until ``name`` has an owner on ``bus`` (NameHasOwner never auto-starts anything)."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    dbus = DBusAddress("/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus")
    with open_dbus_connection(bus) as conn:
        for _ in range(200):
            if owner.poll() is not None:
                pytest.fail(f"gnome-keyring-daemon exited with {owner.returncode}")
            reply = conn.send_and_get_reply(new_method_call(dbus, "NameHasOwner", "s", (name,)))
            if reply.body[0]:
                return
            time.sleep(0.05)
    pytest.fail(f"{name} never appeared on the private bus")


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
    # A bus config without service directories: nothing may be auto-activated, so the only
    # Secret Service on this bus is the unlocked daemon started below (an activated one
    # would own the name first, with a locked collection).
    config = root / "session.conf"
    config.write_text(_BUS_CONFIG.format(address=bus))
    env = {
        "XDG_RUNTIME_DIR": str(run),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "DBUS_SESSION_BUS_ADDRESS": bus,
    }
    full_env = {**os.environ, **env}
    dbus = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile",
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
            _wait_for_name(bus, "org.freedesktop.secrets", keyring_daemon)
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
