-- Page analytics (docs/integrations.md#page-analytics): the widget pushes its events to
-- the page's dataLayer. Off by default.
alter table websites add column page_analytics boolean not null default false;

-- Webhook endpoints (docs/webhooks.md): where an organization's events are delivered,
-- signed per the Standard Webhooks specification with `secret` (and, during a rotation's
-- overlap, with `previous_secret` too until `previous_secret_until`).
create table webhook_endpoints (
    id text primary key,
    org_id text not null references organizations (id),
    url text not null,
    description text not null default '',
    -- JSON array of event types; empty: every event.
    event_types text not null default '[]',
    secret text not null,
    previous_secret text,
    previous_secret_until bigint,
    -- Deliveries per second at most (null: no limit).
    rate_limit bigint,
    disabled_at bigint,
    disabled_reason text,
    -- The first failure since the last success (cleared by a success).
    failing_since bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index webhook_endpoints_org_idx on webhook_endpoints (org_id);

-- Events, kept 30 days for replays and "recover since". Written by the event's job,
-- which commits with the change it reports.
create table webhook_events (
    id text primary key,
    org_id text not null references organizations (id),
    event_type text not null,
    payload text not null,
    created_at bigint not null
);
create index webhook_events_org_idx on webhook_events (org_id, created_at);

-- The delivery log: one row per attempt, kept 30 days.
create table webhook_attempts (
    id text primary key,
    org_id text not null references organizations (id),
    endpoint_id text not null,
    event_id text not null,
    event_type text not null,
    attempt bigint not null,
    -- succeeded, failed (retried at next_attempt_at, or not), or exhausted.
    outcome text not null,
    status bigint,
    latency_ms bigint not null,
    response text not null,
    next_attempt_at bigint,
    manual boolean not null default false,
    created_at bigint not null
);
create index webhook_attempts_endpoint_idx on webhook_attempts (endpoint_id, created_at);
create index webhook_attempts_created_idx on webhook_attempts (created_at);
create index webhook_attempts_event_idx on webhook_attempts (event_id);
