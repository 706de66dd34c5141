"""A throwaway PostgreSQL cluster for the tests (and the queue benchmark), started from the
server binaries found on this machine: one per test session, a fresh database per test.

Debian's ``postgresql`` package (which ``scripts/test-peers.sh`` installs) puts them in
``/usr/lib/postgresql/<major>/bin``; ``TIELINE_PG_BIN`` names another folder. initdb refuses
to run as root, so as root the cluster belongs to the ``postgres`` system user (the package
creates it): its folder is a fresh one under the system temp dir, owned by that user, since
pytest's own temp dirs are private to root. The server listens on 127.0.0.1 at an ephemeral
port with trust authentication, and on a socket in that folder; nothing else on the machine
is touched. Without the binaries the ``pg_cluster`` fixture fails in CI (``CI=true``: a
silently skipped backend is an untested one) and skips elsewhere.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SUPERUSER = "postgres"
_SYSTEM_USER = "postgres"


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or ``None``."""
    env = os.environ.get("TIELINE_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "pg_ctl").exists() else None
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl in a temp folder; :meth:`url` and :meth:`create_database` for tests."""

    def __init__(self, bin_dir: Path, *, durable: bool = False) -> None:
        self.bin_dir = bin_dir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="tieline-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._counter = itertools.count(1)
        self._user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(_SYSTEM_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root, PostgreSQL needs the {_SYSTEM_USER!r} system user"
                    " (Debian's postgresql package creates it)"
                ) from None
            self._user = _SYSTEM_USER
            shutil.chown(self.root, _SYSTEM_USER, _SYSTEM_USER)

    def _run(self, *args: str) -> None:
        subprocess.run(
            args,
            check=True,
            user=self._user,
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "LC_ALL": "C"},
        )

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            *("-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8"),
            *("--locale=C", "--no-sync"),
        )
        self._serve()

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (``fast``: it ends every session, as an operator's restart does),
        stay down ``down_for`` seconds, and start it again on the same port."""
        import time

        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(down_for)
        self._serve(port=self.port)

    def _serve(self, port: int = 0) -> None:
        # fsync stays on for a durable (benchmark) cluster; synchronous_commit=off there is
        # PostgreSQL's match for SQLite's synchronous=NORMAL (safe against a process crash).
        speed = (
            "-c synchronous_commit=off"
            if self.durable
            else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        last: subprocess.CalledProcessError | None = None
        for _ in range(3):  # the ephemeral port can be taken between choosing and binding
            self.port = port or _free_port()
            opts = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
                f" -c max_connections=200 {speed}"
            )
            try:
                self._run(
                    str(self.bin_dir / "pg_ctl"),
                    *("-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60"),
                    *("-o", opts, "start"),
                )
                return
            except subprocess.CalledProcessError as exc:
                last = exc
        raise RuntimeError(f"PostgreSQL did not start: {last and last.stdout!r}")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database (copied from ``template0``); return its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)


@contextlib.contextmanager
def running_cluster(*, durable: bool = False) -> Iterator[PgCluster]:
    """Start a cluster for the block (raises when PostgreSQL is not installed)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError(missing_message())
    cluster = PgCluster(bin_dir, durable=durable)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def missing_message() -> str:
    return (
        "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/pg_ctl, no pg_ctl"
        " on PATH, no TIELINE_PG_BIN): install Debian's postgresql package"
        " (scripts/test-peers.sh does)"
    )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The session's PostgreSQL cluster; fails in CI and skips elsewhere without one."""
    if find_pg_bin() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing_message())
        pytest.skip(missing_message())
    with running_cluster() as cluster:
        yield cluster


#: For a test about SQLite itself in a suite that runs on both backends (tests/hub).
sqlite_only = pytest.mark.parametrize("db_backend", ["sqlite"])

#: The store's backends, for a fixture that runs its tests on each.
BACKENDS = ["sqlite", "postgres"]


def backend_target(
    request: pytest.FixtureRequest, backend: str, file: Path, prefix: str = "t"
) -> Path | str:
    """Where a test's database is on ``backend``: ``file`` (SQLite), or a fresh database of
    the session's cluster (the ``pg_cluster`` fixture, which the test module must see)."""
    if backend == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        return cluster.create_database(prefix)
    return file
