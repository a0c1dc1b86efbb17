-- The candidate search's first probe: an inverted index of the words of each canonical
-- product's normalized name (word → products), so a search compares trigrams only with
-- the products that share one of its rarest words, instead of rechecking every row the
-- trigram index admits (hundreds to thousands per name, most of the search's CPU).
-- Words of one character are left out: too common to narrow anything.
CREATE FUNCTION imgedge_name_tokens(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT token), '{}')
    FROM unnest(string_to_array(name, ' ')) AS token
    WHERE length(token) >= 2
$$;

CREATE TABLE canonical_name_tokens (
    token                text COLLATE "C" NOT NULL,  -- byte order: a prefix is a range
    canonical_product_id bigint NOT NULL,
    PRIMARY KEY (token, canonical_product_id)
);

-- Kept by triggers, so every writer (sync, curators, merges, deletes) keeps it right.
CREATE FUNCTION imgedge_canonical_name_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM canonical_name_tokens
        WHERE token = ANY (imgedge_name_tokens(OLD.normalized_name))
          AND canonical_product_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO canonical_name_tokens (token, canonical_product_id)
        SELECT unnest(imgedge_name_tokens(NEW.normalized_name)), NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER canonical_name_tokens_write
AFTER INSERT OR DELETE ON canonical_products
FOR EACH ROW EXECUTE FUNCTION imgedge_canonical_name_tokens();

CREATE TRIGGER canonical_name_tokens_rename
AFTER UPDATE OF normalized_name ON canonical_products
FOR EACH ROW WHEN (OLD.normalized_name IS DISTINCT FROM NEW.normalized_name)
EXECUTE FUNCTION imgedge_canonical_name_tokens();

INSERT INTO canonical_name_tokens (token, canonical_product_id)
SELECT unnest(imgedge_name_tokens(normalized_name)), id FROM canonical_products;
ANALYZE canonical_name_tokens;
