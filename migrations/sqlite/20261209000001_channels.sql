-- Email replies held for an agent (docs/email.md): the sender is not the visitor's
-- address, or the sender's DMARC policy failed. The raw message is kept in the file
-- store under `storage_key` until an agent releases or discards it.
create table held_emails (
    id text primary key,
    org_id text not null references organizations (id),
    conversation_id text not null references conversations (id),
    -- The idempotency key of the message (from its Message-ID).
    message_key text not null,
    from_address text not null,
    subject text not null default '',
    body text not null,
    reason text not null,
    storage_key text not null,
    created_at bigint not null
);
create unique index held_emails_key_idx on held_emails (conversation_id, message_key);
create index held_emails_org_idx on held_emails (org_id, conversation_id);

-- Slack (docs/slack.md): one workspace and channel per organization.
create table slack_integrations (
    org_id text primary key references organizations (id),
    team_id text not null,
    team_name text not null,
    bot_user_id text not null,
    bot_token text not null,
    signing_secret text not null,
    channel_id text not null,
    -- 'threads' (both ways) or 'alerts' (new conversations posted, nothing read back).
    mode text not null,
    created_at bigint not null,
    updated_at bigint not null
);

-- Each conversation's Slack thread: its root message's ts in the channel, and how far
-- the thread mirrors it (the last message seq posted, the status and assignee last told).
create table slack_threads (
    conversation_id text primary key references conversations (id),
    org_id text not null references organizations (id),
    channel_id text not null,
    thread_ts text not null,
    last_seq bigint not null default 0,
    last_status text not null default 'open',
    last_assignee text,
    created_at bigint not null
);
create unique index slack_threads_ts_idx on slack_threads (org_id, channel_id, thread_ts);

-- Slack event ids seen (Slack retries a delivery it thinks failed), kept a day.
create table slack_events (
    org_id text not null,
    event_id text not null,
    created_at bigint not null,
    primary key (org_id, event_id)
);
