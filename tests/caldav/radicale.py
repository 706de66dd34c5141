"""A real Radicale (PyPI ``radicale``) on 127.0.0.1 for the CalDAV tests, with htpasswd
sign-in, and helpers that seed it over plain WebDAV (MKCALENDAR, PUT, DELETE).

One server serves a test session; each test takes a user of its own (:meth:`Radicale.user`),
so the calendars one test makes are never seen by another.
"""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

#: Users written into the htpasswd file at start (Radicale reads it as it is then).
USERS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Account:
    url: str
    user: str
    password: str

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(self.user, self.password), timeout=10)

    def make_calendar(self, slug: str, name: str) -> str:
        """A calendar collection ``/<user>/<slug>/`` named ``name``; its path."""
        path = f"/{self.user}/{slug}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
            f"<d:displayname>{name}</d:displayname></d:prop></d:set></c:mkcalendar>"
        )
        with self.http() as h:
            r = h.request("MKCALENDAR", path, content=body)
            assert r.status_code == 201, r.text
        return path

    def put(self, calendar: str, name: str, ics: str) -> None:
        with self.http() as h:
            r = h.put(
                f"{calendar}{name}.ics",
                content=ics.replace("\n", "\r\n").encode(),
                headers={"content-type": "text/calendar; charset=utf-8"},
            )
            assert r.status_code in (201, 204), r.text

    def delete(self, calendar: str, name: str) -> None:
        with self.http() as h:
            assert h.delete(f"{calendar}{name}.ics").status_code in (200, 204)


@dataclass
class Radicale:
    url: str
    proc: subprocess.Popen[bytes]
    _next: itertools.count[int] = field(default_factory=itertools.count)

    def user(self) -> Account:
        n = next(self._next)
        assert n < USERS, "raise USERS: more tests than users"
        return Account(self.url, f"mia{n}", f"app-pw-{n}-Zq8")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(folder: Path) -> Radicale:
    """Radicale on a free loopback port, storage and htpasswd under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users"
    users.write_text("".join(f"mia{n}:app-pw-{n}-Zq8\n" for n in range(USERS)))
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "storage"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "radicale.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((folder / "radicale.log").read_text())
        try:
            httpx.get(url + "/.web/", timeout=1)
            return Radicale(url, proc)
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("Radicale did not start in 30 s")
