/**
 * A website's articles, the most recently changed first, a page at a time ("Load more"):
 * each with its status, category, title in its default language, languages and when it
 * changed; filtered by status. The website and the filter are in the address.
 */
import { useEffect, useState } from 'react';
import { ArticlesDocument, type ArticleStatus, type ArticleSummary, type HelpWebsite } from '../articles';
import { useServices } from '../directory';
import { fullDate, when } from '../inbox/format';
import { Link, navigate, useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import { Badge, Button, EmptyState, ErrorState, Icon, Loading, Segmented, SelectField, errorMessage, useAction } from '../ui';
import { helpCenterUrl } from './shared';

/** Articles asked for at a time. */
const PAGE = 20;

type Filter = 'ALL' | ArticleStatus;

const FILTERS: { value: Filter; label: string }[] = [
  { value: 'ALL', label: 'All' },
  { value: 'DRAFT', label: 'Drafts' },
  { value: 'PUBLISHED', label: 'Published' },
];

export function ArticleList({ websites }: { websites: HelpWebsite[] }) {
  const { client } = useServices();
  const me = useMe();
  const { query } = useLocation();
  const website = websites.find((w) => w.id === query.get('website')) ?? websites[0]!;
  const filter = FILTERS.find((f) => f.value === query.get('status'))?.value ?? 'ALL';
  const status = filter === 'ALL' ? null : filter;
  const go = (websiteId: string, f: Filter) => {
    const q = new URLSearchParams();
    if (websites.length > 1) q.set('website', websiteId);
    if (f !== 'ALL') q.set('status', f);
    const text = q.toString();
    navigate(text ? `help-center?${text}` : 'help-center', { replace: true });
  };

  const key = `${website.id}:${filter}`;
  const [list, setList] = useState<{ key: string; items: ArticleSummary[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const page = async (after: string | null) => {
    const { articles } = await client.request(ArticlesDocument, { websiteId: website.id, status, first: PAGE, after });
    return { items: articles.edges.map((e) => e.node), next: articles.pageInfo.hasNextPage ? articles.pageInfo.endCursor : null };
  };
  useEffect(() => {
    let live = true;
    setError(null);
    page(null).then(
      (p) => live && setList({ key, ...p }),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // `key` names the website and the filter: the page's closure changes with them.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);
  const more = useAction(async () => {
    if (!list?.next) return;
    const p = await page(list.next);
    setList((l) => l && { key: l.key, items: [...l.items, ...p.items], next: p.next });
  });
  const current = list?.key === key ? list : null;
  const center = helpCenterUrl(website.publicKey);
  /** The website, in the address of a screen for it (the only one needs none). */
  const which = websites.length > 1 ? `?website=${website.id}` : '';

  return (
    <>
      <header className="help-head">
        <div>
          <h1>Help center</h1>
          <p className="muted">
            Articles that answer your visitors’ questions: in {website.name}’s{' '}
            <a href={center} target="_blank" rel="noopener">
              help center
              <Icon name="external" size={14} />
            </a>
            , in article search and in the chat widget once published.
          </p>
        </div>
        <div className="help-head-actions">
          {websites.length > 1 && (
            <SelectField label="Website" value={website.id} onChange={(e) => go(e.target.value, filter)}>
              {websites.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </SelectField>
          )}
          {isAdmin(me) && (
            <>
              <Link to={`help-center/address${which}`} className="btn btn-secondary btn-md">
                Address
              </Link>
              <Link to={`help-center/bot${which}`} className="btn btn-secondary btn-md">
                Answer bot
              </Link>
            </>
          )}
          <Link to={`help-center/new${which}`} className="btn btn-primary btn-md">
            <Icon name="plus" size={16} />
            New article
          </Link>
        </div>
      </header>
      <Segmented label="Status" value={filter} options={FILTERS} onChange={(f) => go(website.id, f)} />
      {error && !current ? (
        <ErrorState error={error} />
      ) : !current ? (
        <Loading />
      ) : current.items.length === 0 ? (
        filter === 'ALL' ? (
          <EmptyState icon="book" title="No articles yet">
            <p>
              The help center is a public site of articles for {website.name}, at{' '}
              <a href={center} target="_blank" rel="noopener">
                {center}
              </a>
              . Visitors find answers there without waiting for a reply, and the chat widget suggests articles as they type.
            </p>
            <p>Anyone on the team can write a draft; an owner or admin publishes it.</p>
          </EmptyState>
        ) : (
          <EmptyState icon="book" title={filter === 'DRAFT' ? 'No drafts' : 'Nothing published yet'}>
            <p>{filter === 'DRAFT' ? 'Every article of this website is published.' : 'Drafts appear here once published.'}</p>
          </EmptyState>
        )
      ) : (
        <>
          <ul className="article-list" aria-label="Articles">
            {current.items.map((a) => (
              <li key={a.id}>
                <Link to={`help-center/${a.id}`} className="card-link article-row">
                  <span className="article-main">
                    <strong className="article-title">{a.text.title}</strong>
                    <small className="muted">
                      {a.category || 'No category'} · {a.texts.map((t) => t.language).join(', ')} · Updated{' '}
                      <time dateTime={a.updatedAt} title={fullDate(a.updatedAt)}>
                        {when(a.updatedAt)}
                      </time>
                    </small>
                  </span>
                  <StatusBadge status={a.status} />
                </Link>
              </li>
            ))}
          </ul>
          {current.next && (
            <div className="row-actions">
              <Button busy={more.busy} onClick={() => void more.run()}>
                Load more
              </Button>
            </div>
          )}
          {more.error && (
            <p className="form-error" role="alert">
              {more.error}
            </p>
          )}
        </>
      )}
      {error && current ? (
        <p className="form-error" role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
    </>
  );
}

export function StatusBadge({ status }: { status: ArticleStatus }) {
  return status === 'PUBLISHED' ? <Badge tone="ok">Published</Badge> : <Badge>Draft</Badge>;
}
