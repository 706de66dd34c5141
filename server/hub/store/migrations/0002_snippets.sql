-- The snippet library, its full-text index, and where each snippet lives on a snippet host.

-- `seq` is the row id the full-text index points at: an INTEGER PRIMARY KEY never changes
-- (a plain rowid may, on VACUUM), while `id` is the name the editor and the CLI use.
CREATE TABLE snippets (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL CHECK (length(title) > 0),
    description TEXT NOT NULL DEFAULT '',
    language    TEXT NOT NULL DEFAULT '',   -- an LSP language id; '' is any language
    prefix      TEXT NOT NULL DEFAULT '',   -- what is typed after the completion trigger
    tags        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    body        TEXT NOT NULL,
    source      TEXT CHECK (source IS NULL OR json_valid(source)),
    meta        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX snippets_by_update ON snippets (updated_at);

-- The words the index sees: the snippet's, and its language as words (`__any__` for a snippet
-- of any language), so that a language filter is part of the MATCH and every candidate the
-- ranking looks at is usable in the document's language.
CREATE VIEW snippets_fts_source AS
SELECT seq, title, prefix, tags, description, body,
       CASE language WHEN '' THEN '__any__' ELSE language END AS lang
FROM snippets;

-- External-content FTS5 over that view; the triggers below keep it in step, inside the same
-- transaction as the change. `tokenchars '_'` keeps snake_case names whole; the prefix
-- indexes make the short prefixes typed at each keystroke cheap.
CREATE VIRTUAL TABLE snippets_fts USING fts5(
    title, prefix, tags, description, body, lang,
    content = 'snippets_fts_source', content_rowid = 'seq',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '_'",
    prefix = '1 2 3'
);

CREATE TRIGGER snippets_fts_insert AFTER INSERT ON snippets BEGIN
    INSERT INTO snippets_fts (rowid, title, prefix, tags, description, body, lang)
    VALUES (new.seq, new.title, new.prefix, new.tags, new.description, new.body,
            CASE new.language WHEN '' THEN '__any__' ELSE new.language END);
END;

CREATE TRIGGER snippets_fts_delete AFTER DELETE ON snippets BEGIN
    INSERT INTO snippets_fts (snippets_fts, rowid, title, prefix, tags, description, body, lang)
    VALUES ('delete', old.seq, old.title, old.prefix, old.tags, old.description, old.body,
            CASE old.language WHEN '' THEN '__any__' ELSE old.language END);
END;

CREATE TRIGGER snippets_fts_update AFTER UPDATE ON snippets BEGIN
    INSERT INTO snippets_fts (snippets_fts, rowid, title, prefix, tags, description, body, lang)
    VALUES ('delete', old.seq, old.title, old.prefix, old.tags, old.description, old.body,
            CASE old.language WHEN '' THEN '__any__' ELSE old.language END);
    INSERT INTO snippets_fts (rowid, title, prefix, tags, description, body, lang)
    VALUES (new.seq, new.title, new.prefix, new.tags, new.description, new.body,
            CASE new.language WHEN '' THEN '__any__' ELSE new.language END);
END;

-- A snippet's copy on a snippet host (a GitHub gist, a GitLab snippet). `base_hash` is the
-- hash of the content both sides last agreed on, and `remote_rev` the host's version then
-- (its updated_at or revision): a side whose content differs from the base has changed, and
-- both having changed is a conflict, kept in `conflict` until the user resolves it.
CREATE TABLE snippet_remotes (
    snippet_id  TEXT NOT NULL REFERENCES snippets (id) ON DELETE CASCADE,
    connector   TEXT NOT NULL,
    account     TEXT NOT NULL,
    remote_id   TEXT NOT NULL,
    url         TEXT NOT NULL DEFAULT '',
    visibility  TEXT NOT NULL DEFAULT 'secret',
    base_hash   TEXT NOT NULL,
    remote_rev  TEXT NOT NULL DEFAULT '',
    conflict    TEXT CHECK (conflict IS NULL OR json_valid(conflict)),
    synced_at   REAL NOT NULL,
    PRIMARY KEY (connector, account, remote_id),
    UNIQUE (snippet_id, connector, account)
);
