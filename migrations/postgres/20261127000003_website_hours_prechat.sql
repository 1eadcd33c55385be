-- Website behaviour: business hours (JSON: time zone and weekly intervals; null means
-- always open), pre-chat form fields (JSON array), whether to take messages while
-- offline, and the "powered by" line. Conversations remember being offline messages.

alter table websites add column business_hours text;
alter table websites add column pre_chat_fields text not null default '[]';
alter table websites add column offline_messages boolean not null default true;
alter table websites add column powered_by boolean not null default true;

alter table conversations add column is_offline boolean not null default false;
