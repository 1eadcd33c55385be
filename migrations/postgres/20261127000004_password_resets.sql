-- Forgotten-password resets: a one-time token sent by email, stored as a SHA-256.
create table password_resets (
    id text primary key,
    agent_id text not null references agents (id),
    token_hash text not null,
    expires_at bigint not null,
    used_at bigint,
    created_at bigint not null,
    constraint password_resets_token_hash_key unique (token_hash)
);
