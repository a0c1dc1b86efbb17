-- A canonical product the matcher created from a store's name-only product nobody
-- else had yet: the next store can match it; a curator confirms or merges it.
ALTER TABLE canonical_products ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
