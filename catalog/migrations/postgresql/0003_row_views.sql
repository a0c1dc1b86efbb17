-- One place for the columns a ProductImage and a StoreProduct are built from: queries
-- select from these views instead of repeating the column lists (PostgreSQL inlines them
-- into the query, so the tables' indexes still apply).
CREATE VIEW product_image_rows AS
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order, placeholder
FROM product_images;

CREATE VIEW store_product_rows AS
SELECT sp.id, sp.store_id, s.name AS store_name, sp.external_id, sp.upc, sp.gtin, sp.name,
       sp.brand, sp.image_url, sp.canonical_product_id, sp.use_custom_image, sp.match_status,
       sp.match_confidence, sp.image_fetch_error
FROM store_products sp JOIN stores s ON s.id = sp.store_id;
