-- Which worker is bringing a conversation's Slack thread up to date, and until when: a
-- sync runs on one node at a time, so two nodes never post the same message twice. A
-- worker extends its lease after each post and deletes it when done; a lapsed lease
-- (its node died) is taken over.
create table slack_sync_leases (
    conversation_id text primary key,
    token text not null,
    lease_until bigint not null
);
