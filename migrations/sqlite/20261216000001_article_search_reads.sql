-- The article search index favours reads (issue 24): its segments are merged into one
-- b-tree (FTS5's 'optimize'), as PostgreSQL's GIN index merges its pending list here.
insert into article_search (article_search) values ('optimize');
