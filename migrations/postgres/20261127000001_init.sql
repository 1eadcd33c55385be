-- Chinwag v0 schema (PostgreSQL). Ids are prefixed ULID strings, timestamps are unix
-- milliseconds (the same representation on both dialects, so the Rust code binds and
-- decodes identically), booleans are native.

create table organizations (
    id text primary key,
    name text not null,
    created_at bigint not null
);

create table agents (
    id text primary key,
    org_id text not null references organizations (id),
    -- Stored lowercased by the domain type; one live account per email, because
    -- logIn takes no organization.
    email text not null,
    name text not null,
    password_hash text not null,
    role text not null check (role in ('owner', 'admin', 'agent')),
    status text not null default 'offline' check (status in ('online', 'away', 'offline')),
    capacity bigint not null default 0,
    -- Bumped on removal and role change; access tokens carry it, so old ones die at once.
    token_epoch bigint not null default 0,
    removed_at bigint,
    created_at bigint not null
);
-- Removed agents keep their row (messages point at them) but free their email.
create unique index agents_email_key on agents (email) where removed_at is null;
create index agents_org_idx on agents (org_id);

create table invites (
    id text primary key,
    org_id text not null references organizations (id),
    email text not null,
    role text not null check (role in ('admin', 'agent')),
    -- sha256 of the one-time token; the token itself is shown once.
    token_hash text not null,
    invited_by text not null references agents (id),
    expires_at bigint not null,
    accepted_at bigint,
    created_at bigint not null,
    constraint invites_token_hash_key unique (token_hash)
);

-- Rotating refresh tokens. The secret is an HMAC of the id under the server key, so
-- nothing secret is stored and a spent token's successor can be re-issued within the
-- grace window (two tabs refreshing at once).
create table refresh_tokens (
    id text primary key,
    agent_id text not null references agents (id),
    family_id text not null,
    successor_id text,
    used_at bigint,
    revoked_at bigint,
    expires_at bigint not null,
    created_at bigint not null
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_agent_idx on refresh_tokens (agent_id);

create table api_keys (
    id text primary key,
    org_id text not null references organizations (id),
    name text not null,
    -- sha256 of the random secret (high entropy, so a slow hash buys nothing).
    secret_hash text not null,
    created_by text not null references agents (id),
    revoked_at bigint,
    last_used_at bigint,
    created_at bigint not null
);
create index api_keys_org_idx on api_keys (org_id);

create table websites (
    id text primary key,
    org_id text not null references organizations (id),
    name text not null,
    public_key text not null,
    -- JSON array of origins; empty means any origin.
    allowed_origins text not null default '[]',
    color text not null default '#4f46e5',
    position text not null default 'right' check (position in ('left', 'right')),
    launcher_text text not null default 'Chat with us',
    greeting text not null default 'Hi! How can we help?',
    identity_secret text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint websites_public_key_key unique (public_key)
);
create index websites_org_idx on websites (org_id);

create table departments (
    id text primary key,
    org_id text not null references organizations (id),
    name text not null,
    created_at bigint not null,
    constraint departments_org_name_key unique (org_id, name)
);

create table department_members (
    department_id text not null references departments (id) on delete cascade,
    agent_id text not null references agents (id),
    created_at bigint not null,
    primary key (department_id, agent_id)
);

create table visitors (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    external_id text,
    name text,
    email text,
    -- sha256 of the resume token a returning browser presents.
    resume_hash text not null,
    user_agent text,
    ip text,
    current_url text,
    attributes text not null default '{}',
    created_at bigint not null,
    last_seen_at bigint not null,
    constraint visitors_website_external_key unique (website_id, external_id)
);
create index visitors_resume_idx on visitors (resume_hash);

create table conversations (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    visitor_id text not null references visitors (id),
    department_id text references departments (id) on delete set null,
    assignee_id text references agents (id),
    status text not null default 'open' check (status in ('open', 'pending', 'resolved')),
    -- Last message seq handed out; incremented in the writing transaction, which also
    -- serializes concurrent senders to one conversation.
    last_seq bigint not null default 0,
    -- False until the first visitor message: an empty conversation is not in queues.
    queued boolean not null default false,
    last_message_preview text,
    created_at bigint not null,
    updated_at bigint not null,
    last_activity_at bigint not null,
    first_response_at bigint,
    resolved_at bigint,
    rating bigint,
    rating_comment text,
    rated_at bigint
);
create index conversations_org_activity_idx on conversations (org_id, last_activity_at desc, id desc);
create index conversations_visitor_idx on conversations (visitor_id, created_at desc);

create table messages (
    id text primary key,
    conversation_id text not null references conversations (id),
    org_id text not null,
    seq bigint not null,
    sender_kind text not null check (sender_kind in ('visitor', 'agent', 'bot', 'system')),
    sender_id text,
    body text not null,
    is_private boolean not null default false,
    client_message_id text,
    created_at bigint not null,
    edited_at bigint,
    deleted_at bigint,
    constraint messages_seq_key unique (conversation_id, seq),
    -- Idempotency is per sender: one sender can never obtain another's message by key.
    constraint messages_client_id_key unique (conversation_id, sender_kind, sender_id, client_message_id)
);

create table read_positions (
    conversation_id text not null references conversations (id),
    reader_kind text not null,
    reader_id text not null,
    message_id text not null,
    seq bigint not null,
    updated_at bigint not null,
    primary key (conversation_id, reader_kind, reader_id)
);

create table canned_responses (
    id text primary key,
    org_id text not null references organizations (id),
    shortcut text not null,
    title text not null,
    body text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint canned_responses_org_shortcut_key unique (org_id, shortcut)
);

create table audit_log (
    id text primary key,
    org_id text not null,
    actor_kind text not null,
    actor_id text not null,
    action text not null,
    target_id text,
    created_at bigint not null
);
create index audit_log_org_idx on audit_log (org_id, created_at);
