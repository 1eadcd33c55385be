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
    article_id text not null references articles (id) on delete cascade,
    language text not null,
    title text not null,
    -- Markdown as written; `plain` is its text without markup (what search reads).
    body text not null,
    plain text not null,
    updated_at bigint not null,
    primary key (article_id, language)
);

-- The published texts, for search (kept by the store in the transaction that publishes,
-- edits, unpublishes or deletes): the title weighs more than the body, each stemmed with
-- its language's dictionary ('simple' where PostgreSQL has none).
create table article_search (
    article_id text not null,
    website_id text not null,
    language text not null,
    is_default boolean not null,
    title text not null,
    plain text not null,
    doc tsvector not null,
    primary key (article_id, language)
);
create index article_search_doc_idx on article_search using gin (doc);
create index article_search_website_idx on article_search (website_id);
