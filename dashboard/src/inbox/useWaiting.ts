/**
 * The waiting queue at a glance (docs/routing.md): how many open chats wait for an agent,
 * how long the oldest has waited, and each one's place in line and estimated wait. Read
 * from the unassigned open conversations (their `queuePosition` and
 * `estimatedWaitSeconds`), again shortly after any inbox event or a
 * reconnect: an assignment moves everyone behind it up, and the inbox only hears of the
 * assigned chat.
 */
import { useEffect, useState } from 'react';
import { QueueConversationsDocument } from '../api';
import { useServices } from '../directory';

/** The most waiting chats read; more show as "100+". */
const FIRST = 100;

export interface Waiting {
  loaded: boolean;
  /** Chats waiting (at most `FIRST`). */
  count: number;
  more: boolean;
  /** Since when the longest-waiting chat waits (its `waitingSince`, else its start). */
  oldest: string | null;
  /** Conversation id to its place in line. */
  positions: ReadonlyMap<string, number>;
  /** Conversation id to its estimated wait in seconds, where the server gives one. */
  waits: ReadonlyMap<string, number>;
}

const NONE: Waiting = { loaded: false, count: 0, more: false, oldest: null, positions: new Map(), waits: new Map() };

export function useWaiting(): Waiting {
  const { client, inbox } = useServices();
  const [waiting, setWaiting] = useState<Waiting>(NONE);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const { conversations } = await client.request(QueueConversationsDocument, {
          filter: { status: ['OPEN'], assignee: 'UNASSIGNED' },
          first: FIRST,
        });
        const queued = conversations.nodes.filter((c) => c.queuePosition != null);
        if (!live) return;
        setWaiting({
          loaded: true,
          count: queued.length,
          more: conversations.pageInfo.hasNextPage,
          oldest: queued.reduce<string | null>((o, c) => {
            const since = c.waitingSince ?? c.createdAt;
            return !o || since < o ? since : o;
          }, null),
          positions: new Map(queued.map((c) => [c.id, c.queuePosition!])),
          waits: new Map(queued.flatMap((c) => (c.estimatedWaitSeconds == null ? [] : [[c.id, c.estimatedWaitSeconds]]))),
        });
      } catch {
        /* The queue list shows the error; the summary waits for the next event. */
      }
    };
    void load();
    // Events come in bursts (an assignment run updates several chats): one read after them.
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void load(), 250);
    };
    const off = inbox.listen((s) => (s.kind === 'resync' || s.event.__typename !== 'VisitorPresenceChanged') && soon());
    return () => {
      live = false;
      clearTimeout(timer);
      off();
    };
  }, [client, inbox]);
  return waiting;
}

/** Re-renders every `ms` (for "waited 4 min"). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
