-- The knowledge base (docs/assistant.md): help-center articles per website, each with a
-- text per language. Drafts are never public; publishing needs an owner or admin.
create table articles (
    id text primary key,
    org_id text not null references organizations (id),
    website_id text not null references websites (id),
    slug text not null,
    category text not null default '',
    status text not null check (status in ('draft', 'published')),
    -- The text a visitor gets when the article has none in their language.
    default_language text not null,
    created_by text,
    created_at bigint not null,
    updated_at bigint not null,
    published_at bigint,
    constraint articles_slug_key unique (website_id, slug)
);
create index articles_website_idx on articles (website_id, status, category);
create index articles_org_idx on articles (org_id, updated_at);

create table article_texts (
    -- The text's row in `article_search` (a rowid alias: stable).
    id integer primary key,
    article_id text not null references articles (id) on delete cascade,
    language text not null,
    title text not null,
    -- Markdown as written; `plain` is its text without markup (what search reads).
    body text not null,
    plain text not null,
    updated_at bigint not null,
    constraint article_texts_key unique (article_id, language)
);

-- The published texts, for search (kept by the store in the transaction that publishes,
-- edits, unpublishes or deletes). English stemming (Porter) for every language here;
-- PostgreSQL uses each language's own dictionary. Its rowid is the text's `id`;
-- `website` is the website's id without its `web_` prefix, matched as a column filter.
create virtual table article_search using fts5 (
    article_id unindexed,
    website,
    language unindexed,
    is_default unindexed,
    title,
    plain,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
