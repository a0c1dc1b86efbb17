-- The audit trail of store API keys: each key created, rotated or revoked, by whom and
-- when (never the key nor its hash). Rows go with their store.
CREATE TABLE store_key_events (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    action   text NOT NULL CHECK (action IN ('created', 'rotated', 'revoked')),
    actor    text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX store_key_events_by_store ON store_key_events (store_id, id);
