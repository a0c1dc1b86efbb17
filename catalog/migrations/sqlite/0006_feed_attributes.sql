-- What retailers' feeds carry beside the name: a model or manufacturer part number, a
-- category, a size as stated, a price and its currency (validated by the sync).
ALTER TABLE store_products ADD COLUMN model TEXT;
ALTER TABLE store_products ADD COLUMN mpn TEXT;
ALTER TABLE store_products ADD COLUMN category TEXT;
ALTER TABLE store_products ADD COLUMN size TEXT;
ALTER TABLE store_products ADD COLUMN price REAL;
ALTER TABLE store_products ADD COLUMN currency TEXT;

DROP VIEW store_product_rows;
CREATE VIEW store_product_rows AS
SELECT sp.id, sp.store_id, s.name AS store_name, sp.external_id, sp.upc, sp.gtin, sp.name,
       sp.brand, sp.image_url, sp.canonical_product_id, sp.use_custom_image, sp.match_status,
       sp.match_confidence, sp.image_fetch_error, sp.model, sp.mpn, sp.category, sp.size,
       sp.price, sp.currency
FROM store_products sp JOIN stores s ON s.id = sp.store_id;
