-- Named queries for the SQLite catalog. Every name here exists in each dialect's file;
-- placeholders are numbered (?1, ?2 … here; $1, $2 … for asyncpg) in the same order.

-- name: create_store
INSERT INTO stores (name, api_key_hash) VALUES (?1, ?2) RETURNING id, name;

-- name: get_store_by_name
SELECT id, name FROM stores WHERE name = ?1;

-- name: create_canonical_product
INSERT INTO canonical_products (gtin, name, normalized_name, brand)
VALUES (?1, ?2, ?3, ?4)
RETURNING id, gtin, name, normalized_name, brand, image_count, product_count;

-- name: get_canonical_product
SELECT id, gtin, name, normalized_name, brand, image_count, product_count
FROM canonical_products WHERE id = ?1;

-- name: get_canonical_product_by_gtin
SELECT id, gtin, name, normalized_name, brand, image_count, product_count
FROM canonical_products WHERE gtin = ?1;

-- name: upsert_store_product
INSERT INTO store_products (store_id, external_id, upc, gtin, name, brand, image_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING id;

-- name: get_store_product
SELECT sp.id, sp.store_id, s.name AS store_name, sp.external_id, sp.upc, sp.gtin, sp.name,
       sp.brand, sp.image_url, sp.canonical_product_id, sp.use_custom_image, sp.match_status,
       sp.match_confidence, sp.image_fetch_error
FROM store_products sp JOIN stores s ON s.id = sp.store_id
WHERE sp.id = ?1;

-- name: list_store_product_ids
SELECT id FROM store_products WHERE store_id = ?1 ORDER BY id LIMIT ?2;

-- name: link_store_product
UPDATE store_products
SET canonical_product_id = ?2, match_status = ?3, match_confidence = ?4,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1;

-- name: set_use_custom_image
UPDATE store_products
SET use_custom_image = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1
RETURNING id;

-- name: next_canonical_sort_order
SELECT coalesce(max(sort_order) + 1, 0), count(*) FROM product_images
WHERE canonical_product_id = ?1;

-- name: next_custom_sort_order
SELECT coalesce(max(sort_order) + 1, 0), count(*) FROM product_images
WHERE store_product_id = ?1;

-- name: clear_canonical_primary
UPDATE product_images SET is_primary = 0 WHERE canonical_product_id = ?1 AND is_primary = 1;

-- name: clear_custom_primary
UPDATE product_images SET is_primary = 0 WHERE store_product_id = ?1 AND is_primary = 1;

-- name: insert_image
INSERT INTO product_images (content_hash, width, height, has_alpha, byte_size, media_type,
                            canonical_product_id, store_product_id, is_primary, sort_order,
                            placeholder)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
RETURNING id, content_hash, width, height, has_alpha, byte_size, media_type,
          canonical_product_id, store_product_id, is_primary, sort_order, placeholder;

-- name: refresh_image_count
UPDATE canonical_products
SET image_count = (SELECT count(*) FROM product_images WHERE canonical_product_id = ?1),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1;

-- name: list_canonical_images
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order, placeholder
FROM product_images WHERE canonical_product_id = ?1
ORDER BY is_primary DESC, sort_order, id;

-- name: list_custom_images
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order, placeholder
FROM product_images WHERE store_product_id = ?1
ORDER BY is_primary DESC, sort_order, id;

-- name: resolve_product
-- Every image the product shows, primary first (at most 20): its custom images when the
-- override is on and it has some, else its canonical product's.
SELECT sp.id, sp.canonical_product_id, img.id, img.content_hash, img.width, img.height,
       img.has_alpha, img.store_product_id IS NOT NULL AS is_custom
FROM store_products sp
LEFT JOIN product_images img ON img.id IN (
    SELECT c.id FROM product_images c
    WHERE sp.use_custom_image = 1 AND c.store_product_id = sp.id
    UNION ALL
    SELECT p.id FROM product_images p
    WHERE p.canonical_product_id = sp.canonical_product_id
      AND NOT (sp.use_custom_image = 1 AND EXISTS (
          SELECT 1 FROM product_images x WHERE x.store_product_id = sp.id)))
WHERE sp.id = ?1
ORDER BY img.is_primary DESC, img.sort_order, img.id
LIMIT 20;

-- name: get_meta
SELECT value FROM catalog_meta WHERE key = ?1;

-- name: set_meta
INSERT INTO catalog_meta (key, value) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: get_image
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order, placeholder
FROM product_images WHERE id = ?1;

-- name: set_image_primary
UPDATE product_images SET is_primary = ?2 WHERE id = ?1;

-- name: search_canonical_candidates
-- ?1 is an FTS5 expression of quoted trigram-able tokens (see SQLiteCatalog).
SELECT c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count, c.product_count,
       -bm25(canonical_products_fts) AS score
FROM canonical_products_fts
JOIN canonical_products c ON c.id = canonical_products_fts.rowid
WHERE canonical_products_fts MATCH ?1
ORDER BY bm25(canonical_products_fts), c.id
LIMIT ?2;

-- Sync: set-based statements over a JSON array parameter (one statement per step, not
-- one per product). PostgreSQL reads the same JSON with jsonb_to_recordset.

-- name: sync_upsert_products
-- ?2: [{external_id, upc, gtin, name, brand, image_url}], external ids unique.
-- RETURNING gives each row's link as it was before this sync (the upsert leaves it alone).
INSERT INTO store_products (store_id, external_id, upc, gtin, name, brand, image_url)
SELECT ?1, json_extract(value, '$.external_id'), json_extract(value, '$.upc'),
       json_extract(value, '$.gtin'), json_extract(value, '$.name'),
       json_extract(value, '$.brand'), json_extract(value, '$.image_url')
FROM json_each(?2) WHERE true
ORDER BY 2
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING id, external_id, canonical_product_id, match_status;

-- name: sync_create_canonicals
-- ?1: [{gtin, name, normalized_name, brand}]; an existing GTIN wins (one canonical per GTIN).
INSERT INTO canonical_products (gtin, name, normalized_name, brand)
SELECT json_extract(value, '$.gtin'), json_extract(value, '$.name'),
       json_extract(value, '$.normalized_name'), json_extract(value, '$.brand')
FROM json_each(?1) WHERE true
ON CONFLICT (gtin) DO NOTHING
RETURNING id, gtin;

-- name: canonical_ids_by_gtin
-- ?1: ["gtin", …]
SELECT id, gtin FROM canonical_products WHERE gtin IN (SELECT value FROM json_each(?1));

-- name: sync_link_products
-- ?1: [{id, canonical_id}]
UPDATE store_products
SET canonical_product_id = json_extract(x.value, '$.canonical_id'), match_status = 'linked',
    match_confidence = 100.0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM json_each(?1) AS x
WHERE store_products.id = json_extract(x.value, '$.id');

-- name: lock_canonicals
-- ?1: [id, …] sorted. SQLite serialises writers already; PostgreSQL locks rows in id order.
SELECT id FROM canonical_products WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id;

-- name: add_product_counts
-- ?1: [{id, delta}]
UPDATE canonical_products
SET product_count = product_count + json_extract(x.value, '$.delta'),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM json_each(?1) AS x
WHERE canonical_products.id = json_extract(x.value, '$.id');

-- name: enqueue_matches
-- ?1: [store product id, …]; a product already queued keeps its place and state.
INSERT INTO match_queue (store_product_id)
SELECT value FROM json_each(?1) WHERE true
ON CONFLICT (store_product_id) DO NOTHING;

-- name: get_store_by_api_key_hash
SELECT id, name FROM stores WHERE api_key_hash = ?1;

-- Match queue. A claim is one statement; SQLite serialises writers, so no two workers
-- can take the same item. `attempts` doubles as the fencing token of a lease.

-- name: claim_matches
-- ?1: how many, ?2: lease in seconds. Pending items, and items whose lease ran out.
UPDATE match_queue
SET status = 'processing', attempts = attempts + 1,
    lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+' || ?2 || ' seconds'),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id IN (
    SELECT id FROM match_queue
    WHERE status = 'pending'
       OR (status = 'processing' AND lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ORDER BY id LIMIT ?1)
RETURNING id, store_product_id, status, attempts, confidence, candidates, last_error;

-- name: finish_match
-- ?1 id, ?2 attempts (fence), ?3 status, ?4 confidence, ?5 candidates JSON.
UPDATE match_queue
SET status = ?3, confidence = ?4, candidates = ?5, lease_expires_at = NULL, last_error = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND attempts = ?2 AND status = 'processing'
RETURNING id;

-- name: fail_match
-- ?1 id, ?2 attempts (fence), ?3 error, ?4 attempts allowed.
UPDATE match_queue
SET status = CASE WHEN attempts >= ?4 THEN 'failed' ELSE 'pending' END,
    last_error = ?3, lease_expires_at = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1 AND attempts = ?2 AND status = 'processing'
RETURNING status;

-- name: set_match_status
-- ?1 store product id, ?2 status, ?3 confidence.
UPDATE store_products
SET match_status = ?2, match_confidence = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1;

-- name: get_match_item
SELECT id, store_product_id, status, attempts, confidence, candidates, last_error
FROM match_queue WHERE id = ?1;

-- name: get_match_item_for_product
SELECT id, store_product_id, status, attempts, confidence, candidates, last_error
FROM match_queue WHERE store_product_id = ?1;

-- name: close_match_item
-- A human decided: ?1 id, ?2 status.
UPDATE match_queue
SET status = ?2, lease_expires_at = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?1;

-- name: queue_counts
SELECT status, count(*) FROM match_queue GROUP BY status ORDER BY status;

-- name: claimable_count
SELECT count(*) FROM match_queue
WHERE status = 'pending'
   OR (status = 'processing' AND lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- name: unlinked_products
-- For migrate-canonical: ?1 after this id, ?2 how many.
SELECT sp.id, sp.store_id, s.name AS store_name, sp.external_id, sp.upc, sp.gtin, sp.name,
       sp.brand, sp.image_url, sp.canonical_product_id, sp.use_custom_image, sp.match_status,
       sp.match_confidence, sp.image_fetch_error
FROM store_products sp JOIN stores s ON s.id = sp.store_id
WHERE sp.canonical_product_id IS NULL AND sp.id > ?1
ORDER BY sp.id LIMIT ?2;

-- name: count_unlinked_products
SELECT count(*) FROM store_products WHERE canonical_product_id IS NULL;

-- name: store_has_link
-- Does the store sell another product already linked to this canonical product?
SELECT EXISTS (SELECT 1 FROM store_products
               WHERE canonical_product_id = ?2 AND store_id = ?1 AND id <> ?3);

-- Image management.

-- name: find_canonical_image_by_hash
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order, placeholder
FROM product_images WHERE canonical_product_id = ?1 AND content_hash = ?2;

-- name: find_custom_image_by_hash
SELECT id, content_hash, width, height, has_alpha, byte_size, media_type,
       canonical_product_id, store_product_id, is_primary, sort_order, placeholder
FROM product_images WHERE store_product_id = ?1 AND content_hash = ?2;

-- name: reorder_images
-- ?1: [{id, sort_order}]
UPDATE product_images
SET sort_order = json_extract(x.value, '$.sort_order')
FROM json_each(?1) AS x
WHERE product_images.id = json_extract(x.value, '$.id');

-- name: delete_image
DELETE FROM product_images WHERE id = ?1;

-- name: promote_first_canonical
UPDATE product_images SET is_primary = 1
WHERE id = (SELECT id FROM product_images WHERE canonical_product_id = ?1
            ORDER BY sort_order, id LIMIT 1);

-- name: promote_first_custom
UPDATE product_images SET is_primary = 1
WHERE id = (SELECT id FROM product_images WHERE store_product_id = ?1
            ORDER BY sort_order, id LIMIT 1);

-- name: count_images_with_hash
SELECT count(*) FROM product_images WHERE content_hash = ?1;

-- name: set_image_fetch_error
UPDATE store_products SET image_fetch_error = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1;
