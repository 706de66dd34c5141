"""Encrypted-file backend for machines without a usable OS keyring (headless Linux, CI).

File format (JSON, mode 0600, replaced atomically on every write)::

    {"format": "tieline-vault", "version": 1,
     "key": {"source": "keyring"}                      # 256-bit key kept in the OS keyring
          | {"source": "passphrase", "kdf": "scrypt", "salt": B64, "n": N, "r": 8, "p": 1},
     "check": {"nonce": B64, "ct": B64},               # known text: tells "wrong key" apart
     "records": {"github:github.com:alice": {"nonce": B64, "ct": B64}, ...}}

Every record is AES-256-GCM with a fresh random 96-bit nonce and the record id as associated
data, so a ciphertext copied onto another account's id fails authentication instead of
quietly handing one account's token to another. Record ids are identities, not secrets.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from keyring.backend import KeyringBackend

from connectors.sdk.errors import AuthError, ConfigError
from connectors.sdk.redact import register_secret

from .base import AccountIndex, Vault, atomic_write, locked
from .keyring_backend import SERVICE

PASSPHRASE_ENV = "TIELINE_VAULT_PASSPHRASE"  # noqa: S105 -- a variable name
KEY_ITEM = "vault-file-key"
_CHECK_PLAINTEXT = b"tieline vault key check"
_CHECK_AAD = b"tieline:key-check"
#: scrypt cost: 2**17 is OWASP's recommendation (128 MiB, a fraction of a second) and is paid
#: once per process; tests pass a smaller ``scrypt_n``.
DEFAULT_SCRYPT_N = 2**17


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


class EncryptedFileVault(Vault):
    """Secrets encrypted in one file; the key from the OS keyring if usable, else a passphrase."""

    def __init__(
        self,
        path: Path,
        index: AccountIndex,
        *,
        keyring_backend: KeyringBackend | None = None,
        passphrase: str | None = None,
        reason: str = "",
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> None:
        super().__init__(index)
        self.path = path
        self._keyring = keyring_backend
        self._passphrase = passphrase or None
        register_secret(self._passphrase)
        self._reason = reason
        self._scrypt_n = scrypt_n
        self._key: bytes | None = None

    # -- describe ----------------------------------------------------------------------------
    def key_source(self) -> str:
        doc = self._read()
        if doc is not None:
            return str(doc["key"]["source"])
        return "keyring" if self._keyring is not None else "passphrase"

    def describe(self) -> str:
        why = f": {self._reason}" if self._reason else ""
        source = self.key_source()
        if source == "passphrase" and self._passphrase is None:
            source = f"{PASSPHRASE_ENV}, which is not set: signing in will ask you to set it"
        return f"encrypted file at {self.path} (key from {source}){why}"

    # -- file --------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(raw)
            if doc.get("format") != "tieline-vault" or doc.get("version") != 1:
                raise ValueError("unknown format")
            if not isinstance(doc["key"]["source"], str):
                raise ValueError("key source")
            doc.setdefault("records", {})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigError(
                f"the vault file {self.path} is damaged or not a Tieline vault; move it away"
                " and sign in again"
            ) from None
        return dict(doc)

    def _write(self, doc: dict[str, Any]) -> None:
        atomic_write(self.path, json.dumps(doc, indent=1, sort_keys=True).encode("ascii"))

    def _new_doc(self) -> dict[str, Any]:
        """A fresh, empty vault: pick the key source and create the key."""
        if self._keyring is not None:
            key = AESGCM.generate_key(bit_length=256)
            self._keyring.set_password(SERVICE, KEY_ITEM, _b64(key))
            key_info: dict[str, Any] = {"source": "keyring"}
        elif self._passphrase is not None:
            salt = secrets.token_bytes(16)
            key_info = {
                "source": "passphrase",
                "kdf": "scrypt",
                "salt": _b64(salt),
                "n": self._scrypt_n,
                "r": 8,
                "p": 1,
            }
            key = self._derive(key_info)
        else:
            raise self._no_key_error()
        self._key = key
        return {
            "format": "tieline-vault",
            "version": 1,
            "key": key_info,
            "check": self._seal(key, _CHECK_PLAINTEXT, _CHECK_AAD),
            "records": {},
        }

    def _no_key_error(self) -> ConfigError:
        return ConfigError(
            "no usable OS keyring to protect the vault file, and no passphrase: set "
            f"{PASSPHRASE_ENV} (keep it in your shell profile or CI secrets) and try again"
        )

    def _derive(self, info: dict[str, Any]) -> bytes:
        assert self._passphrase is not None
        kdf = Scrypt(
            salt=_unb64(info["salt"]),
            length=32,
            n=int(info["n"]),
            r=int(info["r"]),
            p=int(info["p"]),
        )
        return kdf.derive(self._passphrase.encode("utf-8"))

    def _key_for(self, doc: dict[str, Any]) -> bytes:
        if self._key is not None:
            return self._key
        info = doc["key"]
        if info["source"] == "keyring":
            stored = self._keyring.get_password(SERVICE, KEY_ITEM) if self._keyring else None
            if stored is None:
                raise ConfigError(
                    f"the vault file {self.path} is locked with a key kept in the OS keyring,"
                    " which is not available now; unlock the keyring, or move the file away and"
                    " sign in again"
                )
            key = _unb64(stored)
        elif info["source"] == "passphrase":
            if self._passphrase is None:
                raise ConfigError(
                    f"the vault file {self.path} is protected by a passphrase: set "
                    f"{PASSPHRASE_ENV} and try again"
                )
            key = self._derive(info)
        else:
            raise ConfigError(f"the vault file {self.path} names an unknown key source")
        try:
            if self._open(key, doc["check"], _CHECK_AAD) != _CHECK_PLAINTEXT:
                raise InvalidTag
        except (InvalidTag, KeyError, ValueError):
            raise ConfigError(
                f"cannot unlock the vault file {self.path}: wrong {PASSPHRASE_ENV}"
                if info["source"] == "passphrase"
                else f"cannot unlock the vault file {self.path}: the keyring holds another key"
            ) from None
        self._key = key
        return key

    @staticmethod
    def _seal(key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
        nonce = os.urandom(12)
        return {"nonce": _b64(nonce), "ct": _b64(AESGCM(key).encrypt(nonce, plaintext, aad))}

    @staticmethod
    def _open(key: bytes, sealed: dict[str, str], aad: bytes) -> bytes:
        return AESGCM(key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ct"]), aad)

    # -- Vault -------------------------------------------------------------------------------
    def get_secret(self, record_id: str) -> str | None:
        doc = self._read()
        if doc is None or record_id not in doc["records"]:
            return None
        key = self._key_for(doc)
        try:
            plain = self._open(key, doc["records"][record_id], record_id.encode("utf-8"))
        except (InvalidTag, KeyError, ValueError, TypeError):
            raise AuthError(
                f"the vault record {record_id} in {self.path} failed its integrity check (changed"
                " on disk, or copied from another account); sign in to that account again"
            ) from None
        return plain.decode("utf-8")

    def set_secret(self, record_id: str, secret: str) -> None:
        with locked(self.path):
            doc = self._read()
            if doc is None:
                doc = self._new_doc()
            key = self._key_for(doc)
            doc["records"][record_id] = self._seal(
                key, secret.encode("utf-8"), record_id.encode("utf-8")
            )
            self._write(doc)

    def delete_secret(self, record_id: str) -> bool:
        with locked(self.path):
            doc = self._read()
            if doc is None or record_id not in doc["records"]:
                return False
            del doc["records"][record_id]
            self._write(doc)
            return True
