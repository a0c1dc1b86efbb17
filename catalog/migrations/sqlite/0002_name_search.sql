-- Fuzzy candidate search on SQLite: an FTS5 trigram index over the normalized name,
-- kept in step with canonical_products by triggers.
CREATE VIRTUAL TABLE canonical_products_fts USING fts5(
    normalized_name, content = 'canonical_products', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER canonical_products_fts_insert AFTER INSERT ON canonical_products BEGIN
    INSERT INTO canonical_products_fts (rowid, normalized_name)
    VALUES (new.id, new.normalized_name);
END;

CREATE TRIGGER canonical_products_fts_delete AFTER DELETE ON canonical_products BEGIN
    INSERT INTO canonical_products_fts (canonical_products_fts, rowid, normalized_name)
    VALUES ('delete', old.id, old.normalized_name);
END;

CREATE TRIGGER canonical_products_fts_update AFTER UPDATE OF normalized_name
ON canonical_products BEGIN
    INSERT INTO canonical_products_fts (canonical_products_fts, rowid, normalized_name)
    VALUES ('delete', old.id, old.normalized_name);
    INSERT INTO canonical_products_fts (rowid, normalized_name)
    VALUES (new.id, new.normalized_name);
END;

INSERT INTO canonical_products_fts (canonical_products_fts) VALUES ('rebuild');
