-- Privacy (issue 18): erasure, export and retention.
-- What erasing a visitor does to its conversations: 'tombstone' keeps them with the
-- visitor's messages emptied; 'delete' deletes them.
alter table organizations add column erasure_mode text not null default 'tombstone';
-- Retention per website, in days (null: kept): conversations resolved that long ago, and
-- visitors without a conversation last seen that long ago, are deleted daily.
alter table websites add column retain_resolved_days bigint;
alter table websites add column retain_idle_visitor_days bigint;
-- An erased visitor keeps its id (its conversations may be kept) and nothing else.
alter table visitors add column erased_at bigint;

-- Erasure requests and their receipts: counts only, never what was erased.
create table erasures (
    id text primary key,
    org_id text not null references organizations (id),
    -- JSON array of the visitors found for the request.
    visitor_ids text not null,
    mode text not null,
    requested_by_kind text not null,
    requested_by text not null,
    status text not null default 'pending',
    visitors bigint not null default 0,
    conversations bigint not null default 0,
    messages bigint not null default 0,
    files bigint not null default 0,
    page_views bigint not null default 0,
    jobs bigint not null default 0,
    created_at bigint not null,
    completed_at bigint
);
create index erasures_org_idx on erasures (org_id, created_at);

-- Exports: a job builds the archive; it is fetched through a signed link until expires_at.
create table exports (
    id text primary key,
    org_id text not null references organizations (id),
    -- 'visitor' or 'organization'
    kind text not null,
    -- JSON: how the visitors were found (visitor ids resolved at request time).
    subject text not null,
    requested_by_kind text not null,
    requested_by text not null,
    status text not null default 'pending',
    storage_key text,
    size bigint,
    created_at bigint not null,
    completed_at bigint,
    expires_at bigint
);
create index exports_org_idx on exports (org_id, created_at);
