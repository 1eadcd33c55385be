/**
 * The organization's inbox, live, for the whole signed-in app: one `inboxEvents`
 * subscription fanned out to the queue lists, the unread tally behind the tab title,
 * and notifications. After a reconnect the stream is not replayed, so listeners are
 * told to `resync` (refetch what they show).
 */
import type { AgentClient, AgentConversation, ConversationStatus } from '@chinwag/sdk';
import { DashboardInboxDocument, type InboxEvent } from '../api';

export type View = 'unassigned' | 'mine' | 'all';

export type InboxSignal =
  /** `assignedToMe`: this event gave me a conversation that was someone else's or no one's. */
  { kind: 'event'; event: InboxEvent; assignedToMe: boolean } | { kind: 'resync' };

/** Per conversation, what the unread tally needs. */
interface Tally {
  unread: number;
  /** The highest message `seq` already counted (events and pages overlap). */
  seq: number;
  status: ConversationStatus;
  assigneeId: string | null;
}

export interface Inbox {
  /** Queue lists and notifications listen here; returns the unsubscribe. */
  listen(listener: (signal: InboxSignal) => void): () => void;
  /** Records what a freshly loaded page says (the server's own unread counts). */
  seen(conversations: readonly AgentConversation[]): void;
  /** The conversation on screen (its messages are read as they come). */
  setOpen(id: string | null): void;
  /** The open conversation was read. */
  markedRead(id: string): void;
  /** Unread messages, for a conversation. */
  unread(id: string): number;
  /** Conversations with unread messages that are mine or unassigned and not resolved. */
  total(): number;
  /** Subscribes to unread changes; returns the unsubscribe. */
  onTally(listener: () => void): () => void;
  /** Bumps on every unread change (for `useSyncExternalStore`). */
  version(): number;
  /**
   * Conversations changed without an event (an erasure emptied or deleted some): the
   * lists refetch what they show, as after a reconnect.
   */
  resync(): void;
  dispose(): void;
}

/** Does `c` belong in `view` with status `status`? Used to place live updates. */
export function belongs(c: AgentConversation, view: View, status: ConversationStatus, meId: string): boolean {
  if (c.status !== status) return false;
  if (view === 'mine') return c.assignee?.id === meId;
  if (view === 'unassigned') return !c.assignee;
  return true;
}

export function createInbox(client: AgentClient, meId: string): Inbox {
  const listeners = new Set<(s: InboxSignal) => void>();
  const tallyListeners = new Set<() => void>();
  const tally = new Map<string, Tally>();
  let openId: string | null = null;

  const emit = (s: InboxSignal) => listeners.forEach((l) => l(s));
  let version = 0;
  const changed = () => {
    version++;
    tallyListeners.forEach((l) => l());
  };
  const place = (c: AgentConversation, unread: number, seq: number) =>
    tally.set(c.id, { unread, seq, status: c.status, assigneeId: c.assignee?.id ?? null });

  function total() {
    let n = 0;
    for (const t of tally.values()) {
      if (t.unread > 0 && t.status !== 'RESOLVED' && (t.assigneeId === null || t.assigneeId === meId)) n++;
    }
    return n;
  }

  const stop = client.subscribe(
    DashboardInboxDocument,
    {},
    {
      next({ inboxEvents: e }) {
        const id = 'conversation' in e ? e.conversation.id : null;
        const before = id ? tally.get(id) : undefined;
        // A chat not in the tally was neither mine nor unassigned when the lists were read
        // (someone else's, transferred to me now); before they were read, nobody can tell.
        const assignedToMe = !!(
          id &&
          e.__typename === 'ConversationUpdated' &&
          e.conversation.assignee?.id === meId &&
          (before ? before.assigneeId !== meId : primed)
        );
        // Events are serialized once for all agents, so their `unreadCount` is nobody's in
        // particular: count here, from the server's own figure that comes with each page.
        if (e.__typename === 'InboxMessageAdded') {
          const m = e.message;
          const t = tally.get(e.conversationId) ?? { unread: 0, seq: 0 };
          const fromMe = m.senderKind === 'AGENT' && m.senderId === meId;
          const reading = e.conversationId === openId && document.visibilityState === 'visible' && document.hasFocus();
          if (m.seq > t.seq) place(e.conversation, fromMe || reading ? 0 : t.unread + 1, m.seq);
          else place(e.conversation, t.unread, t.seq);
        } else if (e.__typename === 'ConversationCreated') {
          const t = tally.get(e.conversation.id);
          place(e.conversation, Math.max(t?.unread ?? 0, 1), Math.max(t?.seq ?? 0, e.conversation.lastSeq));
        } else if (e.__typename === 'ConversationUpdated') {
          const t = tally.get(e.conversation.id);
          place(e.conversation, t?.unread ?? 0, t?.seq ?? 0);
        }
        changed();
        emit({ kind: 'event', event: e, assignedToMe });
      },
      error: () => {
        /* The session ended (the app signs out) or the server refused: nothing to retry here. */
      },
    },
  );
  // The tab title counts what waits for me, whichever list is on screen.
  let primed = false;
  const prime = () => {
    const reads = (['UNASSIGNED', 'ME'] as const).map((assignee) =>
      client.conversations({ filter: { status: ['OPEN', 'PENDING'], assignee }, first: 100 }).then(
        (page) => inboxApi.seen(page.nodes),
        () => {},
      ),
    );
    void Promise.all(reads).then(() => (primed = true));
  };
  const resync = () => {
    prime();
    emit({ kind: 'resync' });
  };
  const offReconnect = client.onReconnect(resync);

  const inboxApi: Inbox = {
    listen(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    seen(conversations) {
      for (const c of conversations) {
        const t = tally.get(c.id);
        // A page older than what events told us keeps the newer count.
        if (t && t.seq > c.lastSeq) continue;
        place(c, c.id === openId ? 0 : c.unreadCount, c.lastSeq);
      }
      changed();
    },
    setOpen(id) {
      openId = id;
    },
    markedRead(id) {
      const t = tally.get(id);
      if (t && t.unread) {
        t.unread = 0;
        changed();
      }
    },
    unread: (id) => tally.get(id)?.unread ?? 0,
    version: () => version,
    resync,
    total,
    onTally(listener) {
      tallyListeners.add(listener);
      return () => void tallyListeners.delete(listener);
    },
    dispose() {
      stop();
      offReconnect();
      listeners.clear();
      tallyListeners.clear();
    },
  };
  prime();
  return inboxApi;
}
