-- The organization's schedule (DESIGN.md: one time zone and holiday calendar, with
-- per-website business hours): its time zone, and the dates its websites are closed
-- all day, as a JSON array of {"date": "YYYY-MM-DD", "name": "..."}.
alter table organizations add column time_zone text not null default 'UTC';
alter table organizations add column holidays text not null default '[]';
