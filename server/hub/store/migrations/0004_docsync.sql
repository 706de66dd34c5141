-- Folder sync with a drive: what each side looked like when they last agreed.

-- One row per linked folder. `link` is the link's key (folder, service, account and remote
-- folder together), so changing any of them starts a new link rather than reusing a state
-- that describes another pair of folders. `cursor` is the drive's changes cursor, written
-- only at the end of a completed round: a round cut short starts again from the old one,
-- and what it already did is found done (every file's row is committed on its own).
-- `remote_folder` is the drive folder found for `remote` (JSON), kept so that a round
-- costs one changes request and not a look-up first.
CREATE TABLE docsync_links (
    link        TEXT PRIMARY KEY,
    folder      TEXT NOT NULL,
    service     TEXT NOT NULL,
    account     TEXT NOT NULL DEFAULT '',
    remote      TEXT NOT NULL,
    remote_folder TEXT CHECK (remote_folder IS NULL OR json_valid(remote_folder)),
    cursor      TEXT,
    synced_at   REAL,
    last_error  TEXT
);

-- The last agreed state of one path (relative to the linked folder, `/`-separated): the
-- local file's sha256, size and mtime (stat first, hash only when size or mtime moved),
-- and the remote item's id, etag and hash. `export` is the MIME type a document kept in
-- the service's own format was exported as: such a file is read-only here and never pushed.
CREATE TABLE docsync_files (
    link        TEXT NOT NULL REFERENCES docsync_links (link) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    folder      INTEGER NOT NULL DEFAULT 0,
    local_hash  TEXT NOT NULL DEFAULT '',
    size        INTEGER NOT NULL DEFAULT 0,
    mtime_ns    INTEGER NOT NULL DEFAULT 0,
    remote_id   TEXT NOT NULL,
    etag        TEXT NOT NULL DEFAULT '',
    remote_hash TEXT,
    export      TEXT,
    PRIMARY KEY (link, path)
);
CREATE INDEX docsync_files_remote ON docsync_files (link, remote_id);

-- Conflicts kept until the person resolves them. `kind`: 'edit' (both sides changed the
-- file; the service's version is in `copy`, beside it), 'deleted_there' (the service
-- deleted what was edited here; the edit was restored there), 'deleted_here' (deleted here,
-- edited there; the service's version was restored here). `remote_id` and `etag` are the
-- service's version the conflict was seen with, so resolving names it in its write.
CREATE TABLE docsync_conflicts (
    link        TEXT NOT NULL REFERENCES docsync_links (link) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('edit', 'deleted_there', 'deleted_here')),
    copy        TEXT,
    remote_id   TEXT NOT NULL DEFAULT '',
    etag        TEXT NOT NULL DEFAULT '',
    detected_at REAL NOT NULL,
    PRIMARY KEY (link, path)
);
