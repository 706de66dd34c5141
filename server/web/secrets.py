"""The web face's secrets in the vault: the local bearer token and each webhook source's
signing secret.

They are vault records of their own (``tieline-web:token``, ``tieline-web:hook:<source>``)
beside the accounts' credentials, so they share the keyring or the encrypted file and never
reach a configuration file, the database or a log. Each value read is registered with the
redactor, so a message that somehow carried one would show ``[REDACTED]`` instead.
"""

from __future__ import annotations

import base64
import re
import secrets as _random
import threading
import time

from connectors.sdk.errors import ConfigError
from connectors.sdk.redact import register_secret
from server.hub.vault import Vault

TOKEN_RECORD = "tieline-web:token"  # noqa: S105 (a vault record id, not a secret)
HOOK_RECORD = "tieline-web:hook:{source}"
#: What a source's name may be: it becomes part of a vault record id and of a URL path.
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def new_token() -> str:
    """A fresh local bearer token: 256 random bits, URL-safe, with a prefix that says what
    it is when it turns up somewhere (and that the redactor's shapes can catch)."""
    return "tlw_" + _random.token_urlsafe(32)


def new_hook_secret(source: str) -> str:
    """A fresh signing secret in the form ``source`` expects: Standard Webhooks' ``whsec_``
    + base64 of 32 random bytes (the spec allows 24 to 64; GitLab's signing tokens want 32);
    for the others 32 random bytes as hex (GitHub, GitLab's secret token and Jira take any
    string; a Slack signing secret is issued by Slack and only pasted)."""
    if source == "standard":
        return "whsec_" + base64.b64encode(_random.token_bytes(32)).decode("ascii")
    return _random.token_hex(32)


class WebSecrets:
    """Reads and writes the web face's records in a vault (opened by the caller)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._lock = threading.Lock()
        self._token: str | None = None
        self._read_at = 0.0

    # -- the local bearer token ---------------------------------------------------------------
    def token(self, *, max_age: float | None = None) -> str:
        """The local token, created (and kept) the first time it is asked for.

        ``max_age``: read the vault again when the copy in memory is older than this many
        seconds, so a rotation by another process (``tieline web token --rotate``) takes
        effect in a running server without a restart.
        """
        with self._lock:
            stale = max_age is not None and time.monotonic() - self._read_at > max_age
            if self._token is None or stale:
                value = self.vault.get_secret(TOKEN_RECORD)
                if not value:
                    value = new_token()
                    self.vault.set_secret(TOKEN_RECORD, value)
                register_secret(value)
                self._token = value
                self._read_at = time.monotonic()
            return self._token

    def rotate_token(self) -> str:
        """Replace the local token; the old one stops working at once in this process (and
        in a running server once its copy is older than its ``max_age``)."""
        with self._lock:
            value = new_token()
            self.vault.set_secret(TOKEN_RECORD, value)
            register_secret(value)
            self._token = value
            self._read_at = time.monotonic()
            return value

    # -- webhook sources ----------------------------------------------------------------------
    @staticmethod
    def _record(source: str) -> str:
        if not SOURCE_NAME.match(source):
            raise ConfigError(f"{source!r} is not a webhook source name (a-z, 0-9, _ and -)")
        return HOOK_RECORD.format(source=source)

    def hook_secret(self, source: str) -> str | None:
        """The signing secret kept for ``source``, or ``None`` when none was set."""
        value = self.vault.get_secret(self._record(source))
        if value:
            register_secret(value)
            return value
        return None

    def set_hook_secret(self, source: str, secret: str) -> None:
        secret = secret.strip()
        if not secret:
            raise ConfigError(f"an empty secret for {source} would accept nothing; none was set")
        register_secret(secret)
        self.vault.set_secret(self._record(source), secret)

    def delete_hook_secret(self, source: str) -> bool:
        return self.vault.delete_secret(self._record(source))
