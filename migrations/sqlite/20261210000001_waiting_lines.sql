-- Each waiting line (a department's, or the one without) in queue order, so an
-- assignment run reads the head of each line it can serve rather than every waiting
-- conversation (docs/benchmarks.md, routing).
create index conversations_line_idx on conversations (org_id, department_id, priority desc, coalesce(waiting_since, created_at), id)
    where assignee_id is null and status = 'open' and queued;
