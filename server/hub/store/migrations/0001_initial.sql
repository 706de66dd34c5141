-- Tieline's first schema. Times are Unix seconds (REAL, UTC); JSON columns are checked.

-- Mirrored service items: the latest copy of each thing a connector synced.
CREATE TABLE items (
    connector  TEXT NOT NULL,
    account    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    data       TEXT NOT NULL CHECK (json_valid(data)),
    etag       TEXT,
    updated_at REAL,              -- the service's own "last changed" time, when it has one
    fetched_at REAL NOT NULL,     -- when we last received it
    PRIMARY KEY (connector, account, kind, key)
) WITHOUT ROWID;
CREATE INDEX items_by_update ON items (connector, account, kind, updated_at);

-- Where each sync stream left off (a cursor, a "since" time, a page token).
CREATE TABLE checkpoints (
    connector  TEXT NOT NULL,
    account    TEXT NOT NULL,
    stream     TEXT NOT NULL,
    cursor     TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (connector, account, stream)
) WITHOUT ROWID;

-- The durable job queue (see server/hub/jobs). `run_at` is when a job next needs attention:
-- its due time while queued, the end of its lease while running. So one small partial index
-- finds both a due job and an expired lease, and each claim or ack rewrites few pages.
-- `attempts` counts claims and fences acks: a worker whose lease was taken over holds a
-- stale count and cannot ack.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'dead')),
    idempotency_key  TEXT UNIQUE,
    coalesce_key     TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at           REAL NOT NULL,
    lease_owner      TEXT,
    lease_expires_at REAL,
    last_error       TEXT,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    finished_at      REAL
);
CREATE INDEX jobs_pending ON jobs (run_at, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_dead ON jobs (finished_at) WHERE state = 'dead';
CREATE INDEX jobs_coalesce ON jobs (coalesce_key) WHERE coalesce_key IS NOT NULL;

-- Once-only side effects of jobs: a row per effect key, written when the effect is done
-- (or, for at-most-once effects, before it starts).
CREATE TABLE job_effects (
    key        TEXT PRIMARY KEY,
    job_id     INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
    state      TEXT NOT NULL CHECK (state IN ('started', 'done')),
    result     TEXT CHECK (result IS NULL OR json_valid(result)),
    created_at REAL NOT NULL,
    done_at    REAL
);

-- Which scopes the user agreed to grant each integration, and when.
CREATE TABLE grants (
    connector  TEXT NOT NULL,
    account    TEXT NOT NULL,
    scopes     TEXT NOT NULL CHECK (json_valid(scopes)),
    granted_at REAL NOT NULL,
    PRIMARY KEY (connector, account)
) WITHOUT ROWID;

-- Who did what, for the user to review. Never holds a secret (details are redacted).
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     REAL NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_by_time ON audit_log (at);

-- Per-integration request counters that feed health and the status view.
CREATE TABLE metrics (
    connector            TEXT NOT NULL,
    account              TEXT NOT NULL DEFAULT '',
    requests             INTEGER NOT NULL DEFAULT 0,
    errors               INTEGER NOT NULL DEFAULT 0,
    cache_hits           INTEGER NOT NULL DEFAULT 0,
    latency_sum          REAL NOT NULL DEFAULT 0,
    latency_count        INTEGER NOT NULL DEFAULT 0,
    rate_limit_remaining INTEGER,
    last_success         REAL,
    last_error_at        REAL,
    last_error           TEXT,
    PRIMARY KEY (connector, account)
) WITHOUT ROWID;
