/**
 * The visitor sidebar: who they are (whether their email is vouched for), what they told
 * the pre-chat form and other attributes their browser set, apart from those the site's
 * server set (which the visitor cannot change), their browser, where they are on the site and what they
 * looked at, their other conversations, and this conversation's facts (how the router
 * assigned it, among them), their purchases and goals (VisitorConversions.tsx, loaded
 * only for a visitor who has some); whether they are
 * blocked, with Block / Unblock (BlockVisitor.tsx); and, for owners and admins, exporting
 * or erasing their data (PersonData.tsx).
 */
import type { AgentConversation } from '@chinwag/sdk';
import { Suspense, lazy } from 'react';
import { VisitorDetailsDocument } from '../api';
import { useServices } from '../directory';
import type { Erasure } from '../privacy';
import { Link } from '../router';
import { isAdmin, useMe } from '../session';
import { Avatar, ErrorState, Icon, IconButton, Loading, useLoad } from '../ui';
import { BlockStatus } from './BlockVisitor';
import { StatusBadge } from './Conversation';
import { aboutWait, browserOf, fullDate, visitorName, when } from './format';
import { VisitorData } from './PersonData';
import { TagEditor } from './Tags';

// Most visitors never convert: the list's code stays out of the inbox's initial JavaScript.
const VisitorConversions = lazy(() => import('./VisitorConversions'));

export function VisitorPanel({
  conversation,
  onClose,
  onErased,
}: {
  conversation: AgentConversation;
  onClose(): void;
  /** The visitor's data was erased (the receipt is in): the thread shows what is left. */
  onErased?(erasure: Erasure): void;
}) {
  const { client } = useServices();
  const me = useMe();
  const id = conversation.id;
  const visitorId = conversation.visitor.id;
  const websiteId = conversation.websiteId;
  const details = useLoad(async () => {
    const { conversation: c, website } = await client.request(VisitorDetailsDocument, { id, websiteId });
    return { ...c.visitor, website };
  }, [id, websiteId]);
  const past = useLoad(
    async () =>
      (await client.conversations({ filter: { visitorId, status: ['OPEN', 'PENDING', 'RESOLVED'] }, first: 11 })).nodes.filter(
        (c) => c.id !== id,
      ),
    [visitorId, id],
  );
  const v = details.data;
  return (
    <aside className="visitor-panel" aria-label="Visitor details">
      <header className="panel-head">
        <h2>Visitor</h2>
        <IconButton icon="close" label="Close visitor details" onClick={onClose} />
      </header>
      {details.loading && !v ? (
        <Loading />
      ) : details.error ? (
        <ErrorState error={details.error} retry={details.reload} />
      ) : v ? (
        <>
          <div className="visitor-card">
            <Avatar name={visitorName(v)} id={v.id} online={v.isOnline} />
            <div>
              <strong>{visitorName(v)}</strong>
              <p className="muted">{v.isOnline ? 'Online now' : `Last seen ${fullDate(v.lastSeenAt)}`}</p>
            </div>
          </div>
          <BlockStatus visitorId={v.id} name={visitorName(v)} />
          <dl className="facts">
            <dt>Email</dt>
            <dd>
              {v.email ? (
                <>
                  <a href={`mailto:${v.email}`}>{v.email}</a>
                  {v.emailVerified && (
                    <span className="verified" title="Signed by your site, or confirmed by the visitor through a link">
                      <Icon name="check" size={12} /> verified
                    </span>
                  )}
                </>
              ) : (
                <span className="muted">Not given</span>
              )}
            </dd>
            {v.externalId && (
              <>
                <dt>Verified user id</dt>
                <dd>{v.externalId}</dd>
              </>
            )}
            <dt>Browser</dt>
            <dd>{browserOf(v.userAgent) ?? <span className="muted">Unknown</span>}</dd>
            <dt>Now on</dt>
            <dd>
              {v.currentUrl ? (
                <PageLink
                  url={v.currentUrl}
                  // The schema has no title for the current page: the newest view of it has one.
                  title={v.pageViews.find((p) => p.url === v.currentUrl)?.title}
                  withAddress
                />
              ) : (
                <span className="muted">Unknown</span>
              )}
            </dd>
            <dt>First seen</dt>
            <dd>{fullDate(v.createdAt)}</dd>
          </dl>
          <Attributes
            title="What they told us"
            // The name and email answers are the visitor's own fields, shown already.
            attributes={v.attributes.filter(
              (a) => !a.fromServer && !(a.key === 'name' && a.value === v.name) && !(a.key === 'email' && a.value === v.email),
            )}
            fields={v.website.preChatFields}
          />
          <Attributes
            title="From your site"
            note="Set by your site’s server: the visitor cannot change these."
            attributes={v.attributes.filter((a) => a.fromServer)}
            fields={[]}
          />
          {v.conversions.length > 0 && (
            <Suspense fallback={null}>
              <VisitorConversions conversions={v.conversions} conversationId={id} />
            </Suspense>
          )}
          <h3>This conversation</h3>
          <dl className="facts">
            <dt>Website</dt>
            <dd>{v.website.name}</dd>
            <dt>Started</dt>
            <dd>{fullDate(conversation.createdAt)}</dd>
            <dt>Routed</dt>
            <dd>
              {conversation.routedBy ? (
                `By ${conversation.routedBy}`
              ) : conversation.assignee ? (
                <span className="muted">By a person</span>
              ) : conversation.queuePosition != null ? (
                `Waiting: #${conversation.queuePosition} in line${
                  conversation.estimatedWaitSeconds != null ? `, ${aboutWait(conversation.estimatedWaitSeconds)}` : ''
                }`
              ) : (
                <span className="muted">Not yet</span>
              )}
            </dd>
            <dt>Tags</dt>
            <dd>
              <TagEditor key={conversation.tags.join()} conversation={conversation} />
            </dd>
            <dt>First response</dt>
            <dd>
              {conversation.firstResponseAt ? fullDate(conversation.firstResponseAt) : <span className="muted">Not yet</span>}
            </dd>
            {conversation.rating != null && (
              <>
                <dt>Rating</dt>
                <dd>
                  <span aria-label={`${conversation.rating} out of 5`}>
                    {'★'.repeat(conversation.rating)}
                    {'☆'.repeat(5 - conversation.rating)}
                  </span>{' '}
                  {conversation.ratingComment}
                </dd>
              </>
            )}
          </dl>
          <h3>Pages viewed</h3>
          {v.pageViews.length ? (
            <ol className="plain-list">
              {v.pageViews.map((p, i) => (
                <li key={`${p.viewedAt}-${i}`}>
                  <PageLink url={p.url} title={p.title} />
                  <small className="muted"> · {when(p.viewedAt)}</small>
                </li>
              ))}
            </ol>
          ) : (
            <p className="muted">No pages recorded.</p>
          )}
          <h3>Other conversations</h3>
          {past.loading && !past.data ? (
            <Loading />
          ) : past.error ? (
            <ErrorState error={past.error} retry={past.reload} />
          ) : past.data?.length ? (
            <ul className="plain-list">
              {past.data.slice(0, 10).map((c) => (
                <li key={c.id}>
                  <Link to={`inbox/all/${c.id}${c.status === 'OPEN' ? '' : `?status=${c.status}`}`} className="past-link">
                    <span>{c.lastMessagePreview ?? 'No messages'}</span>
                    <small className="muted">
                      <StatusBadge status={c.status} /> {when(c.lastActivityAt)}
                    </small>
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">This is their first conversation.</p>
          )}
          {isAdmin(me) && (
            <VisitorData
              visitorId={v.id}
              name={visitorName(v)}
              onErased={(erasure) => {
                details.reload();
                past.reload();
                onErased?.(erasure);
              }}
            />
          )}
        </>
      ) : null}
    </aside>
  );
}

/**
 * Attributes under a heading: pre-chat answers in the form's order under the form's labels
 * (others after them, their key made readable). Values are supplied by the visitor or the
 * site: text only.
 */
function Attributes({
  title,
  note,
  attributes,
  fields,
}: {
  title: string;
  /** Under the heading. */
  note?: string;
  attributes: { key: string; value: string }[];
  fields: { key: string; label: string }[];
}) {
  if (!attributes.length) return null;
  const rank = (k: string) => {
    const i = fields.findIndex((f) => f.key === k);
    return i < 0 ? fields.length : i;
  };
  const sorted = [...attributes].sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
  const label = (k: string) => fields.find((f) => f.key === k)?.label ?? readable(k);
  return (
    <section className="panel-section" aria-label={title}>
      <h3>{title}</h3>
      {note && <p className="hint">{note}</p>}
      <dl className="facts attributes">
        {sorted.map((a) => (
          <div key={a.key} className="fact">
            <dt>{label(a.key)}</dt>
            <dd>{a.value || <span className="muted">Left empty</span>}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** `order_number` → `Order number`. */
const readable = (key: string) => {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * `https://www.shop.example/products/kettle?ref=x` → `shop.example/products/kettle`:
 * the host and path, decoded, without the scheme, `www.`, query or fragment.
 */
export function readableUrl(url: string): string {
  try {
    const u = new URL(url);
    let path = u.pathname;
    try {
      path = decodeURI(path);
    } catch {
      /* malformed escapes: keep them */
    }
    return u.host.replace(/^www\./, '') + (path === '/' ? '' : path);
  } catch {
    return url; // not a URL: show it as it is
  }
}

/**
 * A page of the customer's site, opening in a new tab: its title (or, without one, its
 * host and path); `withAddress` adds the host and path under the title.
 */
function PageLink({ url, title, withAddress }: { url: string; title?: string | null; withAddress?: boolean }) {
  const address = readableUrl(url);
  const label = title?.trim() || address;
  const text = (
    <>
      {label}
      {withAddress && label !== address && <small className="page-address">{address}</small>}
    </>
  );
  // Only http(s) links are made clickable: a URL is visitor-supplied data.
  return /^https?:\/\//i.test(url) ? (
    <a href={url} target="_blank" rel="noreferrer noopener" title={url} className={withAddress ? 'page-link' : undefined}>
      {text}
    </a>
  ) : (
    <span className={withAddress ? 'page-link' : undefined}>{text}</span>
  );
}
