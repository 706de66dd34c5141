-- Focus mode: what each service looked like before focus, kept until it is put back.

-- One row per connector account while focus is on (or still being undone). The row is
-- written after `focus_snapshot()` and before `start_focus()`, and deleted only once
-- `end_focus()` has succeeded, so a crash at any point leaves what is needed to restore.
-- `until` is the end of the focus period (set to the stop time when focus is stopped or
-- its calendar event is cancelled or shortened); `reason` says why: 'calendar' (with the
-- event's key) or 'manual'. `applied_until` is the end the service was last told
-- (NULL: `start_focus()` has not succeeded yet); `attempts`, `retry_at` and `last_error`
-- pace the retries of a failing service.
CREATE TABLE focus_snapshots (
    connector     TEXT NOT NULL,
    account       TEXT NOT NULL,
    taken_at      REAL NOT NULL,
    state         TEXT NOT NULL CHECK (json_valid(state)),
    until         REAL NOT NULL,
    reason        TEXT NOT NULL CHECK (reason IN ('calendar', 'manual')),
    event_key     TEXT,
    title         TEXT NOT NULL DEFAULT '',
    applied_until REAL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    retry_at      REAL NOT NULL DEFAULT 0,
    last_error    TEXT,
    PRIMARY KEY (connector, account)
);

-- What the person asked for: `manual` (key '') is focus started from the editor, until
-- `until`; `stopped` rows are calendar focus blocks stopped by hand (key: the event's
-- key, until: the block's end), which must not start again; both are dropped once past.
CREATE TABLE focus_requests (
    kind        TEXT NOT NULL CHECK (kind IN ('manual', 'stopped')),
    key         TEXT NOT NULL DEFAULT '',
    until       REAL NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL,
    PRIMARY KEY (kind, key)
);
