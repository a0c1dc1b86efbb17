-- When each store's sync last pushed a batch (the console's store list); NULL: never.
ALTER TABLE stores ADD COLUMN last_sync_at timestamptz;
