-- The catalog: stores, canonical products, their images, store products, match queue.
CREATE TABLE stores (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    api_key_hash TEXT UNIQUE,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE canonical_products (
    id              INTEGER PRIMARY KEY,
    gtin            TEXT UNIQUE,               -- normalized GTIN-14
    name            TEXT NOT NULL,
    normalized_name TEXT NOT NULL,
    brand           TEXT,
    image_count     INTEGER NOT NULL DEFAULT 0,
    product_count   INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX canonical_products_normalized_name ON canonical_products (normalized_name);

CREATE TABLE store_products (
    id                   INTEGER PRIMARY KEY,
    store_id             INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    external_id          TEXT NOT NULL,
    upc                  TEXT,                 -- raw, as the store sent it
    gtin                 TEXT,                 -- normalized, NULL when missing or invalid
    name                 TEXT NOT NULL,
    brand                TEXT,
    image_url            TEXT,
    canonical_product_id INTEGER REFERENCES canonical_products (id) ON DELETE SET NULL,
    use_custom_image     INTEGER NOT NULL DEFAULT 0 CHECK (use_custom_image IN (0, 1)),
    match_status         TEXT NOT NULL DEFAULT 'unmatched'
        CHECK (match_status IN ('unmatched', 'linked', 'suggested', 'review', 'rejected')),
    match_confidence     REAL,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (store_id, external_id)
);
CREATE INDEX store_products_canonical ON store_products (canonical_product_id);
CREATE INDEX store_products_gtin ON store_products (gtin) WHERE gtin IS NOT NULL;

-- An image belongs to exactly one owner: a canonical product, or one store product (custom).
CREATE TABLE product_images (
    id                   INTEGER PRIMARY KEY,
    content_hash         TEXT NOT NULL CHECK (length(content_hash) = 64),
    width                INTEGER NOT NULL CHECK (width > 0),
    height               INTEGER NOT NULL CHECK (height > 0),
    has_alpha            INTEGER NOT NULL DEFAULT 0,
    byte_size            INTEGER NOT NULL,
    media_type           TEXT NOT NULL,
    canonical_product_id INTEGER REFERENCES canonical_products (id) ON DELETE CASCADE,
    store_product_id     INTEGER REFERENCES store_products (id) ON DELETE CASCADE,
    is_primary           INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    sort_order           INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((canonical_product_id IS NULL) <> (store_product_id IS NULL))
);
CREATE INDEX product_images_canonical
    ON product_images (canonical_product_id, is_primary DESC, sort_order, id)
    WHERE canonical_product_id IS NOT NULL;
CREATE INDEX product_images_custom
    ON product_images (store_product_id, is_primary DESC, sort_order, id)
    WHERE store_product_id IS NOT NULL;
CREATE INDEX product_images_content_hash ON product_images (content_hash);
-- At most one primary image per owner.
CREATE UNIQUE INDEX product_images_one_canonical_primary
    ON product_images (canonical_product_id) WHERE is_primary = 1 AND canonical_product_id IS NOT NULL;
CREATE UNIQUE INDEX product_images_one_custom_primary
    ON product_images (store_product_id) WHERE is_primary = 1 AND store_product_id IS NOT NULL;

CREATE TABLE match_queue (
    id                 INTEGER PRIMARY KEY,
    store_product_id   INTEGER NOT NULL UNIQUE REFERENCES store_products (id) ON DELETE CASCADE,
    status             TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'suggested', 'review', 'done', 'failed')),
    confidence         REAL,
    candidates         TEXT NOT NULL DEFAULT '[]',  -- JSON [{canonical_product_id, score}]
    attempts           INTEGER NOT NULL DEFAULT 0,
    lease_expires_at   TEXT,
    last_error         TEXT,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX match_queue_status ON match_queue (status, id);

-- Small key/value facts about this catalog (e.g. the hash of the generated admin token).
CREATE TABLE catalog_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
