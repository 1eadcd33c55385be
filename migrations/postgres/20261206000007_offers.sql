-- Offers: with offer_seconds > 0 the router offers a waiting chat to the agent it chose,
-- who accepts within that time or the offer moves on (the chat stays in line meanwhile).
alter table organizations add column offer_seconds bigint not null default 0;
alter table conversations add column offered_to text;
alter table conversations add column offer_expires_at bigint;
create index conversations_offered_idx on conversations (offered_to) where offered_to is not null;
