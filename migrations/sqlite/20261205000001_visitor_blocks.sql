-- Visitor blocking (docs/operations.md, "Blocking visitors"). A block names a visitor,
-- its verified external id (so a new browser signing in as the same customer is refused)
-- and optionally the network of its last address (IPv4 /24, IPv6 /64), which agents never
-- see. Lifting a block keeps the row for the record.
create table visitor_blocks (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    visitor_id text not null references visitors (id),
    external_id text,
    network text,
    reason text,
    created_by text not null,
    created_at bigint not null,
    lifted_by text,
    lifted_at bigint
);
create index visitor_blocks_org_idx on visitor_blocks (org_id, created_at);
create index visitor_blocks_visitor_idx on visitor_blocks (visitor_id);

-- Visitor access tokens issued at or before this time (ms) are refused: set when a
-- visitor is blocked. Every node keeps the (few) revoked visitors in memory.
alter table visitors add column tokens_revoked_at bigint;
create index visitors_revoked_idx on visitors (tokens_revoked_at) where tokens_revoked_at is not null;
