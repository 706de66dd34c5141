-- The OAuth 2.0 provider of Tieline's own API (server/hub/oauth_provider): the clients the
-- user registered, authorization codes, access/refresh tokens, device codes, and the consent
-- requests waiting for the person. Every credential is stored as the SHA-256 hex digest of
-- its value (they are 256-bit random strings, so a fast hash is enough), never the value.

CREATE TABLE oauth_clients (
    client_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('public', 'confidential')),
    secret_hash   TEXT,
    redirect_uris TEXT NOT NULL CHECK (json_valid(redirect_uris)),
    scopes        TEXT NOT NULL,
    grant_types   TEXT NOT NULL CHECK (json_valid(grant_types)),
    created_at    REAL NOT NULL,
    CHECK ((kind = 'public') = (secret_hash IS NULL))
) WITHOUT ROWID;

-- `used_at` is set when a code is exchanged; the row stays until it expires so that a second
-- use is recognised (and revokes the tokens the first use got).
CREATE TABLE oauth_codes (
    code_hash             TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL CHECK (code_challenge_method = 'S256'),
    subject               TEXT NOT NULL,
    created_at            REAL NOT NULL,
    expires_at            REAL NOT NULL,
    used_at               REAL
) WITHOUT ROWID;

-- One row per issued access token and the refresh token issued with it. `family` is shared
-- by every token descended from one authorization (code or device) through refreshes, so a
-- replayed refresh token can revoke all of them. `rotated_at`: the refresh token was spent.
CREATE TABLE oauth_tokens (
    id                 INTEGER PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    subject            TEXT NOT NULL,
    scope              TEXT NOT NULL,
    access_hash        TEXT NOT NULL UNIQUE,
    refresh_hash       TEXT UNIQUE,
    family             TEXT NOT NULL,
    code_hash          TEXT,
    issued_at          REAL NOT NULL,
    expires_at         REAL NOT NULL,
    refresh_expires_at REAL,
    revoked_at         REAL,
    rotated_at         REAL
);

CREATE INDEX oauth_tokens_family ON oauth_tokens (family);
CREATE INDEX oauth_tokens_client ON oauth_tokens (client_id);
CREATE INDEX oauth_tokens_code ON oauth_tokens (code_hash) WHERE code_hash IS NOT NULL;

CREATE TABLE oauth_device_codes (
    device_hash  TEXT PRIMARY KEY,
    user_code    TEXT NOT NULL UNIQUE,
    client_id    TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    created_at   REAL NOT NULL,
    expires_at   REAL NOT NULL,
    interval     INTEGER NOT NULL CHECK (interval > 0),
    last_poll_at REAL,
    used_at      REAL
) WITHOUT ROWID;

-- What the person is asked: `id` is short and readable (`tieline api approve <id>`; for the
-- device grant it is the user code). `params` is the authorization request itself (public
-- values only: the PKCE challenge, state, redirect), replayed once the person approves.
CREATE TABLE oauth_consent_requests (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('authorization_code', 'device')),
    client_id    TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL DEFAULT '',
    scope        TEXT NOT NULL,
    params       TEXT NOT NULL CHECK (json_valid(params)),
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'denied', 'completed')),
    created_at   REAL NOT NULL,
    expires_at   REAL NOT NULL,
    decided_at   REAL,
    decided_by   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
