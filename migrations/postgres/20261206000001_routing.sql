-- The Message Router, first part: auto-assignment with capacity and a waiting queue.
-- How conversations of a department (or, with no department, of the organization) get
-- an assignee: 'manual' (agents pick), 'round_robin' (the free agent assigned longest
-- ago) or 'least_busy' (the free agent with the fewest open chats).
alter table departments add column assignment text not null default 'manual';
alter table organizations add column assignment text not null default 'manual';
-- Max concurrent chats for agents whose own capacity is 0, and whether pending chats
-- count against it.
alter table organizations add column default_capacity bigint not null default 5;
alter table organizations add column pending_counts boolean not null default false;
-- Seconds an agent still counts as online after their last live socket closed.
alter table organizations add column offline_grace_seconds bigint not null default 60;
-- Until when the agent counts as connected: pushed forward by the node that holds
-- their socket (a heartbeat), set to now + grace when the last socket closes. What
-- the router reads, so its choice does not depend on one node's memory.
alter table agents add column connected_until bigint not null default 0;
-- Round robin: when each agent was last given a chat, per department and overall.
alter table agents add column last_assigned_at bigint not null default 0;
alter table department_members add column last_assigned_at bigint not null default 0;
-- 0 normal, 1 high, 2 urgent; the queue is served by priority, then arrival.
alter table conversations add column priority bigint not null default 0;
-- When the conversation last started waiting for an assignee (null: use created_at).
alter table conversations add column waiting_since bigint;
-- Why the conversation is where it is (e.g. "round robin in Sales"), shown to agents.
alter table conversations add column routed_by text;
create index conversations_waiting_idx on conversations (org_id, priority desc, waiting_since) where assignee_id is null and status = 'open' and queued;
create index conversations_assignee_idx on conversations (assignee_id, status);
