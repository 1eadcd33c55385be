-- Conversion tracking (docs/analytics.md#conversions). A website's goals: event names
-- counted as conversions besides `purchase` (a JSON array); the attribution window;
-- whether purchases tracked from the browser (unverified) count in revenue.
alter table websites add column goals text not null default '[]';
alter table websites add column conversion_window_days bigint not null default 7;
alter table websites add column browser_revenue boolean not null default false;

-- Conversions: goal events of visitors, from their browser (`trackEvents`, unverified)
-- or from the site's server (`POST /conversions` with an API key, verified). Each is
-- attributed when it is recorded to the visitor's latest conversation started within
-- the website's window before it, with that conversation's agent and department then.
create table conversions (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    visitor_id text not null references visitors (id),
    name text not null,
    -- In the currency's minor units (cents); both or neither.
    value_minor bigint,
    currency text,
    verified boolean not null,
    properties text not null default '{}',
    conversation_id text references conversations (id),
    agent_id text,
    department_id text,
    -- The server's Idempotency-Key: one conversion per key and website.
    idempotency_key text,
    occurred_at bigint not null,
    created_at bigint not null
);
create unique index conversions_key_idx on conversions (website_id, idempotency_key) where idempotency_key is not null;
create index conversions_org_idx on conversions (org_id, occurred_at);
create index conversions_visitor_idx on conversions (visitor_id);
create index conversions_conversation_idx on conversions (conversation_id) where conversation_id is not null;
