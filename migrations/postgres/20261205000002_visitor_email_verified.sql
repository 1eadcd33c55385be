-- When the visitor's email was vouched for: signed by the site's server (an `emailHash`
-- from identity verification) or confirmed through a link mailed to it. Mail that carries
-- conversation text goes only to a vouched address (docs/operations.md, "Mail visitors
-- cause"). Cleared when the visitor gives another, unsigned, address.
alter table visitors add column email_verified_at bigint;
