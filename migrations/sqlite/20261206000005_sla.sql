-- SLA policies: first-response and resolution targets for the conversations of a
-- department and/or a priority (neither: all), counted in the website's business hours
-- or around the clock. The most specific matching policy applies.
create table sla_policies (
    id text primary key,
    org_id text not null references organizations (id),
    name text not null,
    department_id text,
    priority bigint,
    first_response_seconds bigint,
    next_response_seconds bigint,
    resolution_seconds bigint,
    business_hours boolean not null default true,
    created_at bigint not null
);
create index sla_policies_org_idx on sla_policies (org_id);
-- Due times, set when the conversation starts waiting (and again when its priority or
-- department changes while the target is open).
alter table conversations add column sla_policy_id text;
alter table conversations add column first_response_due_at bigint;
alter table conversations add column resolution_due_at bigint;
-- When its SLA clock started: its first wait (due times are counted from it).
alter table conversations add column sla_started_at bigint;
-- Since when the visitor waits for a reply (kept by every message), the policy's
-- next-response target, and when that reply is due.
alter table conversations add column awaiting_since bigint;
alter table conversations add column next_response_seconds bigint;
alter table conversations add column next_response_due_at bigint;
