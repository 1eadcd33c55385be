-- The audit log, readable by owners and admins (`auditLog`, `GET /audit.csv`): where each
-- action came from (the client IP the server saw), and an index for reading one action.
alter table audit_log add column ip text;
create index audit_log_action_idx on audit_log (org_id, action, created_at);
