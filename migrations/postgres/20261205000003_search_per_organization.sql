-- Search scoped to the organization inside the full-text index (issue 15, finding 10):
-- the indexed document is the body's words plus the organization id as one lexeme, and a
-- search matches that lexeme together with the words, so the GIN scan intersects with the
-- organization's entries instead of reading every customer's matches.
drop index messages_body_fts_idx;
create index messages_org_fts_idx on messages using gin ((to_tsvector('simple', body) || array_to_tsvector(array[org_id])));
