-- A canonical product a sync created for a GTIN the catalog did not know, named after
-- that first store's own title: the matcher weighs its name as a store's (less reliable
-- than a curated one). A curator's edit of its name or brand clears the flag. Products
-- made before this migration are not told apart (their origin was not recorded).
ALTER TABLE canonical_products ADD COLUMN store_named INTEGER NOT NULL DEFAULT 0;
