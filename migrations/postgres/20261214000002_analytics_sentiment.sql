-- Sentiment in reports (docs/analytics.md#sentiment): per episode, the visitor's
-- messages that read as negative, and those that read as angry. Every organization's
-- facts are worked out again by the rollup, so past episodes get them too.
alter table analytics_facts add column negative_messages bigint not null default 0;
alter table analytics_facts add column angry_messages bigint not null default 0;
delete from analytics_progress;
update analytics_facts set source_updated_at = -1;
