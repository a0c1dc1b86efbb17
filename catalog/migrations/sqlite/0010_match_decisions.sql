-- Curators' confirm/reject decisions on (store product name, canonical product) pairs,
-- kept per deployment: the matcher remembers them (a later product named the same links
-- where a person confirmed, never where a person rejected). One row per decision, never
-- updated: the latest per (name, brand, canonical product) is the one that counts.
CREATE TABLE match_decisions (
    id                   INTEGER PRIMARY KEY,
    normalized_name      TEXT NOT NULL,         -- the store product's name, as the matcher reads it
    normalized_brand     TEXT NOT NULL DEFAULT '',
    canonical_product_id INTEGER NOT NULL REFERENCES canonical_products (id) ON DELETE CASCADE,
    confirmed            INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    score                REAL,                  -- the worker's score for the pair, if it had one
    scorer               TEXT,                  -- which scorer gave it (rules | learned)
    store_id             INTEGER REFERENCES stores (id) ON DELETE SET NULL,
    store_product_id     INTEGER REFERENCES store_products (id) ON DELETE SET NULL,
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX match_decisions_name ON match_decisions (normalized_name, normalized_brand);
CREATE INDEX match_decisions_canonical ON match_decisions (canonical_product_id);
