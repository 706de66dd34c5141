"""The provider's tables (migration ``0007_oauth_provider``) behind a small synchronous API.

Synchronous on purpose: authlib's server calls its storage hooks synchronously, so the
provider runs each protocol request in a worker thread (:mod:`.provider`), and this module
uses the hub's database through a blocking pool (:mod:`server.hub.store.blocking`): the
embedded SQLite file, or the PostgreSQL database a team hub shares. The schema itself is
created by the hub's migrations (:meth:`.provider.OAuthProvider.open` applies them).

Every "claim" (spend a code, rotate a refresh token, finish a device code) is one
``UPDATE ... WHERE <not yet spent>``: of two concurrent requests -- two threads, or two hub
nodes on one PostgreSQL -- exactly one wins. The SQL is portable: no ``lastrowid``, no
``INSERT OR``; the one read-then-write step (a device poll) locks its row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from server.hub.store.blocking import BlockingDatabase, open_blocking
from server.hub.store.database import Row

from .clients import Client

Clock = Callable[[], float]
ConsentStatus = Literal["pending", "approved", "denied", "completed"]
ConsentKind = Literal["authorization_code", "device"]


@dataclass(frozen=True)
class CodeRecord:
    """An authorization code, shaped for authlib's ``AuthorizationCodeMixin``."""

    code_hash: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    subject: str
    expires_at: float
    used_at: float | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class TokenRecord:
    """An issued access token (and its refresh token), shaped for authlib's ``TokenMixin``.

    ``as_of`` is the clock reading when it was loaded: expiry is judged against it.
    """

    id: int
    client_id: str
    subject: str
    scope: str
    family: str
    code_hash: str | None
    issued_at: float
    expires_at: float
    refresh_expires_at: float | None
    revoked_at: float | None
    rotated_at: float | None
    has_refresh: bool
    as_of: float = field(compare=False)
    #: Which of the pair the caller presented (revocation and introspection judge that one).
    presented: Literal["access_token", "refresh_token"] = "access_token"

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - self.issued_at)

    def is_expired(self) -> bool:
        if self.presented == "refresh_token":
            return self.refresh_expires_at is not None and self.refresh_expires_at <= self.as_of
        return self.expires_at <= self.as_of

    def is_revoked(self) -> bool:
        if self.presented == "refresh_token":
            return self.revoked_at is not None or self.rotated_at is not None
        return self.revoked_at is not None

    def refresh_usable(self) -> bool:
        """Whether the refresh token may still be exchanged (not spent, revoked or expired)."""
        return (
            self.has_refresh
            and self.rotated_at is None
            and self.revoked_at is None
            and (self.refresh_expires_at is None or self.refresh_expires_at > self.as_of)
        )


@dataclass(frozen=True)
class DeviceRecord:
    """A device code, shaped for authlib's ``DeviceCredentialMixin``."""

    device_hash: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int
    last_poll_at: float | None
    used_at: float | None
    as_of: float = field(compare=False)

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_user_code(self) -> str:
        return self.user_code

    def is_expired(self) -> bool:
        return self.expires_at <= self.as_of


@dataclass(frozen=True)
class ConsentRequest:
    """What a client asks the person for, waiting for (or holding) their decision."""

    id: str
    kind: ConsentKind
    client_id: str
    client_name: str
    redirect_uri: str
    scope: str
    params: dict[str, str]
    status: ConsentStatus
    created_at: float
    expires_at: float
    decided_at: float | None
    decided_by: str

    def expired(self, now: float) -> bool:
        return self.status == "pending" and self.expires_at <= now


class OAuthStorage:
    """The provider's rows in the hub's database at ``target`` (a file, or a PostgreSQL
    URL)."""

    def __init__(self, target: Path | str, *, clock: Clock = time.time) -> None:
        self.db: BlockingDatabase = open_blocking(target)
        self.clock = clock

    def close(self) -> None:
        """Close the pooled connections (those in use close when they come back)."""
        self.db.close()

    # -- clients ------------------------------------------------------------------------------

    def add_client(self, client: Client) -> None:
        with self.db.connection() as db:
            db.execute(
                "INSERT INTO oauth_clients (client_id, name, kind, secret_hash, redirect_uris,"
                " scopes, grant_types, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    client.client_id,
                    client.name,
                    client.kind,
                    client.secret_hash,
                    json.dumps(list(client.redirect_uris)),
                    " ".join(client.scopes),
                    json.dumps(list(client.grant_types)),
                    client.created_at,
                ),
            )

    def get_client(self, client_id: str) -> Client | None:
        with self.db.connection() as db:
            row = db.execute(
                "SELECT * FROM oauth_clients WHERE client_id = ?", (client_id,)
            ).fetchone()
        return _client(row) if row else None

    def list_clients(self) -> list[Client]:
        with self.db.connection() as db:
            rows = db.execute("SELECT * FROM oauth_clients ORDER BY created_at, name").fetchall()
        return [_client(r) for r in rows]

    def remove_client(self, client_id: str) -> bool:
        """Forget a client; its codes, tokens and requests go with it (foreign keys)."""
        with self.db.connection() as db:
            return (
                db.execute("DELETE FROM oauth_clients WHERE client_id = ?", (client_id,)).rowcount
                > 0
            )

    # -- authorization codes ------------------------------------------------------------------

    def save_code(self, code: CodeRecord) -> None:
        with self.db.connection() as db:
            db.execute(
                "INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, scope,"
                " code_challenge, code_challenge_method, subject, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code.code_hash,
                    code.client_id,
                    code.redirect_uri,
                    code.scope,
                    code.code_challenge,
                    code.code_challenge_method,
                    code.subject,
                    self.clock(),
                    code.expires_at,
                ),
            )

    def get_code(self, code_hash: str) -> CodeRecord | None:
        with self.db.connection() as db:
            row = db.execute(
                "SELECT * FROM oauth_codes WHERE code_hash = ?", (code_hash,)
            ).fetchone()
        if row is None:
            return None
        return CodeRecord(
            code_hash=row["code_hash"],
            client_id=row["client_id"],
            redirect_uri=row["redirect_uri"],
            scope=row["scope"],
            code_challenge=row["code_challenge"],
            code_challenge_method=row["code_challenge_method"],
            subject=row["subject"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    def claim_code(self, code_hash: str) -> bool:
        """Spend a code; False when it was spent already (or expired meanwhile)."""
        now = self.clock()
        with self.db.connection() as db:
            return (
                db.execute(
                    "UPDATE oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
                    " AND expires_at > ?",
                    (now, code_hash, now),
                ).rowcount
                == 1
            )

    # -- tokens -------------------------------------------------------------------------------

    def save_token(
        self,
        *,
        client_id: str,
        subject: str,
        scope: str,
        access_hash: str,
        refresh_hash: str | None,
        family: str,
        code_hash: str | None,
        expires_in: int,
        refresh_expires_in: int | None,
    ) -> int:
        now = self.clock()
        with self.db.connection() as db:
            cur = db.execute(
                "INSERT INTO oauth_tokens (client_id, subject, scope, access_hash, refresh_hash,"
                " family, code_hash, issued_at, expires_at, refresh_expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    client_id,
                    subject,
                    scope,
                    access_hash,
                    refresh_hash,
                    family,
                    code_hash,
                    now,
                    now + expires_in,
                    None
                    if refresh_hash is None or refresh_expires_in is None
                    else now + refresh_expires_in,
                ),
            )
            rows = cur.fetchall()  # to the end: the statement (and its commit) completes
            return int(rows[0][0]) if rows else 0

    def _token(
        self, column: Literal["access_hash", "refresh_hash"], value: str
    ) -> TokenRecord | None:
        sql = {
            "access_hash": "SELECT * FROM oauth_tokens WHERE access_hash = ?",
            "refresh_hash": "SELECT * FROM oauth_tokens WHERE refresh_hash = ?",
        }[column]
        with self.db.connection() as db:
            row = db.execute(sql, (value,)).fetchone()
        return _token(row, self.clock()) if row else None

    def token_by_access(self, access_hash: str) -> TokenRecord | None:
        return self._token("access_hash", access_hash)

    def token_by_refresh(self, refresh_hash: str) -> TokenRecord | None:
        found = self._token("refresh_hash", refresh_hash)
        return None if found is None else replace(found, presented="refresh_token")

    def claim_refresh(self, token_id: int) -> bool:
        """Spend a refresh token (rotation); False when it was spent or revoked already."""
        with self.db.connection() as db:
            return (
                db.execute(
                    "UPDATE oauth_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL"
                    " AND revoked_at IS NULL",
                    (self.clock(), token_id),
                ).rowcount
                == 1
            )

    def revoke_token(self, token_id: int) -> None:
        """Revoke an access token and the refresh token issued with it."""
        with self.db.connection() as db:
            db.execute(
                "UPDATE oauth_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                (self.clock(), token_id),
            )

    def revoke_family(self, family: str) -> int:
        """Revoke every token descended from one authorization; how many were live."""
        with self.db.connection() as db:
            return db.execute(
                "UPDATE oauth_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
                (self.clock(), family),
            ).rowcount

    def revoke_from_code(self, code_hash: str) -> int:
        """Revoke the tokens an authorization code gave, and everything refreshed from them."""
        with self.db.connection() as db:
            families = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT family FROM oauth_tokens WHERE code_hash = ?", (code_hash,)
                )
            ]
        return sum(self.revoke_family(f) for f in families)

    def revoke_client_tokens(self, client_id: str) -> int:
        with self.db.connection() as db:
            return db.execute(
                "UPDATE oauth_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL",
                (self.clock(), client_id),
            ).rowcount

    def live_tokens(self, client_id: str) -> int:
        """How many of the client's access tokens are neither revoked nor expired."""
        with self.db.connection() as db:
            row = db.execute(
                "SELECT count(*) FROM oauth_tokens WHERE client_id = ? AND revoked_at IS NULL"
                " AND expires_at > ?",
                (client_id, self.clock()),
            ).fetchone()
        return int(row[0])

    # -- device codes -------------------------------------------------------------------------

    def save_device(
        self,
        *,
        device_hash: str,
        user_code: str,
        client_id: str,
        scope: str,
        expires_in: int,
        interval: int,
    ) -> None:
        now = self.clock()
        with self.db.connection() as db:
            db.execute(
                "INSERT INTO oauth_device_codes (device_hash, user_code, client_id, scope,"
                " created_at, expires_at, interval) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (device_hash, user_code, client_id, scope, now, now + expires_in, interval),
            )

    def get_device(self, device_hash: str) -> DeviceRecord | None:
        with self.db.connection() as db:
            row = db.execute(
                "SELECT * FROM oauth_device_codes WHERE device_hash = ?", (device_hash,)
            ).fetchone()
        if row is None:
            return None
        return DeviceRecord(
            device_hash=row["device_hash"],
            user_code=row["user_code"],
            client_id=row["client_id"],
            scope=row["scope"],
            expires_at=row["expires_at"],
            interval=row["interval"],
            last_poll_at=row["last_poll_at"],
            used_at=row["used_at"],
            as_of=self.clock(),
        )

    def poll_device(self, device_hash: str, slow_down_by: int) -> bool:
        """Record a poll; True when it came sooner than the interval allows (RFC 8628 §3.5),
        in which case the interval grows by ``slow_down_by`` seconds for every later poll."""
        now = self.clock()
        with self.db.transaction() as db:
            row = db.execute(
                "SELECT last_poll_at, interval FROM oauth_device_codes"  # noqa: S608 (fixed text)
                " WHERE device_hash = ?" + self.db.dialect.for_update,
                (device_hash,),
            ).fetchone()
            if row is None:
                return False
            too_soon = (
                row["last_poll_at"] is not None and now - row["last_poll_at"] < row["interval"]
            )
            db.execute(
                "UPDATE oauth_device_codes SET last_poll_at = ?, interval = interval + ?"
                " WHERE device_hash = ?",
                (now, slow_down_by if too_soon else 0, device_hash),
            )
        return bool(too_soon)

    def claim_device(self, device_hash: str) -> bool:
        """Finish a device code: one token response per approval."""
        with self.db.connection() as db:
            return (
                db.execute(
                    "UPDATE oauth_device_codes SET used_at = ? WHERE device_hash = ?"
                    " AND used_at IS NULL",
                    (self.clock(), device_hash),
                ).rowcount
                == 1
            )

    # -- consent requests ---------------------------------------------------------------------

    def create_consent(
        self,
        *,
        id: str,
        kind: ConsentKind,
        client_id: str,
        redirect_uri: str,
        scope: str,
        params: dict[str, str],
        expires_in: int,
    ) -> bool:
        """File a request; False when ``id`` is taken (the caller draws another)."""
        now = self.clock()
        with self.db.connection() as db:
            cur = db.execute(
                "INSERT INTO oauth_consent_requests (id, kind, client_id, redirect_uri, scope,"
                " params, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (
                    id,
                    kind,
                    client_id,
                    redirect_uri,
                    scope,
                    json.dumps(params),
                    now,
                    now + expires_in,
                ),
            )
            return cur.rowcount == 1

    def get_consent(self, request_id: str) -> ConsentRequest | None:
        with self.db.connection() as db:
            row = db.execute(
                "SELECT r.*, c.name AS client_name FROM oauth_consent_requests r"
                " JOIN oauth_clients c USING (client_id) WHERE r.id = ?",
                (request_id,),
            ).fetchone()
        return _consent(row) if row else None

    def pending_consents(self) -> list[ConsentRequest]:
        with self.db.connection() as db:
            rows = db.execute(
                "SELECT r.*, c.name AS client_name FROM oauth_consent_requests r"
                " JOIN oauth_clients c USING (client_id)"
                " WHERE r.status = 'pending' AND r.expires_at > ? ORDER BY r.created_at",
                (self.clock(),),
            ).fetchall()
        return [_consent(r) for r in rows]

    def decide_consent(self, request_id: str, approve: bool, by: str) -> bool:
        """Record the person's decision; False when it was not pending (or expired)."""
        now = self.clock()
        with self.db.connection() as db:
            return (
                db.execute(
                    "UPDATE oauth_consent_requests SET status = ?, decided_at = ?, decided_by = ?"
                    " WHERE id = ? AND status = 'pending' AND expires_at > ?",
                    ("approved" if approve else "denied", now, by, request_id, now),
                ).rowcount
                == 1
            )

    def complete_consent(self, request_id: str) -> bool:
        """An approved request produced its code: it cannot produce another."""
        with self.db.connection() as db:
            return (
                db.execute(
                    "UPDATE oauth_consent_requests SET status = 'completed'"
                    " WHERE id = ? AND status = 'approved'",
                    (request_id,),
                ).rowcount
                == 1
            )

    def purge(self) -> None:
        """Drop rows nothing can use any more: expired codes, device codes and requests, and
        tokens whose access and refresh halves both expired (until then a spent refresh token
        is kept, to recognise its replay)."""
        now = self.clock()
        with self.db.connection() as db:
            db.execute("DELETE FROM oauth_codes WHERE expires_at <= ?", (now,))
            db.execute("DELETE FROM oauth_device_codes WHERE expires_at <= ?", (now,))
            db.execute("DELETE FROM oauth_consent_requests WHERE expires_at <= ?", (now,))
            db.execute(
                "DELETE FROM oauth_tokens WHERE expires_at <= ?"
                " AND (refresh_expires_at IS NULL OR refresh_expires_at <= ?)",
                (now, now),
            )


def _client(r: Row) -> Client:
    return Client(
        client_id=r["client_id"],
        name=r["name"],
        kind=r["kind"],
        redirect_uris=tuple(json.loads(r["redirect_uris"])),
        scopes=tuple(r["scopes"].split()),
        grant_types=tuple(json.loads(r["grant_types"])),
        secret_hash=r["secret_hash"],
        created_at=r["created_at"],
    )


def _token(r: Row, now: float) -> TokenRecord:
    return TokenRecord(
        id=r["id"],
        client_id=r["client_id"],
        subject=r["subject"],
        scope=r["scope"],
        family=r["family"],
        code_hash=r["code_hash"],
        issued_at=r["issued_at"],
        expires_at=r["expires_at"],
        refresh_expires_at=r["refresh_expires_at"],
        revoked_at=r["revoked_at"],
        rotated_at=r["rotated_at"],
        has_refresh=r["refresh_hash"] is not None,
        as_of=now,
    )


def _consent(r: Row) -> ConsentRequest:
    params: Any = json.loads(r["params"])
    return ConsentRequest(
        id=r["id"],
        kind=r["kind"],
        client_id=r["client_id"],
        client_name=r["client_name"],
        redirect_uri=r["redirect_uri"],
        scope=r["scope"],
        params={str(k): str(v) for k, v in params.items()},
        status=r["status"],
        created_at=r["created_at"],
        expires_at=r["expires_at"],
        decided_at=r["decided_at"],
        decided_by=r["decided_by"],
    )
