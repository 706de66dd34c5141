-- Outgoing webhooks (server/hub/webhooks): endpoints, the messages made for them, and each
-- delivery attempt. Secrets are not here: `secret_ref` names a record in the vault, and so
-- does `url_ref` -- a webhook URL's path is often its credential (Slack's and Discord's
-- incoming webhooks, IFTTT's key, n8n's webhook id) -- while `url` keeps only what may be
-- shown: scheme, host, port and the path's last four characters.
CREATE TABLE webhook_endpoints (
    id                   TEXT PRIMARY KEY,           -- ep_...
    url                  TEXT NOT NULL,              -- shown: https://host/***abcd
    url_ref              TEXT NOT NULL,              -- vault record id of the whole URL
    description          TEXT NOT NULL DEFAULT '',
    event_types          TEXT NOT NULL,              -- JSON array of globs: ["pull_request.*"]
    template             TEXT,                       -- JMESPath expression, NULL: the envelope
    enabled              INTEGER NOT NULL DEFAULT 1,
    disabled_reason      TEXT,
    secret_ref           TEXT NOT NULL,              -- vault record id of the current secret
    previous_secret_ref  TEXT,                       -- the one before a rotation...
    previous_expires_at  REAL,                       -- ...still signed with until then
    failing_since        REAL,                       -- first failure since the last success
    created_at           REAL NOT NULL,
    updated_at           REAL NOT NULL
);

-- One message per endpoint and event; its id is the `webhook-id` of every attempt.
CREATE TABLE webhook_messages (
    id              TEXT PRIMARY KEY,                -- msg_...
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    envelope        TEXT NOT NULL,                   -- the event as JSON (templates read it)
    body            TEXT,                            -- what is sent; NULL: the template failed
    state           TEXT NOT NULL,                   -- pending | delivered | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    delivered_at    REAL
);
CREATE INDEX webhook_messages_by_endpoint ON webhook_messages (endpoint_id, created_at);
CREATE INDEX webhook_messages_by_state ON webhook_messages (endpoint_id, state, created_at);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL,
    trigger     TEXT NOT NULL,                       -- scheduled | replay | recover | test
    started_at  REAL NOT NULL,
    latency_ms  REAL NOT NULL,
    status      INTEGER,                             -- HTTP status; NULL: no answer
    outcome     TEXT NOT NULL,                       -- success | http_error | timeout | ...
    response    TEXT,                                -- the answer's start, sanitised
    error       TEXT
);
CREATE INDEX webhook_attempts_by_message ON webhook_attempts (message_id, id);
