/**
 * The queue pane: views (unassigned, mine, all), status, a tag filter and the order (latest
 * activity, or SLA due time first), how many chats wait for an agent and for how long, and
 * the live, virtualized list (a waiting chat shows its place in line and estimated wait,
 * its priority when above normal, who it is on offer to, and any chat its SLA badge), under
 * the chats offered to me (`Offers.tsx`).
 */
import type { ConversationStatus, Priority } from '@chinwag/sdk';
import { useSyncExternalStore, type ReactNode, type RefObject } from 'react';
import type { QueueConversation } from '../api';
import { useServices } from '../directory';
import { Link } from '../router';
import { useMe } from '../session';
import { Avatar, Badge, Button, EmptyState, ErrorState, Icon, Loading, Segmented, Spinner } from '../ui';
import type { View } from './inbox';
import { aboutWait, visitorName, waitedFor, when } from './format';
import { OfferCards } from './Offers';
import { SlaBadge } from './sla';
import type { useQueue } from './useQueue';
import { useNow, useWaiting, type Waiting } from './useWaiting';
import { VirtualList } from './VirtualList';

export const VIEWS: { value: View; label: string }[] = [
  { value: 'unassigned', label: 'Unassigned' },
  { value: 'mine', label: 'Mine' },
  { value: 'all', label: 'All' },
];

/** How the list is ordered: `due` asks the server for the earliest open SLA due time first (`order: DUE_FIRST`). */
export type Sort = 'activity' | 'due';
export const SORTS: { value: Sort; label: string }[] = [
  { value: 'activity', label: 'Latest activity' },
  { value: 'due', label: 'Due first' },
];

export const STATUSES: { value: ConversationStatus; label: string }[] = [
  { value: 'OPEN', label: 'Open' },
  { value: 'PENDING', label: 'Pending' },
  { value: 'RESOLVED', label: 'Resolved' },
];

const ROW = 76;

export function Queue({
  view,
  status,
  openId,
  queue,
  href,
  onView,
  onStatus,
  search,
  onSearch,
  searchRef,
  tag,
  onTag,
  sort,
  onSort,
}: {
  view: View;
  status: ConversationStatus;
  openId: string | null;
  queue: ReturnType<typeof useQueue>;
  href(id: string): string;
  onView(v: View): void;
  onStatus(s: ConversationStatus): void;
  search: string;
  onSearch(text: string): void;
  searchRef: RefObject<HTMLInputElement | null>;
  /** Only conversations with this tag ('' for all). */
  tag: string;
  onTag(tag: string): void;
  sort: Sort;
  onSort(sort: Sort): void;
}) {
  const { inbox } = useServices();
  useSyncExternalStore(inbox.onTally, inbox.version);
  const waiting = useWaiting();
  const openIndex = openId ? queue.items.findIndex((c) => c.id === openId) : -1;

  return (
    <section className="queue" aria-label="Conversations">
      <div className="queue-head">
        <div className="search" role="search">
          <Icon name="search" size={16} />
          <input
            ref={searchRef}
            className="input"
            type="search"
            value={search}
            placeholder="Search messages, names, emails"
            aria-label="Search conversations"
            onChange={(e) => onSearch(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                onSearch('');
                e.currentTarget.blur();
              }
            }}
          />
        </div>
        <div className="queue-filters">
          <input
            className="input input-sm queue-tag"
            type="search"
            value={tag}
            placeholder="Tag"
            aria-label="Filter by tag"
            onChange={(e) => onTag(e.target.value)}
          />
          <label className="queue-sort">
            Sort:{' '}
            <select className="input input-sm" value={sort} onChange={(e) => onSort(e.target.value as Sort)}>
              {SORTS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
        </div>
        <Segmented label="View" value={view} options={VIEWS} onChange={onView} />
        <Segmented label="Status" value={status} options={STATUSES} onChange={onStatus} />
        <WaitingSummary waiting={waiting} />
      </div>
      <OfferCards />
      {queue.loading ? (
        <Loading label="Loading conversations…" />
      ) : queue.error && !queue.items.length ? (
        <ErrorState error={queue.error} retry={queue.reload} />
      ) : !queue.items.length ? (
        search || tag ? (
          <EmptyState icon="search" title="No conversation matches">
            <p>Try other words, or another view or status.</p>
          </EmptyState>
        ) : (
          <EmptyState title={emptyTitle(view, status)}>
            <p>New chats appear here as soon as a visitor writes.</p>
          </EmptyState>
        )
      ) : (
        <VirtualRows
          items={queue.items}
          openIndex={openIndex}
          href={href}
          openId={openId}
          unread={inbox.unread}
          place={(c) =>
            waiting.loaded
              ? { n: waiting.positions.get(c.id) ?? null, wait: waiting.waits.get(c.id) ?? null }
              : { n: c.queuePosition, wait: c.estimatedWaitSeconds }
          }
          onEndReached={queue.hasMore ? queue.loadMore : undefined}
          footer={
            queue.loadingMore ? (
              <div className="queue-more">
                <Spinner small label="Loading more" />
              </div>
            ) : queue.error ? (
              <div className="queue-more">
                <Button size="sm" onClick={queue.loadMore}>
                  Retry loading more
                </Button>
              </div>
            ) : null
          }
        />
      )}
    </section>
  );
}

function VirtualRows({
  items,
  openIndex,
  openId,
  href,
  unread,
  place,
  onEndReached,
  footer,
}: {
  items: QueueConversation[];
  openIndex: number;
  openId: string | null;
  href(id: string): string;
  unread(id: string): number;
  /** Its place in line while it waits for an agent, and about how long it still waits. */
  place(c: QueueConversation): { n: number | null; wait: number | null };
  onEndReached?: () => void;
  footer: ReactNode;
}) {
  const me = useMe();
  return (
    <VirtualList
      label="Conversations"
      items={items}
      rowHeight={ROW}
      getKey={(c) => c.id}
      scrollToIndex={openIndex}
      onEndReached={onEndReached}
      footer={footer}
      renderRow={(c) => {
        const n = unread(c.id);
        const name = visitorName(c.visitor);
        const waits = c.assignee ? null : place(c);
        return (
          <Link
            to={href(c.id)}
            className={`row${c.id === openId ? ' current' : ''}${n ? ' unread' : ''}`}
            aria-current={c.id === openId ? 'page' : undefined}
            data-conversation={c.id}
          >
            <Avatar name={name} id={c.visitor.id} online={c.visitor.isOnline} />
            <span className="row-main">
              <span className="row-top">
                <span className="row-name">{name}</span>
                <time dateTime={c.lastActivityAt}>{when(c.lastActivityAt)}</time>
              </span>
              <span className="row-preview">{c.lastMessagePreview ?? 'No messages yet'}</span>
              <span className="row-meta">
                {waits?.n != null && <QueuePlace n={waits.n} wait={waits.wait} />}
                <SlaBadge conversation={c} />
                <PriorityBadge priority={c.priority} />
                {c.isOffline && <OfflineMark />}
                {c.assigneeName ? (
                  <span>→ {c.assigneeName}</span>
                ) : c.offeredTo ? (
                  <span className="offered">Offered to {c.offeredTo.id === me.id ? 'you' : c.offeredTo.name}</span>
                ) : (
                  <span className="muted">Unassigned</span>
                )}
                {c.department && <span className="muted">· {c.department.name}</span>}
                {c.tags.map((t) => (
                  <span key={t} className="tag">
                    {t}
                  </span>
                ))}
              </span>
            </span>
            {n > 0 && (
              <Badge tone="accent" label={`${n} unread`}>
                {n}
              </Badge>
            )}
          </Link>
        );
      }}
    />
  );
}

/** "3 waiting · oldest 4 min": the chats no agent has yet (nothing while none waits). */
function WaitingSummary({ waiting }: { waiting: Waiting }) {
  const now = useNow();
  if (!waiting.loaded || !waiting.count) return null;
  return (
    <p className="queue-wait" role="status" aria-label="Waiting for an agent">
      <span>
        <strong>{waiting.more ? `${waiting.count}+` : waiting.count}</strong> waiting
      </span>
      {waiting.oldest && (
        <span>
          oldest <strong>{waitedFor(waiting.oldest, now)}</strong>
        </span>
      )}
    </p>
  );
}

/** A waiting chat's place in line (1 is next), and its estimated wait when the server has one. */
export function QueuePlace({ n, wait }: { n: number; wait?: number | null }) {
  return (
    <>
      <Badge tone="accent" label={`Number ${n} in line`}>
        #{n} in line
      </Badge>
      {wait != null && (
        <span className="queue-eta" title="Estimated wait, from how fast the line was answered in the last 30 minutes">
          {aboutWait(wait)}
        </span>
      )}
    </>
  );
}

/** A priority above normal (normal shows nothing: most chats are). */
export function PriorityBadge({ priority }: { priority: Priority }) {
  if (priority === 'NORMAL') return null;
  return priority === 'URGENT' ? <span className="badge badge-urgent">urgent</span> : <Badge tone="warn">high</Badge>;
}

/** Left while nobody was available: replies reach the visitor by email. */
export function OfflineMark({ long }: { long?: boolean }) {
  return (
    <span className="offline-mark" title="Left while nobody was available: your replies are emailed">
      <Icon name="mail" size={12} />
      {long ? 'Offline message' : 'Offline'}
    </span>
  );
}

function emptyTitle(view: View, status: ConversationStatus) {
  const s = status.toLowerCase();
  if (view === 'mine') return `No ${s} conversations assigned to you`;
  if (view === 'unassigned') return `No unassigned ${s} conversations`;
  return `No ${s} conversations`;
}
