-- The visitor's language: their browser's first choice (Accept-Language) when a session
-- starts, lowercased ("fr-ca"); routing rules can match it.
alter table visitors add column language text;
