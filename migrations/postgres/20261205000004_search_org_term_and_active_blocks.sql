-- The organization's lexeme in the search index gets a '#' (search words are letters and
-- digits only, so no prefix search such as "or" can match it), and the blocks in force
-- get their own index (each session start reads them).
drop index messages_org_fts_idx;
create index messages_org_fts_idx on messages using gin ((to_tsvector('simple', body) || array_to_tsvector(array['#' || org_id])));
create index visitor_blocks_active_idx on visitor_blocks (org_id) where lifted_at is null;
