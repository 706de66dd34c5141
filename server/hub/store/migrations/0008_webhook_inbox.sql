-- Incoming webhook deliveries accepted, by source and the delivery id the sender gave, so a
-- replay is refused after a restart too, and for senders that sign no timestamp (GitHub,
-- GitLab's secret token, Jira) for longer than the replay window. Only ids: no body, no
-- header, nothing of the payload. Rows expire at `keep_until` and are purged as new ones come.
CREATE TABLE webhook_inbox_seen (
    source      TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    seen_at     REAL NOT NULL,
    keep_until  REAL NOT NULL,
    PRIMARY KEY (source, delivery_id)
) WITHOUT ROWID;

CREATE INDEX webhook_inbox_seen_keep ON webhook_inbox_seen (keep_until);
