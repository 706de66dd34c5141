-- The team hub's event log (`tieline hub`, server/teamhub): every event a verified incoming
-- webhook delivery produced, once per delivery, in the order the hub received them. Every
-- hub node serving SSE streams tails this table, so a client resumes with Last-Event-ID on
-- any node. `id` is the stream's event id. `team` isolates readers: a token sees only its
-- team's rows. `item_keys` is a JSON array of the affected items' keys (the subject first),
-- so an editor refreshes only those. `payload` is the mapped event's JSON, as the API stream
-- sends it. Rows older than the hub's retention are purged, never the newest one (its id is
-- what the next row's id counts on). Times are Unix seconds as DOUBLE PRECISION, which SQLite
-- stores as REAL and PostgreSQL as float8 (its REAL is float4, minutes coarse for a Unix time).
CREATE TABLE hub_events (
    id          INTEGER PRIMARY KEY,
    team        TEXT NOT NULL,
    source      TEXT NOT NULL,
    delivery_id TEXT,
    kind        TEXT NOT NULL,
    connector   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    item_keys   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    event_time  DOUBLE PRECISION NOT NULL,
    received_at DOUBLE PRECISION NOT NULL
);

CREATE INDEX hub_events_team ON hub_events (team, id);
CREATE INDEX hub_events_received ON hub_events (received_at);

-- What the hub keeps about each API client that follows a stream (a person's editor): the
-- last event id a node sent it and when, per node. Shown to the client by GET /api/v1/me
-- and forgotten by DELETE /api/v1/me.
CREATE TABLE hub_stream_cursors (
    client_id     TEXT NOT NULL,
    node          TEXT NOT NULL,
    team          TEXT NOT NULL,
    last_event_id INTEGER NOT NULL,
    connected_at  DOUBLE PRECISION NOT NULL,
    last_seen_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (client_id, node)
);
