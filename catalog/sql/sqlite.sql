-- Named queries for the SQLite catalog. Every name here exists in each dialect's file with
-- the same named parameters (:store_id …), numbered at load time (see catalog/queries.py).
-- Columns are read by name: alias every computed one.

-- name: ping
SELECT 1 AS ok;

-- name: create_store
INSERT INTO stores (name, api_key_hash) VALUES (:name, :api_key_hash) RETURNING id, name;

-- name: get_store_by_name
SELECT id, name FROM stores WHERE name = :name;

-- name: get_store_by_api_key_hash
SELECT id, name FROM stores WHERE api_key_hash = :api_key_hash;

-- name: list_stores
-- Every store with its product count and when its sync last pushed a batch.
SELECT s.id, s.name, s.created_at, s.last_sync_at, s.api_key_hash IS NOT NULL AS has_key,
       (SELECT count(*) FROM store_products sp WHERE sp.store_id = s.id) AS product_count
FROM stores s
ORDER BY s.name, s.id;

-- name: set_store_key
-- A new key hash (rotate) or NULL (revoke): the old key stops working with the commit.
UPDATE stores SET api_key_hash = :api_key_hash WHERE id = :store_id RETURNING id, name;

-- name: add_key_event
-- The audit trail (never the key): created, rotated or revoked, and who did it.
INSERT INTO store_key_events (store_id, action, actor) VALUES (:store_id, :action, :actor);

-- name: list_key_events
-- Newest first; one store's (:store_id) or every store's (NULL).
SELECT e.id, e.store_id, s.name AS store_name, e.action, e.actor, e.at
FROM store_key_events e JOIN stores s ON s.id = e.store_id
WHERE :store_id IS NULL OR e.store_id = :store_id
ORDER BY e.id DESC
LIMIT :limit;

-- name: migrations_table_present
-- 1 once `migrate` has run at all (it creates schema_migrations), else 0.
SELECT count(*) AS present FROM sqlite_master
WHERE type = 'table' AND name = 'schema_migrations';

-- name: applied_migrations
SELECT version FROM schema_migrations;

-- name: touch_store_sync
UPDATE stores SET last_sync_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = :store_id;

-- name: create_canonical_product
INSERT INTO canonical_products (gtin, name, normalized_name, brand)
VALUES (:gtin, :name, :normalized_name, :brand)
RETURNING id, gtin, name, normalized_name, brand, image_count, product_count, provisional,
          store_named;

-- name: create_provisional_canonicals
-- The matcher's canonical products for name-only products nobody else had (no GTIN):
-- :products: [{name, normalized_name, brand}, …],
-- ids given in that order; each row comes back with its normalized_name and brand (the
-- caller makes one per distinct pair of them and finds its own by those).
INSERT INTO canonical_products (gtin, name, normalized_name, brand, provisional)
SELECT NULL, json_extract(x.value, '$.name'), json_extract(x.value, '$.normalized_name'),
       json_extract(x.value, '$.brand'), 1
FROM json_each(:products) AS x
ORDER BY x.key
RETURNING id, normalized_name, brand;

-- name: get_canonical_product
SELECT id, gtin, name, normalized_name, brand, image_count, product_count, provisional,
       store_named
FROM canonical_products WHERE id = :canonical_id;

-- name: get_canonical_products
-- :canonical_ids: [id, …]
SELECT id, gtin, name, normalized_name, brand, image_count, product_count, provisional,
       store_named
FROM canonical_products WHERE id IN (SELECT value FROM json_each(:canonical_ids));

-- name: get_canonical_product_by_gtin
SELECT id, gtin, name, normalized_name, brand, image_count, product_count, provisional,
       store_named
FROM canonical_products WHERE gtin = :gtin;

-- name: upsert_store_product
INSERT INTO store_products (store_id, external_id, upc, gtin, name, brand, image_url)
VALUES (:store_id, :external_id, :upc, :gtin, :name, :brand, :image_url)
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING id;

-- name: get_store_product
SELECT * FROM store_product_rows WHERE id = :product_id;

-- name: get_store_products
-- :product_ids: [id, …]
SELECT * FROM store_product_rows WHERE id IN (SELECT value FROM json_each(:product_ids));

-- name: list_store_product_ids
SELECT id FROM store_products WHERE store_id = :store_id ORDER BY id LIMIT :limit;

-- name: search_store_products
-- The console's product list: a page by id of the products matching every filter given
-- (NULL: no filter), each with the total matched and the hash of the primary image it
-- shows (NULL: none; the rule of resolve_product). :pattern is a LIKE pattern of the
-- text (NULL: no text filter; SQLite's LIKE folds ASCII case only), :text the raw
-- barcode, :gtin its normalized GTIN.
SELECT r.*, page.total,
       COALESCE(
           (SELECT c.content_hash FROM product_images c
            WHERE r.use_custom_image = 1 AND c.store_product_id = r.id AND c.is_primary = 1),
           (SELECT p.content_hash FROM product_images p
            WHERE p.canonical_product_id = r.canonical_product_id AND p.is_primary = 1)
       ) AS shown_hash
FROM (
    SELECT sp.id, count(*) OVER () AS total
    FROM store_products sp
    WHERE (:store_id IS NULL OR sp.store_id = :store_id)
      AND (:status IS NULL OR sp.match_status = :status)
      AND (:linked IS NULL OR (sp.canonical_product_id IS NOT NULL) = :linked)
      AND (:pattern IS NULL OR sp.name LIKE :pattern ESCAPE '\'
           OR sp.upc = :text OR sp.gtin = :gtin)
      AND (:image IS NULL
           OR (:image = 'custom' AND sp.use_custom_image = 1)
           OR (:image = 'none'
               AND NOT (sp.use_custom_image = 1 AND EXISTS (
                   SELECT 1 FROM product_images c WHERE c.store_product_id = sp.id))
               AND NOT EXISTS (
                   SELECT 1 FROM product_images p
                   WHERE p.canonical_product_id = sp.canonical_product_id
                     AND p.is_primary = 1)))
    ORDER BY sp.id
    LIMIT :limit OFFSET :offset
) page
JOIN store_product_rows r ON r.id = page.id
ORDER BY r.id;

-- name: link_store_product
UPDATE store_products
SET canonical_product_id = :canonical_id, match_status = :status,
    match_confidence = :confidence, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :product_id;

-- name: set_use_custom_image
UPDATE store_products
SET use_custom_image = :use_custom_image, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :product_id
RETURNING id;

-- name: set_image_fetch_error
UPDATE store_products
SET image_fetch_error = :error, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :product_id;

-- name: resolve_product
-- Every image the product shows, primary first (at most 100,
-- catalog.models.GALLERY_LIMIT): its custom images when the
-- override is on and it has some, else its canonical product's.
SELECT sp.id AS product_id, sp.canonical_product_id, img.id AS image_id, img.content_hash,
       img.width, img.height, img.has_alpha, img.store_product_id IS NOT NULL AS is_custom
FROM store_products sp
LEFT JOIN product_images img ON img.id IN (
    SELECT c.id FROM product_images c
    WHERE sp.use_custom_image = 1 AND c.store_product_id = sp.id
    UNION ALL
    SELECT p.id FROM product_images p
    WHERE p.canonical_product_id = sp.canonical_product_id
      AND NOT (sp.use_custom_image = 1 AND EXISTS (
          SELECT 1 FROM product_images x WHERE x.store_product_id = sp.id)))
WHERE sp.id = :product_id
ORDER BY img.is_primary DESC, img.sort_order, img.id
LIMIT 100;

-- name: resolve_products
-- resolve_product for many products at once (:product_ids: [id, …]): the same rows,
-- by product, each gallery cut at 100; products that do not exist give no row.
SELECT product_id, canonical_product_id, image_id, content_hash, width, height, has_alpha,
       is_custom
FROM (
    SELECT sp.id AS product_id, sp.canonical_product_id, img.id AS image_id,
           img.content_hash, img.width, img.height, img.has_alpha,
           img.store_product_id IS NOT NULL AS is_custom, img.is_primary, img.sort_order,
           ROW_NUMBER() OVER (
               PARTITION BY sp.id ORDER BY img.is_primary DESC, img.sort_order, img.id
           ) AS n
    FROM store_products sp
    LEFT JOIN product_images img ON img.id IN (
        SELECT c.id FROM product_images c
        WHERE sp.use_custom_image = 1 AND c.store_product_id = sp.id
        UNION ALL
        SELECT p.id FROM product_images p
        WHERE p.canonical_product_id = sp.canonical_product_id
          AND NOT (sp.use_custom_image = 1 AND EXISTS (
              SELECT 1 FROM product_images x WHERE x.store_product_id = sp.id)))
    WHERE sp.id IN (SELECT value FROM json_each(:product_ids))
)
WHERE n <= 100
ORDER BY product_id, is_primary DESC, sort_order, image_id;

-- name: get_picture_facts
-- :pairs: [[product id, image id], …]: each product's name and that image's placeholder.
SELECT sp.id AS product_id, sp.name, img.placeholder
FROM json_each(:pairs) AS pair
JOIN store_products sp ON sp.id = json_extract(pair.value, '$[0]')
LEFT JOIN product_images img ON img.id = json_extract(pair.value, '$[1]');

-- name: get_meta
SELECT value FROM catalog_meta WHERE key = :key;

-- name: set_meta
INSERT INTO catalog_meta (key, value) VALUES (:key, :value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: search_canonical_candidates
-- :query is an FTS5 expression of quoted trigram-able tokens (see SQLiteConnector).
SELECT c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count, c.product_count,
       c.provisional, c.store_named,
       -bm25(canonical_products_fts) AS score
FROM canonical_products_fts
JOIN canonical_products c ON c.id = canonical_products_fts.rowid
WHERE canonical_products_fts MATCH :query
ORDER BY bm25(canonical_products_fts), c.id
LIMIT :limit;

-- name: sqlite_count_code_products
-- How many canonical products carry :code (an FTS5 phrase of one compacted model code,
-- migration 0011) in their compact name, counted only up to :cap.
SELECT count(*) AS products FROM (
    SELECT 1 FROM canonical_compact_names_fts WHERE canonical_compact_names_fts MATCH :code
    LIMIT :cap
);

-- name: sqlite_search_canonical_candidates_by_codes
-- The canonical products whose compact name carries one of the codes of :query (an FTS5
-- expression of quoted compacted codes, see SQLiteConnector), best :limit by bm25.
SELECT c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count, c.product_count,
       c.provisional, c.store_named,
       -bm25(canonical_compact_names_fts) AS score
FROM canonical_compact_names_fts
JOIN canonical_products c ON c.id = canonical_compact_names_fts.rowid
WHERE canonical_compact_names_fts MATCH :query
ORDER BY bm25(canonical_compact_names_fts), c.id
LIMIT :limit;

-- Images. An owner is a canonical product or (custom) one store product: each query
-- about "the owner's images" exists once per kind, `:owner_id` naming the owner.

-- name: insert_image
INSERT INTO product_images (content_hash, width, height, has_alpha, byte_size, media_type,
                            canonical_product_id, store_product_id, is_primary, sort_order,
                            placeholder)
VALUES (:content_hash, :width, :height, :has_alpha, :byte_size, :media_type,
        :canonical_product_id, :store_product_id, :is_primary, :sort_order, :placeholder)
RETURNING id;

-- name: get_image
SELECT * FROM product_image_rows WHERE id = :image_id;

-- name: list_canonical_images
SELECT * FROM product_image_rows WHERE canonical_product_id = :owner_id
ORDER BY is_primary DESC, sort_order, id;

-- name: list_custom_images
SELECT * FROM product_image_rows WHERE store_product_id = :owner_id
ORDER BY is_primary DESC, sort_order, id;

-- name: find_canonical_image_by_hash
SELECT * FROM product_image_rows
WHERE canonical_product_id = :owner_id AND content_hash = :content_hash;

-- name: find_custom_image_by_hash
SELECT * FROM product_image_rows
WHERE store_product_id = :owner_id AND content_hash = :content_hash;

-- name: next_canonical_sort_order
SELECT coalesce(max(sort_order) + 1, 0) AS next_order, count(*) AS existing
FROM product_images WHERE canonical_product_id = :owner_id;

-- name: next_custom_sort_order
SELECT coalesce(max(sort_order) + 1, 0) AS next_order, count(*) AS existing
FROM product_images WHERE store_product_id = :owner_id;

-- name: clear_canonical_primary
UPDATE product_images SET is_primary = 0
WHERE canonical_product_id = :owner_id AND is_primary = 1;

-- name: clear_custom_primary
UPDATE product_images SET is_primary = 0 WHERE store_product_id = :owner_id AND is_primary = 1;

-- name: promote_first_canonical
UPDATE product_images SET is_primary = 1
WHERE id = (SELECT id FROM product_images WHERE canonical_product_id = :owner_id
            ORDER BY sort_order, id LIMIT 1);

-- name: promote_first_custom
UPDATE product_images SET is_primary = 1
WHERE id = (SELECT id FROM product_images WHERE store_product_id = :owner_id
            ORDER BY sort_order, id LIMIT 1);

-- name: set_image_primary
UPDATE product_images SET is_primary = :is_primary WHERE id = :image_id;

-- name: refresh_image_count
UPDATE canonical_products
SET image_count = (SELECT count(*) FROM product_images
                   WHERE canonical_product_id = :canonical_id),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :canonical_id;

-- name: reorder_images
-- :order: [{id, sort_order}]
UPDATE product_images
SET sort_order = json_extract(x.value, '$.sort_order')
FROM json_each(:order) AS x
WHERE product_images.id = json_extract(x.value, '$.id');

-- name: delete_image
DELETE FROM product_images WHERE id = :image_id;

-- name: count_images_with_hash
SELECT count(*) AS count FROM product_images WHERE content_hash = :content_hash;

-- name: referenced_hashes
-- :hashes: ["sha256", …]; those any image references (the originals sweep's check).
SELECT DISTINCT content_hash FROM product_images
WHERE content_hash IN (SELECT value FROM json_each(:hashes));

-- Sync: set-based statements over a JSON array parameter (one statement per step, not
-- one per product). PostgreSQL reads the same JSON with jsonb_to_recordset.

-- name: sync_upsert_products
-- :items: [{external_id, upc, gtin, name, brand, image_url, model, mpn, category, size,
-- price, currency}], external ids unique.
-- RETURNING gives each row's link as it was before this sync (the upsert leaves it alone).
INSERT INTO store_products (store_id, external_id, upc, gtin, name, brand, image_url,
                            model, mpn, category, size, price, currency)
SELECT :store_id, json_extract(value, '$.external_id'), json_extract(value, '$.upc'),
       json_extract(value, '$.gtin'), json_extract(value, '$.name'),
       json_extract(value, '$.brand'), json_extract(value, '$.image_url'),
       json_extract(value, '$.model'), json_extract(value, '$.mpn'),
       json_extract(value, '$.category'), json_extract(value, '$.size'),
       json_extract(value, '$.price'), json_extract(value, '$.currency')
FROM json_each(:items) WHERE true
ORDER BY 2
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, model = excluded.model, mpn = excluded.mpn,
    category = excluded.category, size = excluded.size, price = excluded.price,
    currency = excluded.currency, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING id, external_id, canonical_product_id, match_status;

-- name: sync_create_canonicals
-- :items: [{gtin, name, normalized_name, brand}]; an existing GTIN wins (one per GTIN).
-- Named after the first store's own title (store_named) until a curator edits it.
INSERT INTO canonical_products (gtin, name, normalized_name, brand, store_named)
SELECT json_extract(value, '$.gtin'), json_extract(value, '$.name'),
       json_extract(value, '$.normalized_name'), json_extract(value, '$.brand'), 1
FROM json_each(:items) WHERE true
ON CONFLICT (gtin) DO NOTHING
RETURNING id, gtin;

-- name: canonical_ids_by_gtin
-- :gtins: ["gtin", …]
SELECT id, gtin FROM canonical_products WHERE gtin IN (SELECT value FROM json_each(:gtins));

-- name: sync_link_products
-- :links: [{id, canonical_id}]
UPDATE store_products
SET canonical_product_id = json_extract(x.value, '$.canonical_id'), match_status = 'linked',
    match_confidence = 100.0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM json_each(:links) AS x
WHERE store_products.id = json_extract(x.value, '$.id');

-- name: lock_canonicals
-- :ids: [id, …] sorted. SQLite serialises writers already; PostgreSQL locks rows in order.
-- Returns the ids that exist.
SELECT id FROM canonical_products WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id;

-- name: lock_canonicals_to_delete
-- :ids: [id, …] sorted; as lock_canonicals.
SELECT id FROM canonical_products WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id;

-- name: current_links
-- :product_ids: [id, …]
SELECT id, canonical_product_id FROM store_products
WHERE id IN (SELECT value FROM json_each(:product_ids));

-- name: sync_current_links
-- :external_ids: [external id, …] of :store_id.
SELECT external_id, canonical_product_id FROM store_products
WHERE store_id = :store_id AND external_id IN (SELECT value FROM json_each(:external_ids));

-- name: add_product_counts
-- :deltas: [{id, delta}]
UPDATE canonical_products
SET product_count = product_count + json_extract(x.value, '$.delta'),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM json_each(:deltas) AS x
WHERE canonical_products.id = json_extract(x.value, '$.id');

-- name: enqueue_matches
-- :product_ids: [store product id, …]; a product already queued keeps its place and state.
INSERT INTO match_queue (store_product_id)
SELECT value FROM json_each(:product_ids) WHERE true
ON CONFLICT (store_product_id) DO NOTHING;

-- Match queue. A claim is one statement; SQLite serialises writers, so no two workers
-- can take the same item. `attempts` doubles as the fencing token of a lease.

-- name: claim_matches
-- Pending items, and items whose lease ran out. :now is the database's clock unless given.
UPDATE match_queue
SET status = 'processing', attempts = attempts + 1,
    lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', coalesce(:now, 'now'),
                                '+' || :lease_s || ' seconds'),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id IN (
    SELECT id FROM match_queue
    WHERE status = 'pending'
       OR (status = 'processing'
           AND lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', coalesce(:now, 'now')))
    ORDER BY id LIMIT :limit)
RETURNING id, store_product_id, status, attempts, confidence, candidates, last_error;

-- name: finish_match
-- :attempts fences the lease; :candidates is JSON.
UPDATE match_queue
SET status = :status, confidence = :confidence, candidates = :candidates,
    lease_expires_at = NULL, last_error = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :item_id AND attempts = :attempts AND status = 'processing'
RETURNING id;

-- name: lock_match_items
-- :item_ids: [id, …]. SQLite serialises writers already; PostgreSQL locks rows in order.
SELECT id FROM match_queue WHERE id IN (SELECT value FROM json_each(:item_ids)) ORDER BY id;

-- name: finish_matches
-- finish_match for many: :outcomes: [{item_id, attempts, status, confidence, candidates}]
-- (candidates a JSON text); each row's :attempts fences its own lease. Returns the items
-- recorded (the others were lost to another worker).
UPDATE match_queue
SET status = json_extract(x.value, '$.status'),
    confidence = json_extract(x.value, '$.confidence'),
    candidates = json_extract(x.value, '$.candidates'),
    lease_expires_at = NULL, last_error = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM json_each(:outcomes) AS x
WHERE match_queue.id = json_extract(x.value, '$.item_id')
  AND match_queue.attempts = json_extract(x.value, '$.attempts')
  AND match_queue.status = 'processing'
RETURNING match_queue.id AS id;

-- name: lock_store_products
-- :product_ids: [id, …]. SQLite serialises writers; returns each product's link now.
SELECT id, canonical_product_id FROM store_products
WHERE id IN (SELECT value FROM json_each(:product_ids))
ORDER BY store_id, external_id;

-- name: set_match_outcomes
-- :products: [{id, relink, canonical_id, status, confidence}]: a worker's outcomes; the
-- link changes only where `relink`.
UPDATE store_products
SET canonical_product_id = CASE WHEN json_extract(x.value, '$.relink')
                                THEN json_extract(x.value, '$.canonical_id')
                                ELSE store_products.canonical_product_id END,
    match_status = json_extract(x.value, '$.status'),
    match_confidence = json_extract(x.value, '$.confidence'),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM json_each(:products) AS x
WHERE store_products.id = json_extract(x.value, '$.id');

-- name: fail_match
-- :attempts fences the lease; :max_attempts used, the item has failed for good.
UPDATE match_queue
SET status = CASE WHEN attempts >= :max_attempts THEN 'failed' ELSE 'pending' END,
    last_error = :error, lease_expires_at = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :item_id AND attempts = :attempts AND status = 'processing'
RETURNING status;

-- name: set_match_status
UPDATE store_products
SET match_status = :status, match_confidence = :confidence,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :product_id;

-- name: get_match_item
SELECT id, store_product_id, status, attempts, confidence, candidates, last_error
FROM match_queue WHERE id = :item_id;

-- name: get_match_item_for_product
SELECT id, store_product_id, status, attempts, confidence, candidates, last_error
FROM match_queue WHERE store_product_id = :product_id;

-- name: close_match_item
-- A human decided.
UPDATE match_queue
SET status = :status, lease_expires_at = NULL,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :item_id;

-- name: queue_counts
SELECT status, count(*) AS count FROM match_queue GROUP BY status ORDER BY status;

-- name: outstanding_count
-- Items not finished: pending, or processing under a lease (live or run out).
SELECT count(*) AS count FROM match_queue WHERE status IN ('pending', 'processing');

-- name: claimable_count
SELECT count(*) AS count FROM match_queue
WHERE status = 'pending'
   OR (status = 'processing'
       AND lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', coalesce(:now, 'now')));

-- The review queue: what the matcher left for a person. An item waits while it is
-- suggested or in review and its product is unlinked, or linked only to a provisional
-- canonical product (the one the matcher made for a product nobody else had); a GTIN
-- link from a later sync, or a curator's merge into a confirmed product, settles it.
-- review_items and count_review_items hold the same condition.

-- name: review_items
-- Oldest first (keyset after :after_id); one store's, or (:store_id NULL) every store's.
SELECT q.id AS item_id, q.status AS item_status, q.attempts AS item_attempts,
       q.confidence AS item_confidence, q.candidates AS item_candidates,
       q.last_error AS item_last_error, q.updated_at AS item_waiting_since, sp.*
FROM match_queue q
JOIN store_product_rows sp ON sp.id = q.store_product_id
LEFT JOIN canonical_products c ON c.id = sp.canonical_product_id
WHERE q.status IN ('suggested', 'review') AND q.id > :after_id
  AND (:store_id IS NULL OR sp.store_id = :store_id)
  AND (sp.canonical_product_id IS NULL OR c.provisional = 1)
ORDER BY q.id
LIMIT :limit;

-- name: count_review_items
SELECT count(*) AS count
FROM match_queue q
JOIN store_products sp ON sp.id = q.store_product_id
LEFT JOIN canonical_products c ON c.id = sp.canonical_product_id
WHERE q.status IN ('suggested', 'review')
  AND (:store_id IS NULL OR sp.store_id = :store_id)
  AND (sp.canonical_product_id IS NULL OR c.provisional = 1);

-- name: canonical_primaries
-- :canonical_ids: [id, …]: each one's primary image and the first store product showing
-- it (linked, its own override off). Ids with no primary or no such product are left out.
SELECT shown.canonical_product_id, shown.content_hash, shown.product_id
FROM (SELECT img.canonical_product_id, img.content_hash,
             (SELECT min(sp.id) FROM store_products sp
              WHERE sp.canonical_product_id = img.canonical_product_id
                AND sp.use_custom_image = 0) AS product_id
      FROM product_images img
      WHERE img.is_primary = 1
        AND img.canonical_product_id IN (SELECT value FROM json_each(:canonical_ids))) shown
WHERE shown.product_id IS NOT NULL;

-- name: unlinked_products
-- For migrate-canonical: keyset paging after :after_id.
SELECT * FROM store_product_rows
WHERE canonical_product_id IS NULL AND id > :after_id
ORDER BY id LIMIT :limit;

-- name: count_unlinked_products
SELECT count(*) AS count FROM store_products WHERE canonical_product_id IS NULL;

-- name: store_has_link
-- Does the store sell another product already linked to this canonical product?
SELECT EXISTS (SELECT 1 FROM store_products
               WHERE canonical_product_id = :canonical_id AND store_id = :store_id
                 AND id <> :except_id) AS linked;

-- name: store_links
-- store_has_link for many: :questions: [{store_id, canonical_id, except_id}]; returns
-- those answered yes.
SELECT json_extract(x.value, '$.store_id') AS store_id,
       json_extract(x.value, '$.canonical_id') AS canonical_id,
       json_extract(x.value, '$.except_id') AS except_id
FROM json_each(:questions) AS x
WHERE EXISTS (SELECT 1 FROM store_products sp
              WHERE sp.canonical_product_id = json_extract(x.value, '$.canonical_id')
                AND sp.store_id = json_extract(x.value, '$.store_id')
                AND sp.id <> json_extract(x.value, '$.except_id'));

-- name: canonical_prices
-- The price range per currency of the store products linked to each of :ids (a JSON
-- array of canonical ids): the matcher's price reference.
SELECT sp.canonical_product_id AS canonical_id, sp.currency, min(sp.price) AS low,
       max(sp.price) AS high, count(*) AS count
FROM store_products sp
WHERE sp.canonical_product_id IN (SELECT value FROM json_each(:ids))
  AND sp.price IS NOT NULL AND sp.currency IS NOT NULL
GROUP BY sp.canonical_product_id, sp.currency
ORDER BY sp.canonical_product_id, sp.currency;

-- Merging one canonical product into another (a curator's decision).

-- name: move_canonical_links
UPDATE store_products SET canonical_product_id = :target_id, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE canonical_product_id = :source_id
RETURNING id;

-- name: delete_duplicate_canonical_images
-- The source's images whose bytes the target already has.
DELETE FROM product_images
WHERE canonical_product_id = :source_id
  AND content_hash IN (SELECT content_hash FROM product_images
                       WHERE canonical_product_id = :target_id);

-- name: move_canonical_images
-- After the target's own (:offset is its next sort order); never its primary.
UPDATE product_images
SET canonical_product_id = :target_id, is_primary = 0, sort_order = sort_order + :offset
WHERE canonical_product_id = :source_id;

-- name: delete_canonical
DELETE FROM canonical_products WHERE id = :canonical_id;

-- Curator repair of canonical products.

-- name: rename_canonical
UPDATE canonical_products
SET name = :name, normalized_name = :normalized_name, brand = :brand, store_named = 0,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :canonical_id
RETURNING id, gtin, name, normalized_name, brand, image_count, product_count, provisional,
          store_named;

-- name: count_canonical_links
SELECT count(*) AS count FROM store_products WHERE canonical_product_id = :canonical_id;

-- name: merge_canonical_facts
-- The target keeps its GTIN or takes the source's; it stays provisional only if both were.
UPDATE canonical_products
SET gtin = coalesce(gtin, :gtin), provisional = (provisional AND :provisional),
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = :target_id;

-- name: list_canonical_products
-- Keyset paging by id; :provisional (:store_named) NULL lists all, else only those with
-- that flag.
SELECT id, gtin, name, normalized_name, brand, image_count, product_count, provisional,
       store_named
FROM canonical_products
WHERE id > :after_id AND (:provisional IS NULL OR provisional = :provisional)
  AND (:store_named IS NULL OR store_named = :store_named)
ORDER BY id
LIMIT :limit;

-- Dashboard figures (GET /api/stats, the /metrics gauges): a few aggregate statements.
-- :store_id NULL is the whole marketplace, else one store's products (a product shares
-- its images when a product of any other store shows the same canonical product's).

-- name: stats_products
-- What each product shows (its custom images, its canonical product's, none), how it
-- was matched, and the bytes its shown images would take if it kept its own copies.
WITH shows AS (
    SELECT sp.id, sp.store_id, sp.match_status, sp.canonical_product_id,
           c.provisional AS provisional,
           sp.gtin IS NOT NULL AND sp.gtin = c.gtin AS by_barcode,
           CASE WHEN sp.use_custom_image = 1 AND EXISTS (
                    SELECT 1 FROM product_images x WHERE x.store_product_id = sp.id)
                THEN 'custom'
                WHEN EXISTS (SELECT 1 FROM product_images x
                             WHERE x.canonical_product_id = sp.canonical_product_id)
                THEN 'canonical'
                ELSE 'none' END AS shown
    FROM store_products sp
    LEFT JOIN canonical_products c ON c.id = sp.canonical_product_id
),
shared AS (
    SELECT canonical_product_id FROM shows WHERE shown = 'canonical'
    GROUP BY canonical_product_id HAVING count(DISTINCT store_id) > 1
),
mine AS (SELECT * FROM shows WHERE :store_id IS NULL OR store_id = :store_id),
canonical_bytes AS (
    SELECT canonical_product_id, sum(byte_size) AS bytes FROM product_images
    WHERE canonical_product_id IN (SELECT canonical_product_id FROM mine WHERE shown = 'canonical')
    GROUP BY canonical_product_id
)
SELECT count(*) AS products,
       coalesce(sum(CASE WHEN shown = 'canonical' AND canonical_product_id IN
                              (SELECT canonical_product_id FROM shared)
                         THEN 1 ELSE 0 END), 0) AS sharing,
       coalesce(sum(CASE WHEN shown = 'custom' THEN 1 ELSE 0 END), 0) AS custom_image,
       coalesce(sum(CASE WHEN shown = 'none' THEN 1 ELSE 0 END), 0) AS without_image,
       coalesce(sum(CASE WHEN match_status = 'linked' AND by_barcode
                         THEN 1 ELSE 0 END), 0) AS by_barcode,
       coalesce(sum(CASE WHEN match_status = 'linked' AND NOT coalesce(by_barcode, 0)
                              AND NOT provisional THEN 1 ELSE 0 END), 0) AS by_name,
       coalesce(sum(CASE WHEN match_status = 'linked' AND NOT coalesce(by_barcode, 0)
                              AND provisional THEN 1 ELSE 0 END), 0) AS provisional,
       coalesce(sum(CASE WHEN match_status = 'suggested' THEN 1 ELSE 0 END), 0) AS suggested,
       coalesce(sum(CASE WHEN match_status = 'review' THEN 1 ELSE 0 END), 0) AS review,
       coalesce(sum(CASE WHEN match_status = 'unmatched' THEN 1 ELSE 0 END), 0) AS unmatched,
       coalesce(sum(CASE WHEN match_status = 'rejected' THEN 1 ELSE 0 END), 0) AS rejected,
       coalesce((SELECT sum(b.bytes) FROM mine m JOIN canonical_bytes b
                 ON b.canonical_product_id = m.canonical_product_id
                 WHERE m.shown = 'canonical'), 0)
       + coalesce((SELECT sum(x.byte_size) FROM mine m JOIN product_images x
                   ON x.store_product_id = m.id WHERE m.shown = 'custom'), 0) AS per_store_bytes
FROM mine;

-- name: stats_stored_bytes
-- Originals are content-addressed: each distinct content hash is stored once.
SELECT coalesce(sum(byte_size), 0) AS stored_bytes
FROM (SELECT content_hash, max(byte_size) AS byte_size FROM product_images
      GROUP BY content_hash) AS originals;

-- name: stats_queue
-- The review queue (waiting for a person) and the matcher's backlog, oldest first.
SELECT coalesce(sum(CASE WHEN q.status IN ('suggested', 'review') THEN 1 ELSE 0 END), 0)
           AS review_depth,
       min(CASE WHEN q.status IN ('suggested', 'review') THEN q.created_at END)
           AS review_oldest_at,
       coalesce(sum(CASE WHEN q.status IN ('pending', 'processing') THEN 1 ELSE 0 END), 0)
           AS matcher_depth,
       min(CASE WHEN q.status IN ('pending', 'processing') THEN q.created_at END)
           AS matcher_oldest_at
FROM match_queue q JOIN store_products sp ON sp.id = q.store_product_id
WHERE :store_id IS NULL OR sp.store_id = :store_id;

-- Webhooks (change notifications) -----------------------------------------------------

-- name: webhook_mark_changes
-- :changes: ["p:<product>" | "c:<canonical>", …], in the writing transaction.
INSERT INTO webhook_changes (change) SELECT value FROM json_each(:changes);

-- name: webhook_claim_gate
-- SQLite has one writer at a time: no other claim can run beside this one.
SELECT 1 AS open;

-- name: webhook_claim_changes
-- Unclaimed changes and changes whose dispatcher's lease ran out, oldest first; nothing
-- while another dispatcher's lease is live: one dispatcher at a time, so two never
-- announce one product's versions out of order.
UPDATE webhook_changes SET claimed_until = :until
WHERE NOT EXISTS (SELECT 1 FROM webhook_changes WHERE claimed_until >= :now)
  AND id IN (
    SELECT id FROM webhook_changes
    WHERE claimed_until IS NULL OR claimed_until < :now
    ORDER BY id LIMIT :limit)
RETURNING id, change;

-- name: webhook_products
-- The products named, and every product linked to the canonical products named, with
-- what they were last announced as (`announced` false: never). Two indexed lookups
-- (a UNION, where an OR could scan every product).
SELECT sp.id, sp.store_id, sp.external_id,
       w.store_product_id IS NOT NULL AS announced, w.version AS announced_version
FROM store_products AS sp
LEFT JOIN webhook_shown AS w ON w.store_product_id = sp.id
WHERE sp.id IN (
    SELECT id FROM store_products WHERE id IN (SELECT value FROM json_each(:product_ids))
    UNION
    SELECT id FROM store_products WHERE canonical_product_id IN (SELECT value FROM json_each(:canonical_ids)))
ORDER BY sp.id;

-- name: webhook_delete_changes
DELETE FROM webhook_changes WHERE id IN (SELECT value FROM json_each(:ids));

-- name: webhook_set_shown
-- :shown: [{id, version}] (version null: no image).
INSERT INTO webhook_shown (store_product_id, version)
SELECT json_extract(value, '$.id'), json_extract(value, '$.version')
FROM json_each(:shown) WHERE true
ON CONFLICT (store_product_id) DO UPDATE SET version = excluded.version;

-- name: webhook_add_delivery
INSERT INTO webhook_deliveries (event_id, event_type, store_id, store_product_id, url,
                                store_endpoint, body, next_attempt_at, created_at)
VALUES (:event_id, :event_type, :store_id, :store_product_id, :url, :store_endpoint, :body,
        :now, :now);

-- name: webhook_claim_deliveries
-- Pending deliveries that are due; the claim counts the attempt and leases it until :until.
UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = :until
WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= :now
    ORDER BY next_attempt_at, id LIMIT :limit)
RETURNING id, event_id, event_type, store_id, store_product_id, url, store_endpoint, body, status,
          attempts,
          next_attempt_at, last_status_code, last_error, created_at, delivered_at;

-- name: webhook_finish_delivery
-- :attempts fences the claim: a delivery claimed again since (lease lost) is left alone.
UPDATE webhook_deliveries
SET status = :status, next_attempt_at = :next_attempt_at, last_status_code = :status_code,
    last_error = :error, delivered_at = :delivered_at
WHERE id = :delivery_id AND attempts = :attempts AND status = 'pending'
RETURNING id;

-- name: webhook_prune_deliveries
-- Finished deliveries created before :before (pending ones stay, however old).
DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < :before;

-- name: webhook_list_deliveries
-- Newest first, ids below :before_id (0: from the newest); one store's, or (NULL) all.
SELECT id, event_id, event_type, store_id, store_product_id, url, store_endpoint, body, status,
          attempts,
       next_attempt_at, last_status_code, last_error, created_at, delivered_at
FROM webhook_deliveries
WHERE (:store_id IS NULL OR store_id = :store_id)
  AND (:status IS NULL OR status = :status)
  AND (:before_id = 0 OR id < :before_id)
ORDER BY id DESC LIMIT :limit;

-- name: webhook_set_store_endpoint
INSERT INTO store_webhooks (store_id, url, secret) VALUES (:store_id, :url, :secret)
ON CONFLICT (store_id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
    created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING store_id, url, secret, created_at;

-- name: webhook_store_endpoints
-- :store_ids: [id, …]
SELECT store_id, url, secret, created_at FROM store_webhooks
WHERE store_id IN (SELECT value FROM json_each(:store_ids));

-- name: webhook_delete_store_endpoint
DELETE FROM store_webhooks WHERE store_id = :store_id RETURNING store_id;

-- Curators' decisions (match_decisions): what the matcher remembers of them.

-- name: record_match_decisions
-- :decisions: [{name, brand, canonical_id, confirmed, score, scorer, store_id, product_id}],
-- in order (the later of two on one pair counts); a canonical product gone meanwhile is
-- skipped (nothing can link to it any more).
INSERT INTO match_decisions (normalized_name, normalized_brand, canonical_product_id,
                             confirmed, score, scorer, store_id, store_product_id)
SELECT json_extract(x.value, '$.name'), json_extract(x.value, '$.brand'),
       json_extract(x.value, '$.canonical_id'), json_extract(x.value, '$.confirmed'),
       json_extract(x.value, '$.score'), json_extract(x.value, '$.scorer'),
       json_extract(x.value, '$.store_id'), json_extract(x.value, '$.product_id')
FROM json_each(:decisions) AS x
WHERE EXISTS (SELECT 1 FROM canonical_products c
              WHERE c.id = json_extract(x.value, '$.canonical_id'))
ORDER BY x.key;

-- name: remembered_decisions
-- The latest decision per (name, brand, canonical product) for each of :keys
-- ([{name, brand}], normalized), oldest first.
SELECT d.normalized_name AS name, d.normalized_brand AS brand,
       d.canonical_product_id AS canonical_id, d.confirmed, d.score, d.scorer
FROM match_decisions d
WHERE d.id IN (SELECT max(m.id)
               FROM json_each(:keys) AS k
               JOIN match_decisions m
                 ON m.normalized_name = json_extract(k.value, '$.name')
                AND m.normalized_brand = json_extract(k.value, '$.brand')
               GROUP BY m.normalized_name, m.normalized_brand, m.canonical_product_id)
ORDER BY d.id;

-- name: move_canonical_decisions
-- A merge: what people decided about the source holds for the target.
UPDATE match_decisions SET canonical_product_id = :target_id
WHERE canonical_product_id = :source_id;
