-- The assistant's semantic layer (docs/assistant.md#the-semantic-layer): each published
-- text's passages as sentence embeddings of the configured model, made in the background
-- and current while `text_updated_at` equals the text's `updated_at`.
create table article_vectors (
    article_id text not null references articles (id) on delete cascade,
    language text not null,
    -- The model's fingerprint: vectors of another model are never compared.
    model text not null,
    text_updated_at bigint not null,
    -- The passages' vectors, each a scale (little-endian f32) and one signed byte a dimension.
    vectors bytea not null,
    primary key (article_id, language, model)
);
