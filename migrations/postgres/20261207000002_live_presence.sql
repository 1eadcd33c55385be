-- Live visitors before first use (docs/routing.md#live-visitors): off by default.
alter table websites add column live_presence text not null default 'off';

-- A message an agent wrote to a live visitor who has not chatted: shown by the widget
-- (from the beacon's answer), and stored in a conversation only when the visitor
-- replies. Kept an hour.
create table proactive_messages (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    presence_id text not null,
    agent_id text not null,
    body text not null,
    created_at bigint not null,
    expires_at bigint not null
);
create index proactive_messages_presence_idx on proactive_messages (website_id, presence_id);
