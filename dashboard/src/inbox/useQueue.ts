/**
 * One queue list (a view, a status and maybe a search and a tag), paged from the server in
 * its order (latest activity, or due first: `conversations(order: DUE_FIRST)`) and kept
 * live from the inbox: a conversation that now belongs moves in at its place in that
 * order, one that no longer belongs leaves. While searching, only the results shown
 * are updated (whether a new message matches is the server's call: search again).
 * After a reconnect the first page is reloaded.
 */
import type { ConversationStatus } from '@chinwag/sdk';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { QueueConversationsDocument, type QueueConversation } from '../api';
import { useServices } from '../directory';
import { belongs, type View } from './inbox';
import type { Sort } from './Queue';
import { byDue } from './sla';

const PAGE = 50;

const byActivity = (a: QueueConversation, b: QueueConversation) =>
  b.lastActivityAt.localeCompare(a.lastActivityAt) || b.id.localeCompare(a.id);

export interface QueueState {
  items: QueueConversation[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
}

export function useQueue(view: View, status: ConversationStatus, meId: string, search = '', tag = '', sort: Sort = 'activity') {
  const { client, inbox } = useServices();
  const [state, setState] = useState<QueueState>({ items: [], loading: true, error: null, hasMore: false, loadingMore: false });
  const cursor = useRef<string | null>(null);
  const order = sort === 'due' ? ('DUE_FIRST' as const) : ('RECENT' as const);
  const compare = sort === 'due' ? byDue : byActivity;
  const generation = useRef(0);

  const filter = useMemo(
    () => ({
      status: [status],
      assignee: view === 'mine' ? ('ME' as const) : view === 'unassigned' ? ('UNASSIGNED' as const) : ('ANY' as const),
      search: search || undefined,
      tag: tag || undefined,
    }),
    [view, status, search, tag],
  );

  const loadFirst = useCallback(async () => {
    const gen = ++generation.current;
    setState((s) => ({ ...s, loading: s.items.length === 0, error: null }));
    try {
      const { conversations: page } = await client.request(QueueConversationsDocument, { filter, first: PAGE, order });
      if (gen !== generation.current) return;
      inbox.seen(page.nodes);
      cursor.current = page.pageInfo.endCursor;
      setState({ items: page.nodes, loading: false, error: null, hasMore: page.pageInfo.hasNextPage, loadingMore: false });
    } catch (error) {
      if (gen === generation.current) setState((s) => ({ ...s, loading: false, error }));
    }
  }, [client, inbox, filter, order]);

  const loadMore = useCallback(async () => {
    const gen = generation.current;
    let go = false;
    setState((s) => {
      go = s.hasMore && !s.loadingMore && !s.loading;
      return go ? { ...s, loadingMore: true } : s;
    });
    if (!go || !cursor.current) return;
    try {
      const { conversations: page } = await client.request(QueueConversationsDocument, {
        filter,
        first: PAGE,
        after: cursor.current,
        order,
      });
      if (gen !== generation.current) return;
      inbox.seen(page.nodes);
      cursor.current = page.pageInfo.endCursor;
      setState((s) => {
        // Live updates may already hold some of these (moved up meanwhile): keep ours.
        const known = new Set(s.items.map((c) => c.id));
        const items = [...s.items, ...page.nodes.filter((c) => !known.has(c.id))];
        return { ...s, items, hasMore: page.pageInfo.hasNextPage, loadingMore: false };
      });
    } catch (error) {
      if (gen === generation.current) setState((s) => ({ ...s, loadingMore: false, error }));
    }
  }, [client, inbox, filter, order]);

  useEffect(() => {
    setState({ items: [], loading: true, error: null, hasMore: false, loadingMore: false });
    void loadFirst();
    return inbox.listen((signal) => {
      if (signal.kind === 'resync') return void loadFirst();
      const e = signal.event;
      if (e.__typename === 'VisitorPresenceChanged') {
        setState((s) => ({
          ...s,
          items: s.items.map((c) => (c.visitor.id === e.visitorId ? { ...c, visitor: { ...c.visitor, isOnline: e.online } } : c)),
        }));
        return;
      }
      const c = e.conversation;
      setState((s) => {
        const rest = s.items.filter((x) => x.id !== c.id);
        if (!belongs(c, view, status, meId) || (tag && !c.tags.includes(tag.toLowerCase())))
          return rest.length === s.items.length ? s : { ...s, items: rest };
        if (search && rest.length === s.items.length) return s;
        // A conversation after everything else loaded (older, or due later: its targets met)
        // is left for its page to bring, in its place.
        const last = rest[rest.length - 1];
        if (s.hasMore && last && compare(c, last) > 0) return rest.length === s.items.length ? s : { ...s, items: rest };
        return { ...s, items: [...rest, c].sort(compare) };
      });
    });
  }, [inbox, loadFirst, view, status, meId, search, tag, compare]);

  return { ...state, loadMore, reload: loadFirst };
}
