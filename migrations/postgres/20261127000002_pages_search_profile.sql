-- Page views (what agents see as the visitor's current page and history), agent
-- avatars, and full-text search over message bodies.

create table page_views (
    id text primary key,
    org_id text not null references organizations (id),
    visitor_id text not null references visitors (id),
    url text not null,
    title text,
    referrer text,
    created_at bigint not null
);
create index page_views_visitor_idx on page_views (visitor_id, created_at desc);

alter table agents add column avatar_url text;

-- The 'simple' configuration: no language stemming, since chats come in any language.
create index messages_body_fts_idx on messages using gin (to_tsvector('simple', body));
