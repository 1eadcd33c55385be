-- Secrets the server makes once and every node shares (the Web Push VAPID key).
create table server_secrets (
    name text primary key,
    value text not null,
    created_at bigint not null
);

-- Agents' Web Push subscriptions (one per browser or phone; docs/routing.md#web-push).
create table push_subscriptions (
    id text primary key,
    org_id text not null references organizations (id),
    agent_id text not null references agents (id),
    endpoint text not null unique,
    p256dh text not null,
    auth text not null,
    created_at bigint not null
);
create index push_subscriptions_agent_idx on push_subscriptions (agent_id);
