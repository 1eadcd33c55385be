-- Routing rules (evaluated in `position` order when a conversation starts; the first
-- enabled one that matches decides) and conversation tags.
create table routing_rules (
    id text primary key,
    org_id text not null references organizations (id),
    position bigint not null,
    name text not null,
    enabled boolean not null default true,
    -- [RuleCondition] and RuleActions as JSON (api/src/domain/rules.rs).
    conditions text not null,
    actions text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index routing_rules_org_idx on routing_rules (org_id, position);

create table conversation_tags (
    conversation_id text not null references conversations (id) on delete cascade,
    org_id text not null,
    tag text not null,
    created_at bigint not null,
    primary key (conversation_id, tag)
);
create index conversation_tags_org_tag_idx on conversation_tags (org_id, tag);
