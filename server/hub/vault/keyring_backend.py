"""OS keyring backend (macOS Keychain, Windows Credential Locker, Secret Service) via ``keyring``.

Each account's credentials are one keyring item: service ``tieline``, username = record id.
"""

from __future__ import annotations

import secrets

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from .base import AccountIndex, Vault

SERVICE = "tieline"


def backend_name(backend: KeyringBackend) -> str:
    """Short name for messages: ``SecretService``, ``macOS``, ``Windows``, ``chainer``..."""
    return type(backend).__module__.rsplit(".", 1)[-1]


def keyring_usable(backend: KeyringBackend | None = None) -> tuple[bool, str]:
    """Can we keep secrets in this keyring? Returns (usable, reason).

    ``keyring`` always returns *some* backend; on a headless machine it is the ``fail`` or
    ``null`` one, or a chainer with nothing in it, and a Secret Service with a locked or
    missing collection only fails when used. So we check the type and then probe with a
    throwaway item.
    """
    kr = backend if backend is not None else keyring.get_keyring()
    if isinstance(kr, fail.Keyring | null.Keyring):
        return False, f"no usable keyring ({backend_name(kr)} backend)"
    if isinstance(kr, chainer.ChainerBackend) and not kr.backends:
        return False, "no usable keyring (no backend available)"
    probe_user = f"probe-{secrets.token_hex(6)}"
    probe_value = secrets.token_hex(8)
    try:
        kr.set_password(SERVICE, probe_user, probe_value)
        ok = kr.get_password(SERVICE, probe_user) == probe_value
        kr.delete_password(SERVICE, probe_user)
    except Exception as exc:  # any backend failure means "not usable", never a crash
        return False, f"keyring {backend_name(kr)} failed a test write ({type(exc).__name__})"
    if not ok:
        return False, f"keyring {backend_name(kr)} did not return a test value"
    return True, f"keyring: {backend_name(kr)}"


class KeyringVault(Vault):
    """Secrets in the OS keyring; the account index in a plain (secret-free) file."""

    def __init__(self, index: AccountIndex, backend: KeyringBackend | None = None) -> None:
        super().__init__(index)
        self.backend = backend if backend is not None else keyring.get_keyring()

    def get_secret(self, record_id: str) -> str | None:
        value = self.backend.get_password(SERVICE, record_id)
        return None if value is None else str(value)

    def set_secret(self, record_id: str, secret: str) -> None:
        self.backend.set_password(SERVICE, record_id, secret)

    def delete_secret(self, record_id: str) -> bool:
        try:
            self.backend.delete_password(SERVICE, record_id)
        except keyring.errors.PasswordDeleteError:
            return False
        return True

    def describe(self) -> str:
        return f"keyring: {backend_name(self.backend)}"
