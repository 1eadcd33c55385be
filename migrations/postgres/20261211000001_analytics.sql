-- The Analytics engine (docs/analytics.md).
--
-- Each resolution and each reopening by hand, as it happens (a visitor's message to a
-- resolved conversation reopens it too; that is read from the messages). A reopened
-- conversation is measured from its reopening, so the history is kept, not only the
-- conversation's latest `resolved_at`.
create table conversation_lifecycle (
    conversation_id text not null,
    org_id text not null,
    at bigint not null,
    event text not null check (event in ('resolved', 'reopened'))
);
create index conversation_lifecycle_idx on conversation_lifecycle (conversation_id, at);

-- One row per episode of a conversation (its start, then each reopening): the figures
-- reports add up, worked out from the conversation, its messages and its history by the
-- analytics rollup (a job, and each report before it reads). Times in ms; `_bh` ones
-- count business hours only (the website's hours and the organization's holidays).
create table analytics_facts (
    conversation_id text not null,
    episode bigint not null,
    org_id text not null,
    website_id text not null,
    visitor_id text not null,
    department_id text,
    agent_id text,
    channel text not null,
    started_at bigint not null,
    -- The 15-minute UTC bucket of `started_at` (its start, unix ms): any time zone's
    -- hours and days, :30 and :45 offsets included, are whole buckets.
    bucket bigint not null,
    visitor_messages bigint not null,
    agent_messages bigint not null,
    bot_messages bigint not null,
    first_visitor_at bigint,
    first_response_ms bigint,
    first_response_bh_ms bigint,
    -- Every response (a visitor's message, or run of them, answered by a person).
    responses bigint not null,
    response_ms bigint not null,
    response_bh_ms bigint not null,
    -- Their mergeable histograms (docs/analytics.md#percentiles), JSON {bin: count}.
    response_bins text not null,
    response_bh_bins text not null,
    wait_ms bigint,
    resolved_at bigint,
    resolution_ms bigint,
    resolution_bh_ms bigint,
    rating bigint,
    rating_comment boolean not null,
    -- The conversation's `updated_at` these were worked out from: an older reading never
    -- replaces a newer one.
    source_updated_at bigint not null,
    primary key (conversation_id, episode)
);
create index analytics_facts_org_idx on analytics_facts (org_id, started_at);

-- Per organization: conversations changed at or before `through` (their `updated_at`)
-- are in the facts; the rollup reads from a little before it, as a write may commit
-- after a later one.
create table analytics_progress (
    org_id text primary key,
    through bigint not null
);
create index conversations_updated_idx on conversations (org_id, updated_at);
