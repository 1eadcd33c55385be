-- The answer bot (docs/assistant.md#the-answer-bot): per website, off by default.
create table assistant_settings (
    website_id text primary key references websites (id),
    org_id text not null references organizations (id),
    answer_bot boolean not null default false,
    -- 'always' (before the team), or 'away' (only outside business hours or with nobody online).
    mode text not null default 'always' check (mode in ('always', 'away')),
    bot_name text not null default 'Assistant',
    -- The share of a question the best article must cover for the bot to answer.
    threshold double precision not null default 0.7,
    updated_at bigint not null
);

-- Each answer the bot gave: the question, its message, the articles it used, and what
-- the visitor made of it ('helped', 'handover'; null while unknown).
create table bot_answers (
    id text primary key,
    org_id text not null,
    conversation_id text not null,
    question_message_id text not null,
    answer_message_id text not null,
    article_ids text not null,
    score double precision not null,
    outcome text check (outcome in ('helped', 'handover')),
    created_at bigint not null
);
create index bot_answers_conversation_idx on bot_answers (conversation_id, created_at);
