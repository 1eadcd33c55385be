-- The article search index favours reads (issue 24): with GIN's fast update, published
-- texts wait in a pending list that every search scans in full until a vacuum merges it
-- (5 ms a search after publishing 10,000 articles). Articles are published rarely and
-- searched often, so each insert now goes straight into the index.
alter index article_search_doc_idx set (fastupdate = off);
select gin_clean_pending_list('article_search_doc_idx'::regclass);
