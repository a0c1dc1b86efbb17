-- Candidates by model code: a store writes `bvmcsz35` or `KX FG2451` where the catalog
-- has `BVMC-SZ35` and `KX-FG2451`, names whose trigrams differ too much for the name
-- search, though one code says they are one product. Each canonical name's compact form
-- (its normalized name without spaces: `bvmcsz35`, `kxfg2451`) is indexed by trigram, so
-- a code the matcher reads in a store's name, compacted alike, is found inside it with
-- LIKE '%code%' (pg_trgm's GIN index answers LIKE). An expression index: every writer
-- (sync, worker's provisional products, curators' renames, merges, deletes) keeps it.
CREATE FUNCTION imgedge_compact_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT replace(name, ' ', '')
$$;

-- No pending list, as the name's trigram index (0004): searches far outnumber inserts.
CREATE INDEX canonical_products_compact_name ON canonical_products
USING gin (imgedge_compact_name(normalized_name) gin_trgm_ops) WITH (fastupdate = off);
ANALYZE canonical_products;
