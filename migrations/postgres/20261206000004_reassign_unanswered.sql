-- Reassignment of unanswered chats: a chat the router gave an agent goes back to the line
-- when they have not replied within this many seconds (0: never).
alter table organizations add column reassign_after_seconds bigint not null default 0;
-- When the router last gave the conversation its assignee (what a reassignment job
-- checks, so a job for an earlier assignment does nothing), and the agent who last let it
-- go unanswered (the router prefers anyone else for it next).
alter table conversations add column assigned_at bigint;
alter table conversations add column passed_over text;
-- The estimated wait reads how many chats were first answered lately, per organization.
create index conversations_answered_idx on conversations (org_id, first_response_at);
