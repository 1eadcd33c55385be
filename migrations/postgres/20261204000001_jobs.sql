-- The durable job outbox (api/src/jobs): work that happens later or elsewhere (emails,
-- and later webhooks, offer timeouts, bot answers). A job is inserted in the same
-- transaction as the change that causes it; workers lease due jobs, and a job is
-- deleted when it succeeds. `key` makes a job replaceable ("the offer for conversation X
-- expires at T"); `lease_token` names one lease, so a late worker whose lease expired
-- cannot finish or fail a job another worker holds. Listing by organization scans: the
-- table holds only unfinished jobs and dead letters, and every index costs the send path.
create table jobs (
    id text primary key,
    org_id text references organizations (id) on delete cascade,
    kind text not null,
    key text,
    payload text not null,
    state text not null constraint jobs_state_check check (state in ('pending', 'running', 'dead')),
    run_at bigint not null,
    attempts bigint not null default 0,
    lease_token text,
    lease_until bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null
);
create unique index jobs_kind_key_key on jobs (kind, key) where key is not null;
create index jobs_due_idx on jobs (kind, run_at) where state = 'pending';
create index jobs_lease_idx on jobs (lease_until) where state = 'running';
create index jobs_lease_token_idx on jobs (lease_token) where lease_token is not null;
