-- Attributes the site's server set through the API (setVisitorAttributes, by the
-- customer's external id), kept apart from what the visitor's browser set: agents see both,
-- a visitor never sees these, and rules can trust them.
alter table visitors add column server_attributes text not null default '{}';
