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

-- FTS5 over messages.body, as an external-content table kept in step by triggers
-- (messages keep their implicit rowid).
create virtual table messages_fts using fts5 (body, content = 'messages', content_rowid = 'rowid');
insert into messages_fts (messages_fts) values ('rebuild');
create trigger messages_fts_insert after insert on messages begin
    insert into messages_fts (rowid, body) values (new.rowid, new.body);
end;
create trigger messages_fts_delete after delete on messages begin
    insert into messages_fts (messages_fts, rowid, body) values ('delete', old.rowid, old.body);
end;
create trigger messages_fts_update after update of body on messages begin
    insert into messages_fts (messages_fts, rowid, body) values ('delete', old.rowid, old.body);
    insert into messages_fts (rowid, body) values (new.rowid, new.body);
end;
