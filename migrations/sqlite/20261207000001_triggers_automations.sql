-- Triggers (docs/routing.md#triggers): per website, a proactive message the widget shows
-- when its conditions hold on the visitor's page. Nothing is stored unless the visitor
-- replies; then the message becomes the conversation's first BOT message, sent as the
-- trigger (its name shown as the agent's, or the website's for the team).
create table triggers (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    position bigint not null,
    name text not null,
    enabled boolean not null default true,
    -- [TriggerCondition] as JSON (api/src/domain/triggers.rs).
    conditions text not null,
    message text not null,
    -- Who it speaks as: an agent, or (null) the team.
    agent_id text,
    open_panel boolean not null default false,
    created_at bigint not null,
    updated_at bigint not null
);
create index triggers_website_idx on triggers (website_id, position);
create index triggers_org_idx on triggers (org_id);

-- Automations (docs/routing.md#automations): on an event, when conditions hold, actions
-- run as a job (send a message as the bot, assign, route, tag, set priority, resolve).
create table automations (
    id text primary key,
    org_id text not null references organizations (id),
    position bigint not null,
    name text not null,
    enabled boolean not null default true,
    event text not null,
    -- AutomationSpec as JSON: conditions, keywords, minutes, rating, actions
    -- (api/src/domain/automations.rs).
    spec text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index automations_org_idx on automations (org_id, position);

-- Messages automations sent in the conversation, claimed one by one before each is
-- sent (at most MAX_BOT_MESSAGES: a loop through a webhook and an external bot stops).
alter table conversations add column automation_messages bigint not null default 0;
