-- Named queries for the PostgreSQL catalog (asyncpg). Every name here exists in each
-- dialect's file; placeholders are numbered ($1, $2 … here; ?1, ?2 … for SQLite) in the
-- same order.

-- name: create_store
INSERT INTO stores (name, api_key_hash) VALUES ($1, $2) RETURNING id, name;

-- name: get_store_by_name
SELECT id, name FROM stores WHERE name = $1;

-- name: create_canonical_product
INSERT INTO canonical_products (gtin, name, normalized_name, brand)
VALUES ($1, $2, $3, $4)
RETURNING id, gtin, name, normalized_name, brand, image_count, product_count;

-- name: get_canonical_product
SELECT id, gtin, name, normalized_name, brand, image_count, product_count
FROM canonical_products WHERE id = $1;

-- name: get_canonical_product_by_gtin
SELECT id, gtin, name, normalized_name, brand, image_count, product_count
FROM canonical_products WHERE gtin = $1;

-- name: upsert_store_product
INSERT INTO store_products (store_id, external_id, upc, gtin, name, brand, image_url)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, updated_at = now()
RETURNING id;

-- name: get_store_product
SELECT sp.id, sp.store_id, s.name AS store_name, sp.external_id, sp.upc, sp.gtin, sp.name,
       sp.brand, sp.image_url, sp.canonical_product_id, sp.use_custom_image, sp.match_status,
       sp.match_confidence
FROM store_products sp JOIN stores s ON s.id = sp.store_id
WHERE sp.id = $1;

-- name: list_store_product_ids
SELECT id FROM store_products WHERE store_id = $1 ORDER BY id LIMIT $2;

-- name: link_store_product
UPDATE store_products
SET canonical_product_id = $2, match_status = $3, match_confidence = $4,
    updated_at = now()
WHERE id = $1;

-- name: refresh_product_count
UPDATE canonical_products
SET product_count = (SELECT count(*) FROM store_products WHERE canonical_product_id = $1),
    updated_at = now()
WHERE id = $1;

-- name: set_use_custom_image
UPDATE store_products
SET use_custom_image = $2, updated_at = now()
WHERE id = $1
RETURNING id;

-- name: next_canonical_sort_order
SELECT coalesce(max(sort_order) + 1, 0), count(*) FROM product_images
WHERE canonical_product_id = $1;

-- name: next_custom_sort_order
SELECT coalesce(max(sort_order) + 1, 0), count(*) FROM product_images
WHERE store_product_id = $1;

-- name: clear_canonical_primary
UPDATE product_images SET is_primary = false WHERE canonical_product_id = $1 AND is_primary;

-- name: clear_custom_primary
UPDATE product_images SET is_primary = false WHERE store_product_id = $1 AND is_primary;

-- name: insert_image
INSERT INTO product_images (content_hash, width, height, has_alpha, byte_size, media_type,
                            canonical_product_id, store_product_id, is_primary, sort_order)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, content_hash, width, height, has_alpha, byte_size, media_type,
          canonical_product_id, store_product_id, is_primary, sort_order;

-- name: refresh_image_count
UPDATE canonical_products
SET image_count = (SELECT count(*) FROM product_images WHERE canonical_product_id = $1),
    updated_at = now()
WHERE id = $1;

-- name: list_canonical_images
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order
FROM product_images WHERE canonical_product_id = $1
ORDER BY is_primary DESC, sort_order, id;

-- name: list_custom_images
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order
FROM product_images WHERE store_product_id = $1
ORDER BY is_primary DESC, sort_order, id;

-- name: resolve_product
-- The custom image when the override is on and one exists, else the canonical primary.
SELECT sp.id, sp.canonical_product_id, img.id, img.content_hash, img.width, img.height, img.has_alpha,
       img.store_product_id IS NOT NULL AS is_custom
FROM store_products sp
LEFT JOIN product_images img ON img.id = coalesce(
    CASE WHEN sp.use_custom_image THEN (
        SELECT c.id FROM product_images c WHERE c.store_product_id = sp.id
        ORDER BY c.is_primary DESC, c.sort_order, c.id LIMIT 1) END,
    (SELECT p.id FROM product_images p WHERE p.canonical_product_id = sp.canonical_product_id
     ORDER BY p.is_primary DESC, p.sort_order, p.id LIMIT 1))
WHERE sp.id = $1;

-- name: get_meta
SELECT value FROM catalog_meta WHERE key = $1;

-- name: set_meta
INSERT INTO catalog_meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: get_image
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order
FROM product_images WHERE id = $1;

-- name: set_image_primary
UPDATE product_images SET is_primary = $2 WHERE id = $1;

-- name: pg_set_similarity_threshold
-- For the rest of the transaction: the `%` operator's pg_trgm similarity threshold.
SELECT set_config('pg_trgm.similarity_threshold', $1, true);

-- name: search_canonical_candidates
-- Trigram similarity on the normalized name (GIN gin_trgm_ops index, `%` operator,
-- whose threshold pg_set_similarity_threshold sets).
SELECT id, gtin, name, normalized_name, brand, image_count, product_count,
       similarity(normalized_name, $1) AS score
FROM canonical_products
WHERE normalized_name % $1
ORDER BY score DESC, id
LIMIT $2;
