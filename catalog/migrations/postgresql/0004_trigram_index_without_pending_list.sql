-- The name search's GIN trigram index takes new entries straight into its tree. With the
-- default fastupdate, entries wait in a pending list that every search reads through in
-- full until a vacuum merges it: after a sync brought a few thousand canonical products,
-- each search read some 500 pages (4 ms instead of 0.8 ms at the strict threshold), and
-- the planner, pricing those pages in, chose a sequential scan computing similarity()
-- for every row (17 ms). Searches far outnumber canonical inserts, which pay instead.
ALTER INDEX canonical_products_name_trgm SET (fastupdate = off);
SELECT gin_clean_pending_list('canonical_products_name_trgm'::regclass);
