-- A website's help center on its own host name (docs/assistant.md#its-own-host-name):
-- requests whose Host is this name get the help center at `/`. One website per name
-- among those not deleted.
alter table websites add column help_domain text;
create unique index websites_help_domain_key on websites (help_domain) where help_domain is not null and deleted_at is null;
