-- API keys can expire (unix ms; null: never). `last_used_at` (already there) is now kept
-- current, at most once a minute per key.
alter table api_keys add column expires_at bigint;
