-- The candidate search's narrowest probe: a GIN index of the word pairs of each canonical
-- product's normalized name, so a search finds the products having all of a name's known
-- words through its rarest pairs. A name of common words only (a big brand, an everyday
-- item, a size: each word in tens of thousands of products at 10M store products) has
-- no rare word for the word probe (0012), but two of its words together are rare, and
-- GIN intersects posting lists driven by the rarest. Pairs are of words (two characters
-- or more, as imgedge_name_tokens) at most three apart, so a store's name with a word
-- swapped, cut short or left out still finds them, and a long title has some 3n pairs,
-- not n²/2; each pair is its two words in byte order, space-separated (name_words.py's
-- word_pair).
CREATE FUNCTION imgedge_name_pairs(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH words AS (
        SELECT token COLLATE "C" AS word, row_number() OVER (ORDER BY k) AS k
        FROM unnest(string_to_array(name, ' ')) WITH ORDINALITY AS t(token, k)
        WHERE length(token) >= 2
    )
    SELECT coalesce(array_agg(DISTINCT least(a.word, b.word) || ' ' || greatest(a.word, b.word)),
                    '{}')
    FROM words a JOIN words b ON b.k > a.k AND b.k <= a.k + 3 AND a.word <> b.word
$$;

-- No pending list, as the trigram index (0004): searches far outnumber canonical inserts.
CREATE INDEX canonical_products_name_pairs ON canonical_products
USING gin (imgedge_name_pairs(normalized_name)) WITH (fastupdate = off);
ANALYZE canonical_products;
