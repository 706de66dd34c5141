"""What the vault stores: one :class:`Credentials` per account, keyed by :class:`AccountRef`.

An account is identified by (connector, host, login) so that several accounts of one service
live side by side -- a personal and a work github.com account, plus a GitHub Enterprise
host. Secrets are :class:`pydantic.SecretStr` so that a ``repr`` or a log of a model never
shows them; only :meth:`Credentials.to_secret_json` (called by vault backends) reveals them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.sdk.redact import register_secret

Method = Literal["device", "pkce", "token", "api_key", "basic", "env"]


@dataclass(frozen=True, order=True)
class AccountRef:
    """The identity of one signed-in account. Not a secret."""

    connector: str
    host: str
    login: str

    @property
    def record_id(self) -> str:
        """Vault key, e.g. ``github:github.com:alice``; also the AES-GCM associated data."""
        return f"{self.connector}:{self.host}:{self.login}"

    @property
    def label(self) -> str:
        """How a person names the account (and how grants are keyed): ``alice@github.com``."""
        return f"{self.login}@{self.host}"

    @classmethod
    def parse(cls, record_id: str) -> AccountRef:
        connector, host, login = record_id.split(":", 2)
        return cls(connector, host, login)


class Credentials(BaseModel):
    """Tokens for one account, as stored in the vault."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connector: str
    host: str
    login: str
    access_token: SecretStr
    #: The user part of HTTP Basic credentials (Jira Cloud: the account's email).
    username: str | None = None
    refresh_token: SecretStr | None = None
    #: Epoch seconds when the access token expires; ``None`` for tokens that do not expire.
    expires_at: float | None = None
    token_type: str = "bearer"  # noqa: S105 -- the OAuth token_type, not a secret
    scopes: tuple[str, ...] = ()
    method: Method = "token"

    @property
    def account(self) -> AccountRef:
        return AccountRef(self.connector, self.host, self.login)

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        """True when the access token is expired or will be within ``seconds``."""
        if self.expires_at is None:
            return False
        return self.expires_at - seconds <= (time.time() if now is None else now)

    def register(self) -> Credentials:
        """Register both tokens with the redactor (done whenever credentials are loaded)."""
        register_secret(self.access_token.get_secret_value())
        if self.refresh_token is not None:
            register_secret(self.refresh_token.get_secret_value())
        return self

    def to_secret_json(self) -> str:
        """Serialise *with* the secrets -- only for a vault backend to encrypt or hand to the OS."""
        data: dict[str, Any] = self.model_dump(mode="json")
        data["access_token"] = self.access_token.get_secret_value()
        data["refresh_token"] = (
            self.refresh_token.get_secret_value() if self.refresh_token is not None else None
        )
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_secret_json(cls, raw: str) -> Credentials:
        return cls.model_validate_json(raw).register()

    def summary(self) -> AccountSummary:
        return AccountSummary(
            connector=self.connector,
            host=self.host,
            login=self.login,
            method=self.method,
            scopes=self.scopes,
            expires_at=self.expires_at,
            has_refresh_token=self.refresh_token is not None,
        )


class AccountSummary(BaseModel):
    """An index entry: what ``auth status`` shows. No secret, so it may live in a plain file."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    connector: str
    host: str
    login: str
    method: Method = "token"
    scopes: tuple[str, ...] = ()
    expires_at: float | None = None
    has_refresh_token: bool = False

    @property
    def account(self) -> AccountRef:
        return AccountRef(self.connector, self.host, self.login)
