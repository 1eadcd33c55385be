-- Search scoped to the organization inside the full-text index (issue 15, finding 10):
-- each row carries its organization as a token (the id's ULID, one token), and a search
-- matches it together with the words, so its cost follows the organization's messages,
-- not every customer's. Contentless: the index keeps only what it matches on.
drop trigger messages_fts_insert;
drop trigger messages_fts_delete;
drop trigger messages_fts_update;
drop table messages_fts;
create virtual table messages_fts using fts5 (org, body, content = '');
insert into messages_fts (rowid, org, body) select rowid, substr(org_id, 5), body from messages;
create trigger messages_fts_insert after insert on messages begin
    insert into messages_fts (rowid, org, body) values (new.rowid, substr(new.org_id, 5), new.body);
end;
create trigger messages_fts_delete after delete on messages begin
    insert into messages_fts (messages_fts, rowid, org, body) values ('delete', old.rowid, substr(old.org_id, 5), old.body);
end;
create trigger messages_fts_update after update of body on messages begin
    insert into messages_fts (messages_fts, rowid, org, body) values ('delete', old.rowid, substr(old.org_id, 5), old.body);
    insert into messages_fts (rowid, org, body) values (new.rowid, substr(new.org_id, 5), new.body);
end;
