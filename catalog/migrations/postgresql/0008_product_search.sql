-- The console's product search: a name substring in any case (ILIKE) by trigram, a
-- barcode as the store sent it. Re-syncing an unchanged name or barcode leaves both
-- untouched (a heap-only update); new products and renames pay for them.
CREATE INDEX store_products_name_trgm ON store_products USING gin (name gin_trgm_ops);
CREATE INDEX store_products_upc ON store_products (upc) WHERE upc IS NOT NULL;
