-- Change notifications (webhooks). A write that may change what a product shows records
-- the change here, in its own transaction (when webhooks are on); the edge's dispatcher
-- turns changes into deliveries, each retried until delivered or given up.
CREATE TABLE webhook_changes (
    id             INTEGER PRIMARY KEY,
    change         TEXT NOT NULL,  -- ResolutionChange.encode(): p:<product> or c:<canonical>
    claimed_until  TEXT,           -- a dispatcher's lease; NULL: not claimed
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The version each product was last announced with (NULL: no image); a product without a
-- row was never announced.
CREATE TABLE webhook_shown (
    store_product_id  INTEGER PRIMARY KEY REFERENCES store_products (id) ON DELETE CASCADE,
    version           TEXT
);

CREATE TABLE webhook_deliveries (
    id                INTEGER PRIMARY KEY,
    event_id          TEXT NOT NULL UNIQUE,
    event_type        TEXT NOT NULL,
    store_id          INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    store_product_id  INTEGER NOT NULL,
    url               TEXT NOT NULL,
    store_endpoint    INTEGER NOT NULL DEFAULT 0,  -- 1: the store's own URL (its secret)
    body              TEXT NOT NULL,  -- the event's JSON, exactly as sent (and signed)
    status            TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,  -- due (pending), or the lease of an attempt under way
    last_status_code  INTEGER,
    last_error        TEXT,
    created_at        TEXT NOT NULL,
    delivered_at      TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_store ON webhook_deliveries (store_id, id);

-- A store's own endpoint (`PUT /api/webhook`): its products' events go there too, signed
-- with its own secret (kept as is: HMAC needs it).
CREATE TABLE store_webhooks (
    store_id    INTEGER PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
