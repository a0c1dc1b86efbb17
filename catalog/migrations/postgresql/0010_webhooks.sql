-- Change notifications (webhooks). A write that may change what a product shows records
-- the change here, in its own transaction (when webhooks are on); the edge's dispatchers
-- turn changes into deliveries (SKIP LOCKED claims, leases), each retried until delivered
-- or given up.
CREATE TABLE webhook_changes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    change         text NOT NULL,  -- ResolutionChange.encode(): p:<product> or c:<canonical>
    claimed_until  timestamptz,    -- a dispatcher's lease; NULL: not claimed
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The version each product was last announced with (NULL: no image); a product without a
-- row was never announced.
CREATE TABLE webhook_shown (
    store_product_id  bigint PRIMARY KEY REFERENCES store_products (id) ON DELETE CASCADE,
    version           text
);

CREATE TABLE webhook_deliveries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id          text NOT NULL UNIQUE,
    event_type        text NOT NULL,
    store_id          bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    store_product_id  bigint NOT NULL,
    url               text NOT NULL,
    store_endpoint    boolean NOT NULL DEFAULT false,  -- the store's own URL (its secret)
    body              text NOT NULL,  -- the event's JSON, exactly as sent (and signed)
    status            text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,  -- due (pending), or an attempt's lease
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL,
    delivered_at      timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_store ON webhook_deliveries (store_id, id);

-- A store's own endpoint (`PUT /api/webhook`): its products' events go there too, signed
-- with its own secret (kept as is: HMAC needs it).
CREATE TABLE store_webhooks (
    store_id    bigint PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    url         text NOT NULL,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
