-- The word probe ranks its pool (often hundreds of products per name) by trigram
-- similarity. similarity() extracts both names' trigrams on every call, the query's
-- again for each product: three quarters of the probe's server CPU on long titles.
-- Each canonical name keeps its trigram set as sorted integer codes, so a search
-- extracts the query's once and compares sets with intarray's C intersection. The
-- codes are pg_trgm's own trigrams (show_trgm), one integer each: a printable trigram
-- (letters, digits, spaces of ASCII) by its three bytes, a compacted one (pg_trgm's
-- CRC of a multibyte trigram, shown as 0x + 6 hex digits) by that value, as pg_trgm's
-- trgm2int reads either; so the same sets, and imgedge_trigram_similarity is exactly
-- similarity() (the same float4 division, count / (len1 + len2 - count)).
CREATE EXTENSION IF NOT EXISTS intarray;

CREATE FUNCTION imgedge_trigram_codes(name text) RETURNS int4[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(code ORDER BY code), '{}')
    FROM (
        SELECT CASE WHEN length(t) = 3
                    THEN (ascii(t) << 16) | (ascii(substr(t, 2, 1)) << 8) | ascii(substr(t, 3))
                    ELSE ('x' || substr(t, 3))::bit(24)::int
               END AS code
        FROM unnest(show_trgm(name)) AS t
    ) AS codes
$$;

-- One expression (not STRICT, no FROM), so the planner inlines it: a function call per
-- product would cost as much as the trigrams it saves. Two empty sets: 0, as similarity().
CREATE FUNCTION imgedge_trigram_similarity(a int4[], b int4[]) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT icount(a & b)::real
           / greatest(cardinality(a) + cardinality(b) - icount(a & b), 1)::real
$$;

-- Rewrites the table once (a few seconds per million products).
ALTER TABLE canonical_products
    ADD COLUMN name_trigrams int4[] NOT NULL
    GENERATED ALWAYS AS (imgedge_trigram_codes(normalized_name)) STORED;
