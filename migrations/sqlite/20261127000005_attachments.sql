-- Files attached to messages. Uploaded first (message_id null), attached when the
-- message is sent. The bytes live in object storage under a random key.
create table attachments (
    id text primary key,
    org_id text not null references organizations (id),
    conversation_id text not null references conversations (id),
    uploader_kind text not null,
    uploader_id text not null,
    message_id text references messages (id),
    filename text not null,
    content_type text not null,
    size bigint not null,
    storage_key text not null,
    created_at bigint not null
);
create index attachments_message_idx on attachments (message_id);
create index attachments_conversation_idx on attachments (conversation_id);
