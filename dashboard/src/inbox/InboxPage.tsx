/**
 * The inbox: the queue on the left, the open conversation (and visitor details) on the
 * right; on a phone one at a time. The URL holds the view, the status, the tag filter, the
 * order and the open conversation (`inbox/mine/cnv_1?status=PENDING&tag=refund&sort=due`),
 * so reloads and links land right. The search stays out of it: it is a passing look-up.
 */
import type { ConversationStatus } from '@chinwag/sdk';
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../directory';
import { navigate, useLocation } from '../router';
import { useMe } from '../session';
import { EmptyState } from '../ui';
import { Conversation, type ConversationHandle } from './Conversation';
import type { View } from './inbox';
import { Queue, STATUSES, VIEWS, type Sort } from './Queue';
import { ShortcutHelp, useShortcuts } from './shortcuts';
import { useQueue } from './useQueue';

export default function InboxPage() {
  const me = useMe();
  const { inbox } = useServices();
  const { segments, query } = useLocation();
  const view = (VIEWS.find((v) => v.value === segments[1])?.value ?? 'unassigned') as View;
  const status = (STATUSES.find((s) => s.value === query.get('status'))?.value ?? 'OPEN') as ConversationStatus;
  const openId = segments[2] ?? null;
  const tag = (query.get('tag') ?? '').trim().toLowerCase();
  const sort: Sort = query.get('sort') === 'due' ? 'due' : 'activity';
  const href = (id: string | null, v: View = view, s: ConversationStatus = status, t = tag, o: Sort = sort) => {
    const q = new URLSearchParams();
    if (s !== 'OPEN') q.set('status', s);
    if (t) q.set('tag', t);
    if (o !== 'activity') q.set('sort', o);
    const qs = q.toString();
    return `inbox/${v}${id ? `/${id}` : ''}${qs ? `?${qs}` : ''}`;
  };

  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  // The tag box as typed; the URL has the filter in force, written once typing pauses.
  const [tagText, setTagText] = useState(tag);
  const [shownTag, setShownTag] = useState(tag);
  if (tag !== shownTag) {
    // The URL changed under the box (back, forward, a link): the box follows.
    setShownTag(tag);
    if (tagText.trim().toLowerCase() !== tag) setTagText(tag);
  }
  const latestHref = useRef(href);
  latestHref.current = href;
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(searchText.trim());
      const next = tagText.trim().toLowerCase();
      if (next !== tag) navigate(latestHref.current(openId, view, status, next), { replace: true });
    }, 250);
    return () => clearTimeout(t);
  }, [searchText, tagText, tag, openId, view, status]);
  const searchBox = useRef<HTMLInputElement>(null);
  // Due first is the server's order, page after page (`conversations(order: DUE_FIRST)`).
  const queue = useQueue(view, status, me.id, search, tag, sort);
  const items = queue.items;
  const conv = useRef<ConversationHandle>(null);
  const [sidebar, setSidebar] = useState(() => matchMedia('(min-width: 1360px)').matches);
  const [help, setHelp] = useState(false);

  useEffect(() => {
    inbox.setOpen(openId);
    return () => inbox.setOpen(null);
  }, [inbox, openId]);

  const step = (delta: number) => {
    if (!items.length) return;
    const i = items.findIndex((c) => c.id === openId);
    const next = items[Math.min(items.length - 1, Math.max(0, i < 0 ? 0 : i + delta))];
    if (next) navigate(href(next.id));
  };

  useShortcuts({
    j: () => step(1),
    k: () => step(-1),
    r: () => conv.current?.focusReply(),
    n: () => conv.current?.focusNote(),
    a: () => conv.current?.assignToMe(),
    t: () => conv.current?.transfer(),
    e: () => conv.current?.toggleResolved(),
    p: () => conv.current?.setPending(),
    i: () => setSidebar((s) => !s),
    '1': () => navigate(href(null, 'unassigned')),
    '2': () => navigate(href(null, 'mine')),
    '3': () => navigate(href(null, 'all')),
    '?': () => setHelp(true),
    '/': () => searchBox.current?.focus(),
    Escape: () => openId && matchMedia('(max-width: 719px)').matches && navigate(href(null)),
  });

  return (
    <div className={`inbox${openId ? ' has-open' : ''}`}>
      <Queue
        view={view}
        status={status}
        openId={openId}
        queue={{ ...queue, items }}
        href={(id) => href(id)}
        onView={(v) => navigate(href(null, v))}
        onStatus={(s) => navigate(href(null, view, s))}
        search={searchText}
        onSearch={setSearchText}
        searchRef={searchBox}
        tag={tagText}
        onTag={setTagText}
        sort={sort}
        onSort={(o) => navigate(href(openId, view, status, tag, o), { replace: true })}
      />
      <div className="conv-area">
        {openId ? (
          <Conversation
            key={openId}
            ref={conv}
            id={openId}
            onBack={() => navigate(href(null))}
            sidebarOpen={sidebar}
            onToggleSidebar={() => setSidebar((s) => !s)}
          />
        ) : (
          <EmptyState title="Pick a conversation">
            <p>
              Choose one from the list, or press <kbd>j</kbd> to open the first. <kbd>?</kbd> shows every shortcut.
            </p>
          </EmptyState>
        )}
      </div>
      <ShortcutHelp open={help} onClose={() => setHelp(false)} />
    </div>
  );
}
