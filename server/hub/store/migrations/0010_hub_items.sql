-- The team hub's shared mirror (`tieline hub`, server/teamhub/mirror.py): for each item a
-- team's webhooks spoke of (a pull request, an issue, a branch's CI), its latest state as the
-- newest event about it told it -- so an editor that was away reads where things stand in one
-- page instead of replaying the log. Keyed by team (teams are isolated) and the item's key
-- (`<connector>:<subject>`, as the events' item_keys spell it). `last_kind` is the newest
-- event's kind (`pull_request.merged`), `payload` its mapped payload; `title` and `url` keep
-- the last non-empty ones (a CI event names no title). `last_event_id` orders updates: an
-- older event never overwrites a newer one. Rows not updated within the hub's retention are
-- purged with the events.
CREATE TABLE hub_items (
    team          TEXT NOT NULL,
    item_key      TEXT NOT NULL,
    connector     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    url           TEXT NOT NULL DEFAULT '',
    last_kind     TEXT NOT NULL,
    payload       TEXT NOT NULL CHECK (json_valid(payload)),
    last_event_id INTEGER NOT NULL,
    updated_at    DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (team, item_key)
);

CREATE INDEX hub_items_changed ON hub_items (team, last_event_id);
CREATE INDEX hub_items_updated ON hub_items (updated_at);
