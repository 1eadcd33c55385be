-- Each SLA target missed (docs/routing.md#sla-policies), recorded when its due time
-- passes with the target still open: first response, each next response, resolution.
-- What reports count (a late next response leaves no other trace once answered).
create table sla_breaches (
    id text primary key,
    org_id text not null references organizations (id),
    conversation_id text not null references conversations (id) on delete cascade,
    target text not null,
    due_at bigint not null,
    recorded_at bigint not null,
    unique (conversation_id, target, due_at)
);
create index sla_breaches_org_idx on sla_breaches (org_id, recorded_at);
