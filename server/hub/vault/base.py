"""The :class:`Vault` interface and the account index every backend shares.

Backends only know how to keep an opaque secret string under a record id (``get_secret`` /
``set_secret`` / ``delete_secret``). The typed layer on top (``load`` / ``save`` / ``forget``)
is shared, and so is the account index: an OS keyring cannot enumerate what it holds, so a
small JSON file (no secrets, mode 0600) lists the accounts for ``auth status``.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from connectors.sdk.errors import AuthError

from .model import AccountRef, AccountSummary, Credentials


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (temp file + rename).

    The temp file is created 0600 from the start (``mkstemp``), so there is no moment at
    which another user could read it; a crash leaves either the old file or the new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` for a read-modify-write.

    The server (rotating a refresh token) and a CLI command (signing in another account) may
    write the same file at once; without the lock the later writer would drop the earlier
    one's record. ``flock`` is released by the kernel if the process dies.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class AccountIndex:
    """The list of signed-in accounts (no secrets), kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, AccountSummary]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged index loses only the listing, never a secret: start a fresh one.
            return {}
        out: dict[str, AccountSummary] = {}
        for item in raw.get("accounts", []) if isinstance(raw, dict) else []:
            try:
                summary = AccountSummary.model_validate(item)
            except ValidationError:
                continue
            out[summary.account.record_id] = summary
        return out

    def _write(self, entries: dict[str, AccountSummary]) -> None:
        body = {"accounts": [e.model_dump(mode="json") for _, e in sorted(entries.items())]}
        atomic_write(self.path, json.dumps(body, indent=2).encode("utf-8"))

    def put(self, summary: AccountSummary) -> None:
        with locked(self.path):
            entries = self._read()
            entries[summary.account.record_id] = summary
            self._write(entries)

    def remove(self, account: AccountRef) -> None:
        with locked(self.path):
            entries = self._read()
            if entries.pop(account.record_id, None) is not None:
                self._write(entries)

    def list(self) -> list[AccountSummary]:
        return [e for _, e in sorted(self._read().items())]


class Vault(abc.ABC):
    """Where credentials live. Methods are synchronous (OS keyrings are); async callers use
    ``asyncio.to_thread``."""

    def __init__(self, index: AccountIndex) -> None:
        self.index = index

    # -- backend: opaque secrets by record id ---------------------------------------------
    @abc.abstractmethod
    def get_secret(self, record_id: str) -> str | None:
        """The secret stored under ``record_id``, or ``None``."""

    @abc.abstractmethod
    def set_secret(self, record_id: str, secret: str) -> None:
        """Store (or replace) the secret under ``record_id``."""

    @abc.abstractmethod
    def delete_secret(self, record_id: str) -> bool:
        """Remove the secret; ``True`` if there was one."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Which backend and why, for ``tieline doctor`` (never a secret)."""

    # -- typed layer ------------------------------------------------------------------------
    def load(self, account: AccountRef) -> Credentials | None:
        """The account's credentials (their tokens registered with the redactor), or ``None``."""
        raw = self.get_secret(account.record_id)
        if raw is None:
            return None
        try:
            creds = Credentials.from_secret_json(raw)
        except ValidationError:
            raise AuthError(
                f"the stored credentials of {account.label} ({account.connector}) are unreadable;"
                f" sign in again: tieline auth login {account.connector} --host {account.host}"
            ) from None
        if creds.account != account:
            raise AuthError(
                f"the vault record for {account.label} holds another account's credentials;"
                f" sign in again: tieline auth login {account.connector} --host {account.host}"
            )
        return creds

    def save(self, creds: Credentials) -> None:
        creds.register()
        self.set_secret(creds.account.record_id, creds.to_secret_json())
        self.index.put(creds.summary())

    def forget(self, account: AccountRef) -> bool:
        found = self.delete_secret(account.record_id)
        self.index.remove(account)
        return found

    def accounts(
        self, connector: str | None = None, host: str | None = None
    ) -> list[AccountSummary]:
        """Signed-in accounts, optionally of one connector and/or host."""
        return [
            a
            for a in self.index.list()
            if (connector is None or a.connector == connector) and (host is None or a.host == host)
        ]
