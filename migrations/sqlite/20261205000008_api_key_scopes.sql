-- API keys have scopes (names separated by spaces; docs/api.md) and may be limited to
-- some websites (a JSON array of website ids; null: all of them). Keys made before
-- scopes keep what they could do: the default set.
alter table api_keys add column scopes text not null default 'conversations:read conversations:write messages:write visitors:read visitors:write websites:read';
alter table api_keys add column website_ids text;
