-- Each known word of the canonical names with its number of products, so the word
-- probe's counts (pg_count_name_words) read one entry per word instead of up to 2,001
-- entries of the word index (0012), and the searches for known words like a misspelt one
-- (pg_similar_name_words, pg_name_words_one_edit_away, pg_name_word_completions) range
-- over distinct words instead of skipping through every product's entries.
--
-- Writers never update a count: each change of a canonical name appends its words'
-- deltas (+1 for a word gained, -1 for a word lost) to canonical_name_word_deltas, a
-- plain INSERT that locks no row, so concurrent syncs and workers creating products with
-- the same common words neither wait for nor deadlock with one another. A word's count
-- is its folded count plus its pending deltas; imgedge_fold_name_words (the candidate
-- search calls it first) moves committed deltas into the counts, 20,000 at most, one
-- folder at a time, and drops the words left without products. Readers see counts exact
-- as of their snapshot: a fold moves deltas in one transaction. (A fold that takes some
-- of a word's deltas and not others, which a backlog drained over several folds can do,
-- may leave a folded count at 0 or below until the rest is folded: its sum stays
-- exact, but the capped reads of imgedge_name_words_between may then list a few words
-- fewer than `most`.)
CREATE TABLE canonical_name_words (
    word     text COLLATE "C" PRIMARY KEY,  -- byte order, as canonical_name_tokens
    products integer NOT NULL  -- > 0 once all of the word's deltas are folded
);

CREATE TABLE canonical_name_word_deltas (
    word  text COLLATE "C" NOT NULL,
    delta integer NOT NULL
);
CREATE INDEX canonical_name_word_deltas_word ON canonical_name_word_deltas (word) INCLUDE (delta);

CREATE OR REPLACE FUNCTION imgedge_canonical_name_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM canonical_name_tokens
        WHERE token = ANY (imgedge_name_tokens(OLD.normalized_name))
          AND canonical_product_id = OLD.id;
        INSERT INTO canonical_name_word_deltas (word, delta)
        SELECT unnest(imgedge_name_tokens(OLD.normalized_name)), -1;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO canonical_name_tokens (token, canonical_product_id)
        SELECT unnest(imgedge_name_tokens(NEW.normalized_name)), NEW.id;
        INSERT INTO canonical_name_word_deltas (word, delta)
        SELECT unnest(imgedge_name_tokens(NEW.normalized_name)), 1;
    END IF;
    RETURN NULL;
END
$$;

-- Folds at most `most` committed deltas into the counts and returns how many it folded;
-- 0 at once if another transaction is folding (its deltas are folded by a later call).
-- Only the folder updates counts, in word order: no writer waits for it. Bounded, so that
-- a backlog (a bulk load: ~5 deltas per canonical product) never makes the search that
-- folds first outlast its statement timeout, rolling its fold back each time; a bulk
-- loader folds until it returns 0 (as loadtests/bench_catalog.py does).
CREATE FUNCTION imgedge_fold_name_words(most integer DEFAULT 20000) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    emptied text[];
    folded integer;
BEGIN
    IF NOT EXISTS (SELECT FROM canonical_name_word_deltas)
       OR NOT pg_try_advisory_xact_lock(5275309793) THEN  -- MIGRATION_LOCK + 1
        RETURN 0;
    END IF;
    WITH moved AS (
        DELETE FROM canonical_name_word_deltas
        WHERE ctid = ANY (ARRAY(SELECT ctid FROM canonical_name_word_deltas LIMIT most))
        RETURNING word, delta
    ), summed AS (
        SELECT word, sum(delta)::integer AS delta FROM moved GROUP BY word
    ), added AS (
        INSERT INTO canonical_name_words AS c (word, products)
        SELECT word, delta FROM summed WHERE delta <> 0 ORDER BY word
        ON CONFLICT (word) DO UPDATE SET products = c.products + excluded.products
        RETURNING c.word, c.products
    )
    SELECT array_agg(word) FILTER (WHERE products = 0), (SELECT count(*) FROM moved)
    INTO emptied, folded FROM added;
    IF emptied IS NOT NULL THEN
        DELETE FROM canonical_name_words WHERE word = ANY (emptied) AND products = 0;
    END IF;
    RETURN folded;
END
$$;

-- The known words in [low, high) with their products: the first `most` of them in byte
-- order at least (every one, when there are fewer), counting pending deltas. A folded
-- word left without products has a pending -1, so reading `most` folded words more than
-- the pending -1s of the range reaches past the first `most` words with products, and
-- their sum past `most` when there are more.
CREATE FUNCTION imgedge_name_words_between(low text, high text, most bigint)
RETURNS TABLE (word text, products bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT x.word, sum(x.products)::bigint
    FROM (
        (SELECT c.word, c.products FROM canonical_name_words c
         WHERE c.word >= low AND c.word < high
         ORDER BY c.word
         LIMIT most + (SELECT count(*) FROM canonical_name_word_deltas d
                       WHERE d.word >= low AND d.word < high AND d.delta < 0))
        UNION ALL
        SELECT d.word, d.delta FROM canonical_name_word_deltas d
        WHERE d.word >= low AND d.word < high
    ) x
    GROUP BY x.word
    HAVING sum(x.products) > 0
$$;

INSERT INTO canonical_name_words (word, products)
SELECT token, count(*) FROM canonical_name_tokens GROUP BY token;
ANALYZE canonical_name_words;
ANALYZE canonical_name_word_deltas;
