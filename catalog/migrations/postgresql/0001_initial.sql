-- The catalog: stores, canonical products, their images, store products, match queue.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE stores (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    api_key_hash text UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE canonical_products (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    gtin            text,                      -- normalized GTIN-14
    name            text NOT NULL,
    normalized_name text NOT NULL,
    brand           text,
    image_count     integer NOT NULL DEFAULT 0,
    product_count   integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Exact barcode lookup (B-tree, unique).
CREATE UNIQUE INDEX canonical_products_gtin ON canonical_products (gtin);
-- Fuzzy candidate search: trigram similarity on the normalized name.
CREATE INDEX canonical_products_name_trgm
    ON canonical_products USING gin (normalized_name gin_trgm_ops);
-- Full-text search on the name.
CREATE INDEX canonical_products_name_fts
    ON canonical_products USING gin (to_tsvector('simple', name));

CREATE TABLE store_products (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id             bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    external_id          text NOT NULL,
    upc                  text,                 -- raw, as the store sent it
    gtin                 text,                 -- normalized, NULL when missing or invalid
    name                 text NOT NULL,
    brand                text,
    image_url            text,
    canonical_product_id bigint REFERENCES canonical_products (id) ON DELETE SET NULL,
    use_custom_image     boolean NOT NULL DEFAULT false,
    match_status         text NOT NULL DEFAULT 'unmatched'
        CHECK (match_status IN ('unmatched', 'linked', 'suggested', 'review', 'rejected')),
    match_confidence     double precision,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, external_id)
);
CREATE INDEX store_products_canonical ON store_products (canonical_product_id)
    WHERE canonical_product_id IS NOT NULL;
CREATE INDEX store_products_gtin ON store_products (gtin) WHERE gtin IS NOT NULL;
CREATE INDEX store_products_unlinked ON store_products (store_id, id)
    WHERE canonical_product_id IS NULL;

-- An image belongs to exactly one owner: a canonical product, or one store product (custom).
CREATE TABLE product_images (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash         text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    width                integer NOT NULL CHECK (width > 0),
    height               integer NOT NULL CHECK (height > 0),
    has_alpha            boolean NOT NULL DEFAULT false,
    byte_size            bigint NOT NULL,
    media_type           text NOT NULL,
    canonical_product_id bigint REFERENCES canonical_products (id) ON DELETE CASCADE,
    store_product_id     bigint REFERENCES store_products (id) ON DELETE CASCADE,
    is_primary           boolean NOT NULL DEFAULT false,
    sort_order           integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((canonical_product_id IS NULL) <> (store_product_id IS NULL))
);
-- Resolution: an owner's images in display order (primary first), covering the columns
-- the resolution reads, so it is an index-only lookup.
CREATE INDEX product_images_canonical
    ON product_images (canonical_product_id, is_primary DESC, sort_order, id)
    WHERE canonical_product_id IS NOT NULL;
CREATE INDEX product_images_custom
    ON product_images (store_product_id, is_primary DESC, sort_order, id)
    WHERE store_product_id IS NOT NULL;
CREATE INDEX product_images_content_hash ON product_images (content_hash);
CREATE UNIQUE INDEX product_images_one_canonical_primary
    ON product_images (canonical_product_id) WHERE is_primary AND canonical_product_id IS NOT NULL;
CREATE UNIQUE INDEX product_images_one_custom_primary
    ON product_images (store_product_id) WHERE is_primary AND store_product_id IS NOT NULL;

CREATE TABLE match_queue (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_product_id   bigint NOT NULL UNIQUE REFERENCES store_products (id) ON DELETE CASCADE,
    status             text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'suggested', 'review', 'done', 'failed')),
    confidence         double precision,
    candidates         jsonb NOT NULL DEFAULT '[]',
    attempts           integer NOT NULL DEFAULT 0,
    lease_expires_at   timestamptz,
    last_error         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- Workers claim the oldest pending items; only the claimable rows are indexed.
CREATE INDEX match_queue_claimable ON match_queue (id) WHERE status IN ('pending', 'processing');
CREATE INDEX match_queue_status ON match_queue (status, id);

CREATE TABLE catalog_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
