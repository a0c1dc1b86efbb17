-- Candidates by model code (PostgreSQL's 0016): each canonical name's compact form (its
-- normalized name without spaces: `BVMC-SZ35` → `bvmcsz35`) in an FTS5 trigram index, so
-- a code the matcher reads in a store's name, compacted alike, is found inside it. The
-- table keeps no text of its own (contentless): triggers give it each name's compact
-- form, and the same form again to take it out.
CREATE VIRTUAL TABLE canonical_compact_names_fts USING fts5(
    compact_name, content = '', tokenize = 'trigram'
);

CREATE TRIGGER canonical_compact_names_fts_insert AFTER INSERT ON canonical_products BEGIN
    INSERT INTO canonical_compact_names_fts (rowid, compact_name)
    VALUES (new.id, replace(new.normalized_name, ' ', ''));
END;

CREATE TRIGGER canonical_compact_names_fts_delete AFTER DELETE ON canonical_products BEGIN
    INSERT INTO canonical_compact_names_fts (canonical_compact_names_fts, rowid, compact_name)
    VALUES ('delete', old.id, replace(old.normalized_name, ' ', ''));
END;

CREATE TRIGGER canonical_compact_names_fts_update AFTER UPDATE OF normalized_name
ON canonical_products BEGIN
    INSERT INTO canonical_compact_names_fts (canonical_compact_names_fts, rowid, compact_name)
    VALUES ('delete', old.id, replace(old.normalized_name, ' ', ''));
    INSERT INTO canonical_compact_names_fts (rowid, compact_name)
    VALUES (new.id, replace(new.normalized_name, ' ', ''));
END;

INSERT INTO canonical_compact_names_fts (rowid, compact_name)
SELECT id, replace(normalized_name, ' ', '') FROM canonical_products;
