-- The blocks in force get their own index (each session start reads them). (SQLite's search
-- matches the organization in its own column, so its index is unchanged.)
create index visitor_blocks_active_idx on visitor_blocks (org_id) where lifted_at is null;
