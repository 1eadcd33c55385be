-- A deleted website: its key and secret are replaced and its settings cleared at once,
-- a job removes its visitors and conversations, and the row stays as a tombstone (so
-- visitor tokens naming it are refused on every node, and its id is never reused).
alter table websites add column deleted_at bigint;
