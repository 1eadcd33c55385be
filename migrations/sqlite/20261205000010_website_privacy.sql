-- The widget's privacy line: a link to the website's privacy policy, and whether a visitor
-- may delete their own conversations and data from the widget.
alter table websites add column privacy_policy_url text;
alter table websites add column visitor_deletion boolean not null default false;
