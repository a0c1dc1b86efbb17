-- Named queries for the PostgreSQL catalog (asyncpg). Every name here exists in each
-- dialect's file with the same named parameters (:store_id …), numbered $1, $2 … at load
-- time (see catalog/queries.py); a dialect's own helpers carry its prefix (pg_).
-- Columns are read by name: alias every computed one.
-- A JSON list of keys is matched as an array, `= ANY (ARRAY(SELECT …))`: the planner then
-- looks up exactly those keys in the index, where `IN (SELECT …)`, guessed at 100 rows,
-- had it hash-join a scan of the whole table (every sync batch read all of its store's
-- products: its time grew with the store).

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
WHERE :store_id::bigint IS NULL OR e.store_id = :store_id
ORDER BY e.id DESC
LIMIT :limit;

-- name: migrations_table_present
-- 1 once `migrate` has run at all (it creates schema_migrations), else 0.
SELECT (to_regclass('schema_migrations') IS NOT NULL)::int AS present;

-- name: applied_migrations
SELECT version FROM schema_migrations;

-- name: touch_store_sync
UPDATE stores SET last_sync_at = now() WHERE id = :store_id;

-- name: create_canonical_product
INSERT INTO canonical_products (gtin, name, normalized_name, brand)
VALUES (:gtin, :name, :normalized_name, :brand)
RETURNING id, gtin, name, normalized_name, brand, image_count, 0 AS product_count, provisional,
          store_named;

-- name: create_provisional_canonicals
-- The matcher's canonical products for name-only products nobody else had (no GTIN):
-- :products: [{name, normalized_name, brand}, …],
-- ids given in that order; each row comes back with its normalized_name and brand (the
-- caller makes one per distinct pair of them and finds its own by those).
INSERT INTO canonical_products (gtin, name, normalized_name, brand, provisional)
SELECT NULL, x.p ->> 'name', x.p ->> 'normalized_name', x.p ->> 'brand', true
FROM jsonb_array_elements(:products::jsonb) WITH ORDINALITY AS x(p, n)
ORDER BY x.n
RETURNING id, normalized_name, brand;

-- name: get_canonical_product
SELECT id, gtin, name, normalized_name, brand, image_count,
       canonical_product_count(id) AS product_count, provisional, store_named
FROM canonical_products WHERE id = :canonical_id;

-- name: get_canonical_products
-- :canonical_ids: [id, …]
SELECT id, gtin, name, normalized_name, brand, image_count,
       canonical_product_count(id) AS product_count, provisional, store_named
FROM canonical_products
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:canonical_ids::jsonb))::bigint));

-- name: get_canonical_product_by_gtin
SELECT id, gtin, name, normalized_name, brand, image_count,
       canonical_product_count(id) AS product_count, provisional, store_named
FROM canonical_products WHERE gtin = :gtin;

-- name: upsert_store_product
INSERT INTO store_products (store_id, external_id, upc, gtin, name, brand, image_url)
VALUES (:store_id, :external_id, :upc, :gtin, :name, :brand, :image_url)
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, updated_at = now()
RETURNING id;

-- name: get_store_product
SELECT * FROM store_product_rows WHERE id = :product_id;

-- name: get_store_products
-- :product_ids: [id, …]
SELECT * FROM store_product_rows
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:product_ids::jsonb))::bigint));

-- name: list_store_product_ids
SELECT id FROM store_products WHERE store_id = :store_id ORDER BY id LIMIT :limit;

-- name: search_store_products
-- The console's product list: a page by id of the products matching every filter given
-- (NULL: no filter), each with the total matched and the hash of the primary image it
-- shows (NULL: none; the rule of resolve_product). :pattern is an ILIKE pattern of the
-- text (NULL: no text filter), :text the raw barcode, :gtin its normalized GTIN.
SELECT r.*, page.total,
       COALESCE(
           (SELECT c.content_hash FROM product_images c
            WHERE r.use_custom_image AND c.store_product_id = r.id AND c.is_primary),
           (SELECT p.content_hash FROM product_images p
            WHERE p.canonical_product_id = r.canonical_product_id AND p.is_primary)
       ) AS shown_hash
FROM (
    SELECT sp.id, count(*) OVER () AS total
    FROM store_products sp
    WHERE (:store_id::bigint IS NULL OR sp.store_id = :store_id)
      AND (:status::text IS NULL OR sp.match_status = :status)
      AND (:linked::boolean IS NULL OR (sp.canonical_product_id IS NOT NULL) = :linked)
      AND (:pattern::text IS NULL OR sp.name ILIKE :pattern
           OR sp.upc = :text::text OR sp.gtin = :gtin::text)
      AND (:image::text IS NULL
           OR (:image = 'custom' AND sp.use_custom_image)
           OR (:image = 'none'
               AND NOT (sp.use_custom_image AND EXISTS (
                   SELECT 1 FROM product_images c WHERE c.store_product_id = sp.id))
               AND NOT EXISTS (
                   SELECT 1 FROM product_images p
                   WHERE p.canonical_product_id = sp.canonical_product_id AND p.is_primary)))
    ORDER BY sp.id
    LIMIT :limit OFFSET :offset
) page
JOIN store_product_rows r ON r.id = page.id
ORDER BY r.id;

-- name: link_store_product
UPDATE store_products
SET canonical_product_id = :canonical_id, match_status = :status,
    match_confidence = :confidence, updated_at = now()
WHERE id = :product_id;

-- name: set_use_custom_image
UPDATE store_products
SET use_custom_image = :use_custom_image, updated_at = now()
WHERE id = :product_id
RETURNING id;

-- name: set_image_fetch_error
UPDATE store_products SET image_fetch_error = :error, updated_at = now()
WHERE id = :product_id;

-- name: resolve_product
-- Every image the product shows, primary first (at most 100,
-- catalog.models.GALLERY_LIMIT): its custom images when the
-- override is on and it has some, else its canonical product's. Two index-friendly
-- branches, of which at most one yields rows.
SELECT sp.id AS product_id, sp.canonical_product_id, img.id AS image_id, img.content_hash,
       img.width, img.height, img.has_alpha, img.is_custom
FROM store_products sp
LEFT JOIN LATERAL (
    SELECT i.id, i.content_hash, i.width, i.height, i.has_alpha, i.is_primary, i.sort_order,
           i.is_custom
    FROM (
        SELECT c.id, c.content_hash, c.width, c.height, c.has_alpha, c.is_primary,
               c.sort_order, true AS is_custom
        FROM product_images c
        WHERE sp.use_custom_image AND c.store_product_id = sp.id
        UNION ALL
        SELECT p.id, p.content_hash, p.width, p.height, p.has_alpha, p.is_primary,
               p.sort_order, false
        FROM product_images p
        WHERE p.canonical_product_id = sp.canonical_product_id
          AND NOT (sp.use_custom_image AND EXISTS (
              SELECT 1 FROM product_images x WHERE x.store_product_id = sp.id))
    ) i
    ORDER BY i.is_primary DESC, i.sort_order, i.id
    LIMIT 100
) img ON true
WHERE sp.id = :product_id
ORDER BY img.is_primary DESC, img.sort_order, img.id;

-- name: resolve_products
-- resolve_product for many products at once (:product_ids: [id, …]): the same rows,
-- by product; products that do not exist give no row.
SELECT sp.id AS product_id, sp.canonical_product_id, img.id AS image_id, img.content_hash,
       img.width, img.height, img.has_alpha, img.is_custom
FROM store_products sp
LEFT JOIN LATERAL (
    SELECT i.id, i.content_hash, i.width, i.height, i.has_alpha, i.is_primary, i.sort_order,
           i.is_custom
    FROM (
        SELECT c.id, c.content_hash, c.width, c.height, c.has_alpha, c.is_primary,
               c.sort_order, true AS is_custom
        FROM product_images c
        WHERE sp.use_custom_image AND c.store_product_id = sp.id
        UNION ALL
        SELECT p.id, p.content_hash, p.width, p.height, p.has_alpha, p.is_primary,
               p.sort_order, false
        FROM product_images p
        WHERE p.canonical_product_id = sp.canonical_product_id
          AND NOT (sp.use_custom_image AND EXISTS (
              SELECT 1 FROM product_images x WHERE x.store_product_id = sp.id))
    ) i
    ORDER BY i.is_primary DESC, i.sort_order, i.id
    LIMIT 100
) img ON true
WHERE sp.id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:product_ids::jsonb))::bigint))
ORDER BY sp.id, img.is_primary DESC, img.sort_order, img.id;

-- name: get_picture_facts
-- :pairs: [[product id, image id], …]: each product's name and that image's placeholder.
SELECT sp.id AS product_id, sp.name, img.placeholder
FROM jsonb_array_elements(:pairs::jsonb) AS pair
JOIN store_products sp ON sp.id = (pair ->> 0)::bigint
LEFT JOIN product_images img ON img.id = (pair ->> 1)::bigint;

-- name: get_meta
SELECT value FROM catalog_meta WHERE key = :key;

-- name: set_meta
INSERT INTO catalog_meta (key, value) VALUES (:key, :value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: pg_set_similarity_threshold
-- For the rest of the transaction: the `%` operator's pg_trgm similarity threshold.
SELECT set_config('pg_trgm.similarity_threshold', :threshold, true);

-- name: search_canonical_candidates
-- Trigram similarity on the normalized name (GIN gin_trgm_ops index, `%` operator,
-- whose threshold pg_set_similarity_threshold sets).
SELECT id, gtin, name, normalized_name, brand, image_count,
       canonical_product_count(id) AS product_count, provisional, store_named,
       similarity(normalized_name, :query) AS score
FROM canonical_products
WHERE normalized_name % :query
ORDER BY score DESC, id
LIMIT :limit;

-- name: pg_set_search_without_jit
-- For the rest of the transaction: no JIT compilation. The word probe's plan is cheap,
-- but the planner cannot know how many products a word prefix brings and prices it
-- high enough to compile it (tens of milliseconds, for a statement of one or two).
SELECT set_config('jit', 'off', true);

-- name: pg_count_name_words
-- How many canonical products have a word starting with each of :words (a text[]) in
-- their normalized name (a store's `choc` finds `chocolate`), counted only up to :cap
-- (from the word counts of migration 0018: one entry per distinct word of the range, at
-- most :cap of them, not one per product), whether a product has the word itself
-- (`known`) and whether one has a longer word starting with it (`longer`), and how many
-- canonical products there are (the planner's estimate: weights need no more).
SELECT w.word,
       least(coalesce(sum(k.products), 0), :cap)::bigint AS products,
       coalesce(bool_or(k.word = w.word), false) AS known,
       coalesce(bool_or(k.word > w.word), false) AS longer, (
    SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'canonical_products'::regclass
) AS catalog
FROM unnest(:words::text[]) WITH ORDINALITY AS w(word, position)
LEFT JOIN LATERAL imgedge_name_words_between(w.word, w.word || chr(1114111), :cap) AS k
    ON true
GROUP BY w.position, w.word;

-- name: pg_fold_name_words
-- The word counts' pending deltas folded into them (migration 0018), 20,000 at most,
-- unless another transaction is folding: keeps the deltas the counts are read with few.
-- Its own transaction (the matcher worker's, before it searches): searches only read.
SELECT imgedge_fold_name_words() AS folded;

-- name: pg_similar_name_words
-- For each of :words (a text[] of words no canonical name has: misspelt), up to
-- :alternatives known words that look like it (trigram similarity ≥ :threshold), among
-- the known words sharing its first two letters (a store's typo rarely hits them): the
-- first :scan distinct words of that range (the word counts of migration 0018).
SELECT u.word, s.similar
FROM unnest(:words::text[]) AS u(word)
CROSS JOIN LATERAL (
    SELECT k.word AS similar
    FROM (
        SELECT k.word COLLATE "C" AS word
        FROM imgedge_name_words_between(left(u.word, 2), left(u.word, 2) || chr(1114111), :scan) k
        ORDER BY 1
        LIMIT :scan
    ) k
    WHERE similarity(k.word, u.word) >= :threshold
    ORDER BY similarity(k.word, u.word) DESC, k.word
    LIMIT :alternatives
) s;

-- name: pg_name_words_one_edit_away
-- For each of :words (a text[] of words no canonical name has: misspelt), up to
-- :alternatives known words among its one-typo forms (:forms, parallel to :words, each
-- word's forms joined by '|'; catalog/name_words.py's one_edit_forms), likest first: one
-- index lookup per form, where a trigram comparison misses short words and typos in the
-- first two letters.
SELECT u.word, s.similar
FROM unnest(:words::text[], :forms::text[]) AS u(word, forms)
CROSS JOIN LATERAL (
    SELECT f.form AS similar
    FROM unnest(string_to_array(u.forms, '|')) AS f(form)
    WHERE EXISTS (SELECT FROM canonical_name_tokens t WHERE t.token = f.form)
    ORDER BY similarity(f.form, u.word) DESC, f.form
    LIMIT :alternatives
) s;

-- name: pg_name_word_completions
-- For each of :words (a text[]), the known words starting with it (itself among them if
-- known), at most :most + 1 of them, in byte order (the word counts of migration 0018).
SELECT u.word, k.completion
FROM unnest(:words::text[]) WITH ORDINALITY AS u(word, position)
CROSS JOIN LATERAL (
    SELECT k.word COLLATE "C" AS completion
    FROM imgedge_name_words_between(u.word, u.word || chr(1114111), :most + 1) k
    ORDER BY 1
    LIMIT :most + 1
) k
ORDER BY u.position, k.completion;

-- name: pg_search_canonical_candidates_by_word_chains
-- The products having all the word pairs :required and one of :options of each name
-- (:queries, parallel arrays; pairs as imgedge_name_pairs makes them, joined by '|'),
-- found by the GIN index of word pairs (migration 0013), which intersects posting lists
-- driven by the rarest; ranked by trigram similarity (as in
-- pg_search_canonical_candidates_by_words), best :limit. None for a name
-- whose pairs are too common to narrow it to :scan products. Each product is read once:
-- scored where the index scan finds it (not collected, then read again by id).
SELECT n.position, c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count,
       canonical_product_count(c.id) AS product_count, c.provisional, c.store_named, c.score
FROM (
    SELECT u.query, u.required, u.options, u.position,
           imgedge_trigram_codes(u.query) AS trigrams
    FROM unnest(:queries::text[], :required::text[], :options::text[]) WITH ORDINALITY
        AS u(query, required, options, position)
    OFFSET 0
) n
CROSS JOIN LATERAL (
    SELECT m.id, m.gtin, m.name, m.normalized_name, m.brand, m.image_count, m.provisional,
           m.store_named, m.score
    FROM (
        SELECT f.*, count(*) OVER () AS found
        FROM (
            SELECT q.id, q.gtin, q.name, q.normalized_name, q.brand, q.image_count,
                   q.provisional, q.store_named,
                   imgedge_trigram_similarity(q.name_trigrams, n.trigrams) AS score
            FROM canonical_products q
            WHERE imgedge_name_pairs(q.normalized_name) @> string_to_array(n.required, '|')
              AND imgedge_name_pairs(q.normalized_name) && string_to_array(n.options, '|')
            LIMIT :scan + 1
        ) f
    ) m
    WHERE m.found <= :scan
    ORDER BY m.score DESC, m.id
    LIMIT :limit
) c
ORDER BY n.position, c.score DESC, c.id;

-- name: pg_search_canonical_candidates_by_words
-- The word probe for many names at once (:queries, a text[] of normalized names;
-- `position` counts from 1): per name, the products that share the words chosen for it
-- (parallel arrays :positions, :words, :weights; a word counts for every word starting
-- with it, as in pg_count_name_words), those of the :pool best total weights
-- (ties kept), ranked by trigram similarity, best :limit. The similarity is pg_trgm's,
-- from the stored trigram codes (migration 0014): each name's trigrams are extracted
-- once (OFFSET 0 keeps the planner from folding the call into the products' rows), and
-- each pool product's trigrams are intersected with them once (imgedge_trigram_similarity
-- intersects twice: the inner OFFSET 0 keeps `common` from being inlined into each use;
-- the same float4 division). The pool (some 340 products a name on long titles, ties
-- kept) is ranked by its id and score alone; only the :limit best are read whole, with
-- their counts joined (canonical_product_count's SQL call per row cost as much).
SELECT n.position, c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count,
       coalesce(k.product_count, 0) AS product_count, c.provisional, c.store_named, s.score
FROM (
    SELECT u.query, u.position, imgedge_trigram_codes(u.query) AS trigrams
    FROM unnest(:queries::text[]) WITH ORDINALITY AS u(query, position)
    OFFSET 0
) n
CROSS JOIN LATERAL (
    SELECT m.id,
           m.common::real / greatest(m.size + cardinality(n.trigrams) - m.common, 1)::real
               AS score
    FROM (
        SELECT p.id, icount(p.name_trigrams & n.trigrams) AS common,
               cardinality(p.name_trigrams) AS size
        FROM canonical_products p
        WHERE p.id = ANY (ARRAY(  -- an array: the planner cannot guess its size wrong
            SELECT pool.id FROM (
                SELECT t.canonical_product_id AS id,
                       rank() OVER (ORDER BY sum(w.weight) DESC) AS place
                FROM unnest(:positions::int[], :words::text[], :weights::float8[])
                    AS w(position, word, weight)
                JOIN canonical_name_tokens t
                  ON t.token >= w.word AND t.token < w.word || chr(1114111)  -- starts with it
                WHERE w.position = n.position
                GROUP BY t.canonical_product_id
            ) pool
            WHERE pool.place <= :pool
        ))
        OFFSET 0
    ) m
    ORDER BY score DESC, m.id
    LIMIT :limit
) s
JOIN canonical_products c ON c.id = s.id
LEFT JOIN canonical_product_counts k ON k.canonical_product_id = c.id
ORDER BY n.position, s.score DESC, c.id;

-- name: pg_search_canonical_candidates_many
-- search_canonical_candidates for many names in one statement: per name (:queries, a
-- text[] of normalized names; `position` counts from 1) its best :limit by similarity
-- among those `%` admits. The LATERAL subquery probes the GIN index once per name.
SELECT n.position, c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count,
       canonical_product_count(c.id) AS product_count, c.provisional, c.store_named, c.score
FROM unnest(:queries::text[]) WITH ORDINALITY AS n(query, position)
CROSS JOIN LATERAL (
    SELECT p.id, p.gtin, p.name, p.normalized_name, p.brand, p.image_count, p.provisional,
           p.store_named,
           similarity(p.normalized_name, n.query) AS score
    FROM canonical_products p
    WHERE p.normalized_name % n.query
    ORDER BY score DESC, p.id
    LIMIT :limit
) c
ORDER BY n.position, c.score DESC, c.id;

-- name: pg_search_canonical_candidates_by_codes
-- Per name (:queries, a text[] of normalized names; :codes, parallel, each name's
-- compacted model codes joined by '|'; `position` counts from 1), the canonical products
-- whose compact name (migration 0016) carries one of its codes, through the compact
-- names' trigram index (LIKE); a code that more than :scan products carry identifies
-- none (`1080p`, `120hz`) and is left out. Ranked by trigram similarity of the whole
-- name (the stored trigram codes, migration 0014), best :limit.
SELECT n.position, c.id, c.gtin, c.name, c.normalized_name, c.brand, c.image_count,
       canonical_product_count(c.id) AS product_count, c.provisional, c.store_named, c.score
FROM (
    SELECT u.position, u.codes, imgedge_trigram_codes(u.query) AS trigrams
    FROM unnest(:queries::text[], :codes::text[]) WITH ORDINALITY AS u(query, codes, position)
    OFFSET 0
) n
CROSS JOIN LATERAL (
    SELECT p.id, p.gtin, p.name, p.normalized_name, p.brand, p.image_count, p.provisional,
           p.store_named, imgedge_trigram_similarity(p.name_trigrams, n.trigrams) AS score
    FROM canonical_products p
    WHERE p.id = ANY (ARRAY(  -- an array: the planner cannot guess its size wrong
        SELECT unnest(hits.ids)
        FROM unnest(string_to_array(n.codes, '|')) AS k(code)
        CROSS JOIN LATERAL (
            SELECT array_agg(q.id) AS ids FROM (
                SELECT q.id FROM canonical_products q
                WHERE imgedge_compact_name(q.normalized_name) LIKE '%' || k.code || '%'
                LIMIT :scan + 1
            ) q
        ) hits
        WHERE cardinality(hits.ids) <= :scan
    ))
    ORDER BY score DESC, p.id
    LIMIT :limit
) c
ORDER BY n.position, c.score DESC, c.id;

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
UPDATE product_images SET is_primary = false
WHERE canonical_product_id = :owner_id AND is_primary;

-- name: clear_custom_primary
UPDATE product_images SET is_primary = false WHERE store_product_id = :owner_id AND is_primary;

-- name: promote_first_canonical
UPDATE product_images SET is_primary = true
WHERE id = (SELECT id FROM product_images WHERE canonical_product_id = :owner_id
            ORDER BY sort_order, id LIMIT 1);

-- name: promote_first_custom
UPDATE product_images SET is_primary = true
WHERE id = (SELECT id FROM product_images WHERE store_product_id = :owner_id
            ORDER BY sort_order, id LIMIT 1);

-- name: set_image_primary
UPDATE product_images SET is_primary = :is_primary WHERE id = :image_id;

-- name: refresh_image_count
UPDATE canonical_products
SET image_count = (SELECT count(*) FROM product_images
                   WHERE canonical_product_id = :canonical_id),
    updated_at = now()
WHERE id = :canonical_id;

-- name: reorder_images
-- :order: [{id, sort_order}]
UPDATE product_images AS i
SET sort_order = x.sort_order
FROM jsonb_to_recordset(:order::jsonb) AS x(id bigint, sort_order integer)
WHERE i.id = x.id;

-- name: delete_image
DELETE FROM product_images WHERE id = :image_id;

-- name: count_images_with_hash
SELECT count(*) AS count FROM product_images WHERE content_hash = :content_hash;

-- name: referenced_hashes
-- :hashes: ["sha256", …]; those any image references (the originals sweep's check).
SELECT DISTINCT content_hash FROM product_images
WHERE content_hash = ANY (ARRAY(SELECT jsonb_array_elements_text(:hashes::jsonb)));

-- Sync: set-based statements over a JSON array parameter (one statement per step, not
-- one per product). SQLite reads the same JSON with json_each.

-- name: sync_upsert_products
-- :items: [{external_id, upc, gtin, name, brand, image_url, model, mpn, category, size,
-- price, currency}], external ids unique.
-- RETURNING gives each row's link as it was before this sync (the upsert leaves it alone).
INSERT INTO store_products AS sp (store_id, external_id, upc, gtin, name, brand, image_url,
                                  model, mpn, category, size, price, currency)
SELECT :store_id, x.external_id, x.upc, x.gtin, x.name, x.brand, x.image_url,
       x.model, x.mpn, x.category, x.size, x.price, x.currency
FROM jsonb_to_recordset(:items::jsonb)
     AS x(external_id text, upc text, gtin text, name text, brand text, image_url text,
          model text, mpn text, category text, size text, price double precision,
          currency text)
ORDER BY x.external_id
ON CONFLICT (store_id, external_id) DO UPDATE SET
    upc = excluded.upc, gtin = excluded.gtin, name = excluded.name, brand = excluded.brand,
    image_url = excluded.image_url, model = excluded.model, mpn = excluded.mpn,
    category = excluded.category, size = excluded.size, price = excluded.price,
    currency = excluded.currency, updated_at = now()
RETURNING sp.id, sp.external_id, sp.canonical_product_id, sp.match_status;

-- name: sync_create_canonicals
-- :items: [{gtin, name, normalized_name, brand}]; an existing GTIN wins (one per GTIN).
-- Named after the first store's own title (store_named) until a curator edits it.
INSERT INTO canonical_products (gtin, name, normalized_name, brand, store_named)
SELECT x.gtin, x.name, x.normalized_name, x.brand, true
FROM jsonb_to_recordset(:items::jsonb)
     AS x(gtin text, name text, normalized_name text, brand text)
ORDER BY x.gtin
ON CONFLICT (gtin) DO NOTHING
RETURNING id, gtin;

-- name: canonical_ids_by_gtin
-- :gtins: ["gtin", …]
SELECT id, gtin FROM canonical_products
WHERE gtin = ANY (ARRAY(SELECT jsonb_array_elements_text(:gtins::jsonb)));

-- name: sync_link_products
-- :links: [{id, canonical_id}]
UPDATE store_products AS sp
SET canonical_product_id = x.canonical_id, match_status = 'linked',
    match_confidence = 100.0, updated_at = now()
FROM jsonb_to_recordset(:links::jsonb) AS x(id bigint, canonical_id bigint)
WHERE sp.id = x.id;

-- name: lock_canonicals
-- :ids: [id, …]. The first lock of every path that links products (sync, worker, review,
-- image attach): canonical rows in id order, before any store product row or count (one
-- linker at a time moves a product's count). NO KEY UPDATE leaves the FOR KEY SHARE of
-- other transactions' foreign keys alone, so linkers queue here instead of deadlocking on a
-- later upgrade. Returns the ids that exist (a row deleted meanwhile is skipped).
SELECT id FROM canonical_products
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:ids::jsonb))::bigint))
ORDER BY id
FOR NO KEY UPDATE;

-- name: lock_canonicals_to_delete
-- :ids: [id, …]. lock_canonicals for a merge or a curator's delete, which delete one (a
-- merge may also set the other's GTIN, a key): FOR UPDATE, still first and in id order.
SELECT id FROM canonical_products
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:ids::jsonb))::bigint))
ORDER BY id
FOR UPDATE;

-- name: current_links
-- :product_ids: [id, …]. Each product's link, read without a lock: which canonical rows
-- to lock before the product rows.
SELECT id, canonical_product_id FROM store_products
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:product_ids::jsonb))::bigint));

-- name: sync_current_links
-- :external_ids: [external id, …] of :store_id. current_links for a sync batch, before
-- its upsert.
SELECT external_id, canonical_product_id FROM store_products
WHERE store_id = :store_id
  AND external_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:external_ids::jsonb)));

-- name: add_product_counts
-- :deltas: [{id, delta}]; deltas (not recounts) compose under concurrent syncs. The
-- callers hold the canonical rows' locks (lock_canonicals), so rows are met in id order.
INSERT INTO canonical_product_counts AS n (canonical_product_id, product_count)
SELECT x.id, x.delta FROM jsonb_to_recordset(:deltas::jsonb) AS x(id bigint, delta integer)
ORDER BY x.id
ON CONFLICT (canonical_product_id)
DO UPDATE SET product_count = n.product_count + excluded.product_count;

-- name: enqueue_matches
-- :product_ids: [store product id, …]; a product already queued keeps its place and state.
INSERT INTO match_queue (store_product_id)
SELECT (jsonb_array_elements_text(:product_ids::jsonb))::bigint
ON CONFLICT (store_product_id) DO NOTHING;

-- name: pg_notify_many
-- :payloads: ["payload", …] — one round trip for a transaction's notifications.
SELECT count(pg_notify(:channel, p)) FROM jsonb_array_elements_text(:payloads::jsonb) AS p;

-- Match queue. A claim is one statement (FOR UPDATE SKIP LOCKED): concurrent workers take
-- disjoint items. `attempts` doubles as the fencing token of a lease.

-- name: claim_matches
-- Pending items, and items whose lease ran out. :now is the database's clock unless given.
UPDATE match_queue AS q
SET status = 'processing', attempts = q.attempts + 1,
    lease_expires_at = coalesce(:now::timestamptz, now()) + make_interval(secs => :lease_s),
    updated_at = now()
WHERE q.id IN (
    SELECT id FROM match_queue
    WHERE status = 'pending'
       OR (status = 'processing' AND lease_expires_at < coalesce(:now::timestamptz, now()))
    ORDER BY id LIMIT :limit
    FOR UPDATE SKIP LOCKED)
RETURNING q.id, q.store_product_id, q.status, q.attempts, q.confidence,
          q.candidates::text AS candidates, q.last_error;

-- name: finish_match
-- :attempts fences the lease; :candidates is JSON.
UPDATE match_queue
SET status = :status, confidence = :confidence, candidates = :candidates::jsonb,
    lease_expires_at = NULL, last_error = NULL, updated_at = now()
WHERE id = :item_id AND attempts = :attempts AND status = 'processing'
RETURNING id;

-- name: lock_match_items
-- :item_ids: [id, …]. Row locks in id order before finish_matches, so two finishers of
-- overlapping items (a lost lease) cannot deadlock.
SELECT id FROM match_queue
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:item_ids::jsonb))::bigint))
ORDER BY id
FOR UPDATE;

-- name: finish_matches
-- finish_match for many: :outcomes: [{item_id, attempts, status, confidence, candidates}]
-- (candidates a JSON text); each row's :attempts fences its own lease. Returns the items
-- recorded (the others were lost to another worker).
UPDATE match_queue AS q
SET status = x.status, confidence = x.confidence, candidates = x.candidates::jsonb,
    lease_expires_at = NULL, last_error = NULL, updated_at = now()
FROM jsonb_to_recordset(:outcomes::jsonb)
     AS x(item_id bigint, attempts integer, status text, confidence double precision,
          candidates text)
WHERE q.id = x.item_id AND q.attempts = x.attempts AND q.status = 'processing'
RETURNING q.id;

-- name: lock_store_products
-- :product_ids: [id, …]. Row locks in the order a store's sync takes them (store, then
-- external id: sync_upsert_products), so a worker's batch and a sync cannot deadlock.
-- Returns each product's link as it is now.
SELECT id, canonical_product_id FROM store_products
WHERE id = ANY (ARRAY(SELECT (jsonb_array_elements_text(:product_ids::jsonb))::bigint))
ORDER BY store_id, external_id
FOR UPDATE;

-- name: set_match_outcomes
-- :products: [{id, relink, canonical_id, status, confidence}]: a worker's outcomes; the
-- link changes only where `relink`.
UPDATE store_products AS sp
SET canonical_product_id = CASE WHEN x.relink THEN x.canonical_id
                                ELSE sp.canonical_product_id END,
    match_status = x.status, match_confidence = x.confidence, updated_at = now()
FROM jsonb_to_recordset(:products::jsonb)
     AS x(id bigint, relink boolean, canonical_id bigint, status text,
          confidence double precision)
WHERE sp.id = x.id;

-- name: fail_match
-- :attempts fences the lease; :max_attempts used, the item has failed for good.
UPDATE match_queue
SET status = CASE WHEN attempts >= :max_attempts THEN 'failed' ELSE 'pending' END,
    last_error = :error, lease_expires_at = NULL, updated_at = now()
WHERE id = :item_id AND attempts = :attempts AND status = 'processing'
RETURNING status;

-- name: set_match_status
UPDATE store_products
SET match_status = :status, match_confidence = :confidence, updated_at = now()
WHERE id = :product_id;

-- name: get_match_item
SELECT id, store_product_id, status, attempts, confidence, candidates::text AS candidates,
       last_error
FROM match_queue WHERE id = :item_id;

-- name: get_match_item_for_product
SELECT id, store_product_id, status, attempts, confidence, candidates::text AS candidates,
       last_error
FROM match_queue WHERE store_product_id = :product_id;

-- name: close_match_item
-- A human decided.
UPDATE match_queue SET status = :status, lease_expires_at = NULL, updated_at = now()
WHERE id = :item_id;

-- name: queue_counts
SELECT status, count(*) AS count FROM match_queue GROUP BY status ORDER BY status;

-- name: outstanding_count
-- Items not finished: pending, or processing under a lease (live or run out).
SELECT count(*) AS count FROM match_queue WHERE status IN ('pending', 'processing');

-- name: claimable_count
SELECT count(*) AS count FROM match_queue
WHERE status = 'pending'
   OR (status = 'processing' AND lease_expires_at < coalesce(:now::timestamptz, now()));

-- The review queue: what the matcher left for a person. An item waits while it is
-- suggested or in review and its product is unlinked, or linked only to a provisional
-- canonical product (the one the matcher made for a product nobody else had); a GTIN
-- link from a later sync, or a curator's merge into a confirmed product, settles it.
-- review_items and count_review_items hold the same condition.

-- name: review_items
-- Oldest first (keyset after :after_id); one store's, or (:store_id NULL) every store's.
SELECT q.id AS item_id, q.status AS item_status, q.attempts AS item_attempts,
       q.confidence AS item_confidence, q.candidates::text AS item_candidates,
       q.last_error AS item_last_error, q.updated_at AS item_waiting_since, sp.*
FROM match_queue q
JOIN store_product_rows sp ON sp.id = q.store_product_id
LEFT JOIN canonical_products c ON c.id = sp.canonical_product_id
WHERE q.status IN ('suggested', 'review') AND q.id > :after_id
  AND (:store_id::bigint IS NULL OR sp.store_id = :store_id::bigint)
  AND (sp.canonical_product_id IS NULL OR c.provisional)
ORDER BY q.id
LIMIT :limit;

-- name: count_review_items
SELECT count(*) AS count
FROM match_queue q
JOIN store_products sp ON sp.id = q.store_product_id
LEFT JOIN canonical_products c ON c.id = sp.canonical_product_id
WHERE q.status IN ('suggested', 'review')
  AND (:store_id::bigint IS NULL OR sp.store_id = :store_id::bigint)
  AND (sp.canonical_product_id IS NULL OR c.provisional);

-- name: canonical_primaries
-- :canonical_ids: [id, …]: each one's primary image and the first store product showing
-- it (linked, its own override off). Ids with no primary or no such product are left out.
SELECT shown.canonical_product_id, shown.content_hash, shown.product_id
FROM (SELECT img.canonical_product_id, img.content_hash,
             (SELECT min(sp.id) FROM store_products sp
              WHERE sp.canonical_product_id = img.canonical_product_id
                AND NOT sp.use_custom_image) AS product_id
      FROM product_images img
      WHERE img.is_primary
        AND img.canonical_product_id = ANY (ARRAY(
            SELECT (jsonb_array_elements_text(:canonical_ids::jsonb))::bigint))) shown
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
SELECT x.store_id, x.canonical_id, x.except_id
FROM jsonb_to_recordset(:questions::jsonb)
     AS x(store_id bigint, canonical_id bigint, except_id bigint)
WHERE EXISTS (SELECT 1 FROM store_products sp
              WHERE sp.canonical_product_id = x.canonical_id AND sp.store_id = x.store_id
                AND sp.id <> x.except_id);

-- name: canonical_prices
-- The price range per currency of the store products linked to each of :ids (a JSON
-- array of canonical ids): the matcher's price reference.
SELECT sp.canonical_product_id AS canonical_id, sp.currency, min(sp.price) AS low,
       max(sp.price) AS high, count(*) AS count
FROM store_products sp
WHERE sp.canonical_product_id = ANY (ARRAY(
    SELECT value::bigint FROM jsonb_array_elements_text(:ids::jsonb)))
  AND sp.price IS NOT NULL AND sp.currency IS NOT NULL
GROUP BY sp.canonical_product_id, sp.currency
ORDER BY sp.canonical_product_id, sp.currency;

-- Merging one canonical product into another (a curator's decision).

-- name: move_canonical_links
UPDATE store_products SET canonical_product_id = :target_id, updated_at = now()
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
SET canonical_product_id = :target_id, is_primary = false, sort_order = sort_order + :offset
WHERE canonical_product_id = :source_id;

-- name: delete_canonical
DELETE FROM canonical_products WHERE id = :canonical_id;

-- Curator repair of canonical products.

-- name: rename_canonical
UPDATE canonical_products
SET name = :name, normalized_name = :normalized_name, brand = :brand, store_named = false,
    updated_at = now()
WHERE id = :canonical_id
RETURNING id, gtin, name, normalized_name, brand, image_count,
          canonical_product_count(id) AS product_count, provisional, store_named;

-- name: count_canonical_links
SELECT count(*) AS count FROM store_products WHERE canonical_product_id = :canonical_id;

-- name: merge_canonical_facts
-- The target keeps its GTIN or takes the source's; it stays provisional only if both were.
UPDATE canonical_products
SET gtin = coalesce(gtin, :gtin), provisional = (provisional AND :provisional),
    updated_at = now()
WHERE id = :target_id;

-- name: list_canonical_products
-- Keyset paging by id; :provisional (:store_named) NULL lists all, else only those with
-- that flag.
SELECT id, gtin, name, normalized_name, brand, image_count,
       canonical_product_count(id) AS product_count, provisional, store_named
FROM canonical_products
WHERE id > :after_id
  AND (:provisional::boolean IS NULL OR provisional = :provisional::boolean)
  AND (:store_named::boolean IS NULL OR store_named = :store_named::boolean)
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
           CASE WHEN sp.use_custom_image AND EXISTS (
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
mine AS (SELECT * FROM shows WHERE :store_id::bigint IS NULL OR store_id = :store_id::bigint),
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
       coalesce(sum(CASE WHEN match_status = 'linked' AND NOT coalesce(by_barcode, false)
                              AND NOT provisional THEN 1 ELSE 0 END), 0) AS by_name,
       coalesce(sum(CASE WHEN match_status = 'linked' AND NOT coalesce(by_barcode, false)
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
WHERE :store_id::bigint IS NULL OR sp.store_id = :store_id::bigint;

-- Webhooks (change notifications) -----------------------------------------------------

-- name: webhook_mark_changes
-- :changes: ["p:<product>" | "c:<canonical>", …], in the writing transaction.
INSERT INTO webhook_changes (change) SELECT jsonb_array_elements_text(:changes::jsonb);

-- name: webhook_claim_gate
-- Before webhook_claim_changes, in its transaction: whether no other edge process is
-- claiming (an advisory lock, held to the commit). A statement of its own, so the claim
-- after it reads with a snapshot taken once the lock is held: it sees the lease of a
-- claim that committed a moment ago (in one statement, a claim whose snapshot predated
-- that commit could take the lock just released and claim beside the live lease).
SELECT pg_try_advisory_xact_lock(7242010001) AS open;

-- name: webhook_claim_changes
-- Unclaimed changes and changes whose dispatcher's lease ran out, oldest first; nothing
-- while another dispatcher's lease is live (the caller holds webhook_claim_gate): one
-- dispatcher at a time, so two never announce one product's versions out of order.
UPDATE webhook_changes AS c SET claimed_until = :until::timestamptz
WHERE NOT EXISTS (SELECT 1 FROM webhook_changes WHERE claimed_until >= :now::timestamptz)
  AND c.id IN (
    SELECT id FROM webhook_changes
    WHERE claimed_until IS NULL OR claimed_until < :now::timestamptz
    ORDER BY id LIMIT :limit
    FOR UPDATE SKIP LOCKED)
RETURNING c.id, c.change;

-- name: webhook_products
-- The products named, and every product linked to the canonical products named, with
-- what they were last announced as (`announced` false: never). Two indexed lookups
-- (a UNION, where an OR could scan every product).
SELECT sp.id, sp.store_id, sp.external_id,
       w.store_product_id IS NOT NULL AS announced, w.version AS announced_version
FROM store_products AS sp
LEFT JOIN webhook_shown AS w ON w.store_product_id = sp.id
WHERE sp.id IN (
    SELECT id FROM store_products
    WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text(:product_ids::jsonb)::bigint))
    UNION
    SELECT id FROM store_products
    WHERE canonical_product_id = ANY (ARRAY(
        SELECT jsonb_array_elements_text(:canonical_ids::jsonb)::bigint)))
ORDER BY sp.id;

-- name: webhook_delete_changes
DELETE FROM webhook_changes
WHERE id IN (SELECT jsonb_array_elements_text(:ids::jsonb)::bigint);

-- name: webhook_set_shown
-- :shown: [{id, version}] (version null: no image).
INSERT INTO webhook_shown (store_product_id, version)
SELECT x.id, x.version FROM jsonb_to_recordset(:shown::jsonb) AS x(id bigint, version text)
ORDER BY x.id
ON CONFLICT (store_product_id) DO UPDATE SET version = excluded.version;

-- name: webhook_add_delivery
INSERT INTO webhook_deliveries (event_id, event_type, store_id, store_product_id, url,
                                store_endpoint, body, next_attempt_at, created_at)
VALUES (:event_id, :event_type, :store_id, :store_product_id, :url, :store_endpoint::boolean,
        :body,
        :now::timestamptz, :now::timestamptz);

-- name: webhook_claim_deliveries
-- Pending deliveries that are due; the claim counts the attempt and leases it until
-- :until. SKIP LOCKED: several edge processes never send one delivery at once.
UPDATE webhook_deliveries AS d
SET attempts = d.attempts + 1, next_attempt_at = :until::timestamptz
WHERE d.id IN (
    SELECT id FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= :now::timestamptz
    ORDER BY next_attempt_at, id LIMIT :limit
    FOR UPDATE SKIP LOCKED)
RETURNING d.id, d.event_id, d.event_type, d.store_id, d.store_product_id, d.url,
          d.store_endpoint, d.body,
          d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
          d.created_at, d.delivered_at;

-- name: webhook_finish_delivery
-- :attempts fences the claim: a delivery claimed again since (lease lost) is left alone.
UPDATE webhook_deliveries
SET status = :status, next_attempt_at = :next_attempt_at::timestamptz,
    last_status_code = :status_code::integer, last_error = :error::text,
    delivered_at = :delivered_at::timestamptz
WHERE id = :delivery_id AND attempts = :attempts AND status = 'pending'
RETURNING id;

-- name: webhook_prune_deliveries
-- Finished deliveries created before :before (pending ones stay, however old).
DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < :before::timestamptz;

-- name: webhook_list_deliveries
-- Newest first, ids below :before_id (0: from the newest); one store's, or (NULL) all.
SELECT id, event_id, event_type, store_id, store_product_id, url, store_endpoint, body, status,
          attempts,
       next_attempt_at, last_status_code, last_error, created_at, delivered_at
FROM webhook_deliveries
WHERE (:store_id::bigint IS NULL OR store_id = :store_id::bigint)
  AND (:status::text IS NULL OR status = :status::text)
  AND (:before_id::bigint = 0 OR id < :before_id::bigint)
ORDER BY id DESC LIMIT :limit;

-- name: webhook_set_store_endpoint
INSERT INTO store_webhooks (store_id, url, secret) VALUES (:store_id, :url, :secret)
ON CONFLICT (store_id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
    created_at = now()
RETURNING store_id, url, secret, created_at;

-- name: webhook_store_endpoints
-- :store_ids: [id, …]
SELECT store_id, url, secret, created_at FROM store_webhooks
WHERE store_id IN (SELECT jsonb_array_elements_text(:store_ids::jsonb)::bigint);

-- name: webhook_delete_store_endpoint
DELETE FROM store_webhooks WHERE store_id = :store_id RETURNING store_id;

-- Curators' decisions (match_decisions): what the matcher remembers of them.

-- name: record_match_decisions
-- :decisions: [{name, brand, canonical_id, confirmed, score, scorer, store_id, product_id}],
-- in order (the later of two on one pair counts); a canonical product gone meanwhile is
-- skipped (nothing can link to it any more).
INSERT INTO match_decisions (normalized_name, normalized_brand, canonical_product_id,
                             confirmed, score, scorer, store_id, store_product_id)
SELECT e.value ->> 'name', e.value ->> 'brand', (e.value ->> 'canonical_id')::bigint,
       (e.value ->> 'confirmed')::boolean, (e.value ->> 'score')::double precision,
       e.value ->> 'scorer', (e.value ->> 'store_id')::bigint,
       (e.value ->> 'product_id')::bigint
FROM jsonb_array_elements(:decisions::jsonb) WITH ORDINALITY AS e(value, n)
WHERE EXISTS (SELECT 1 FROM canonical_products c
              WHERE c.id = (e.value ->> 'canonical_id')::bigint)
ORDER BY e.n;

-- name: remembered_decisions
-- The latest decision per (name, brand, canonical product) for each of :keys
-- ([{name, brand}], normalized), oldest first.
SELECT d.normalized_name AS name, d.normalized_brand AS brand,
       d.canonical_product_id AS canonical_id, d.confirmed, d.score, d.scorer
FROM match_decisions d
WHERE d.id IN (SELECT max(m.id)
               FROM jsonb_to_recordset(:keys::jsonb) AS k(name text, brand text)
               JOIN match_decisions m
                 ON m.normalized_name = k.name AND m.normalized_brand = k.brand
               GROUP BY m.normalized_name, m.normalized_brand, m.canonical_product_id)
ORDER BY d.id;

-- name: move_canonical_decisions
-- A merge: what people decided about the source holds for the target.
UPDATE match_decisions SET canonical_product_id = :target_id
WHERE canonical_product_id = :source_id;
