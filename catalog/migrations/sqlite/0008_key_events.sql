-- The audit trail of store API keys: each key created, rotated or revoked, by whom and
-- when (never the key nor its hash). Rows go with their store.
CREATE TABLE store_key_events (
    id       INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    action   TEXT NOT NULL CHECK (action IN ('created', 'rotated', 'revoked')),
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX store_key_events_by_store ON store_key_events (store_id, id);
