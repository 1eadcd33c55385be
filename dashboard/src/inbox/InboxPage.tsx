/**
 * The inbox: the queue on the left, the open conversation (and visitor details) on the
 * right; on a phone one at a time. The URL holds the view, the status and the open
 * conversation (`inbox/mine/cnv_1?status=PENDING`), so reloads and links land right.
 */
import type { ConversationStatus } from '@chinwag/sdk';
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../directory';
import { navigate, useLocation } from '../router';
import { useMe } from '../session';
import { EmptyState } from '../ui';
import { Conversation, type ConversationHandle } from './Conversation';
import type { View } from './inbox';
import { Queue, STATUSES, VIEWS } from './Queue';
import { ShortcutHelp, useShortcuts } from './shortcuts';
import { useQueue } from './useQueue';

export default function InboxPage() {
  const me = useMe();
  const { inbox } = useServices();
  const { segments, query } = useLocation();
  const view = (VIEWS.find((v) => v.value === segments[1])?.value ?? 'unassigned') as View;
  const status = (STATUSES.find((s) => s.value === query.get('status'))?.value ?? 'OPEN') as ConversationStatus;
  const openId = segments[2] ?? null;
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [tagText, setTagText] = useState('');
  const [tag, setTag] = useState('');
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(searchText.trim());
      setTag(tagText.trim().toLowerCase());
    }, 250);
    return () => clearTimeout(t);
  }, [searchText, tagText]);
  const searchBox = useRef<HTMLInputElement>(null);
  const queue = useQueue(view, status, me.id, search, tag);
  const conv = useRef<ConversationHandle>(null);
  const [sidebar, setSidebar] = useState(() => matchMedia('(min-width: 1360px)').matches);
  const [help, setHelp] = useState(false);

  const qs = status === 'OPEN' ? '' : `?status=${status}`;
  const href = (id: string | null, v: View = view, s: ConversationStatus = status) =>
    `inbox/${v}${id ? `/${id}` : ''}${s === 'OPEN' ? '' : `?status=${s}`}`;

  useEffect(() => {
    inbox.setOpen(openId);
    return () => inbox.setOpen(null);
  }, [inbox, openId]);

  const step = (delta: number) => {
    if (!queue.items.length) return;
    const i = queue.items.findIndex((c) => c.id === openId);
    const next = queue.items[Math.min(queue.items.length - 1, Math.max(0, i < 0 ? 0 : i + delta))];
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
        queue={queue}
        href={(id) => href(id)}
        onView={(v) => navigate(href(null, v))}
        onStatus={(s) => navigate(href(null, view, s))}
        search={searchText}
        onSearch={setSearchText}
        searchRef={searchBox}
        tag={tagText}
        onTag={setTagText}
      />
      <div className="conv-area">
        {openId ? (
          <Conversation
            key={openId}
            ref={conv}
            id={openId}
            onBack={() => navigate(`inbox/${view}${qs}`)}
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
