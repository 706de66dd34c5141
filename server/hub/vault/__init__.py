"""Where credentials live: the OS keyring, or an encrypted file where there is none.

The hub calls :func:`open_vault` once; ``doctor`` shows :meth:`Vault.describe`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from keyring.backend import KeyringBackend

from connectors.sdk.errors import ConfigError

from .. import paths
from .base import AccountIndex, Vault, atomic_write
from .file_backend import DEFAULT_SCRYPT_N, PASSPHRASE_ENV, EncryptedFileVault
from .keyring_backend import SERVICE, KeyringVault, keyring_usable
from .model import AccountRef, AccountSummary, Credentials, Method

BACKEND_ENV = "TIELINE_VAULT_BACKEND"
Backend = Literal["auto", "keyring", "file"]

__all__ = [
    "BACKEND_ENV",
    "PASSPHRASE_ENV",
    "SERVICE",
    "AccountIndex",
    "AccountRef",
    "AccountSummary",
    "Credentials",
    "EncryptedFileVault",
    "KeyringVault",
    "Method",
    "Vault",
    "atomic_write",
    "keyring_usable",
    "open_vault",
    "vault_file",
]


def vault_file() -> Path:
    return paths.data_dir() / "vault.json"


def index_file() -> Path:
    return paths.data_dir() / "accounts.json"


def open_vault(
    backend: Backend | None = None,
    *,
    keyring_backend: KeyringBackend | None = None,
    env: Mapping[str, str] | None = None,
    file: Path | None = None,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> Vault:
    """Open the vault the user configured (``TIELINE_VAULT_BACKEND``: auto, keyring, file).

    ``auto`` keeps using an existing vault file (its accounts would vanish from view
    otherwise), else takes the OS keyring when a probe write succeeds, else the encrypted
    file. ``keyring_backend`` overrides ``keyring``'s own choice (tests, doctor).
    """
    env = os.environ if env is None else env
    choice = backend or env.get(BACKEND_ENV, "auto") or "auto"
    if choice not in ("auto", "keyring", "file"):
        raise ConfigError(f"{BACKEND_ENV}={choice!r} is not one of auto, keyring, file")
    index = AccountIndex(index_file())
    path = file or vault_file()
    passphrase = env.get(PASSPHRASE_ENV) or None
    usable, reason = keyring_usable(keyring_backend)
    if choice == "keyring":
        if not usable:
            raise ConfigError(
                f"{BACKEND_ENV}=keyring but {reason}; unlock or install a keyring, or use file"
            )
        return KeyringVault(index, keyring_backend)
    if choice == "auto" and usable and not path.exists():
        return KeyringVault(index, keyring_backend)
    if choice == "file":
        why = f"{BACKEND_ENV}=file"
    elif usable:
        why = "kept because it already holds accounts (a keyring is available)"
    else:
        why = reason
    return EncryptedFileVault(
        path,
        index,
        keyring_backend=_keyring_or_none(keyring_backend) if usable else None,
        passphrase=passphrase,
        reason=why,
        scrypt_n=scrypt_n,
    )


def _keyring_or_none(backend: KeyringBackend | None) -> KeyringBackend:
    import keyring

    return backend if backend is not None else keyring.get_keyring()
