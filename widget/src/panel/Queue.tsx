/**
 * "You are #2 in line": the visitor's place among the conversations waiting for an
 * agent, while theirs waits (docs/routing.md). Loaded on demand, with its text in every
 * language, only for a conversation that nobody has taken yet, so it weighs nothing on
 * opening the chat. The place comes with the conversation (`queuePosition`) and moves
 * with the `ConversationUpdated` events the server sends a waiting conversation after
 * every assignment; it is gone once an agent has the chat (then their name shows).
 */
import type { LiveConversation, VisitorConversation } from '@chinwag/sdk';
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useEffect, useLayoutEffect, useReducer, useState } from './dom.js';
import css from './Queue.css';
import { sheet } from './lazy.js';

sheet(css);

const TEXT: Record<Locale, (n: number) => string> = {
  en: (n) => `You are #${n} in line`,
  fr: (n) => `Vous êtes n° ${n} dans la file d’attente`,
  es: (n) => `Eres el n.º ${n} en la cola`,
};

const POSITION = 'query QueuePosition($id:ID!){conversation(id:$id){queuePosition}}';

export interface QueueProps {
  core: Core;
  /** The conversation on screen, not assigned to anyone (yet). */
  live: LiveConversation<VisitorConversation>;
}

export function Queue({ core, live }: QueueProps) {
  // Follows the conversation itself (the chat passes it as it is, which costs the open
  // chat fewer bytes than its state).
  const [, bump] = useReducer((k: number) => k + 1, 0);
  useLayoutEffect(() => live.subscribe(() => bump(0)), [live]);
  const info = live.state.conversation!;
  const last = live.state.messages[live.state.messages.length - 1];
  const [n, setN] = useState(info.queuePosition);
  useEffect(() => setN(info.queuePosition), [info]);
  // A conversation joins the queue with its first stored message from the visitor, and
  // the server sends no event for that (only when the queue moves): ask then.
  const stored = last?.senderKind === 'VISITOR' && last.status === 'sent' ? last.id : null;
  useEffect(() => {
    if (stored)
      core.client.request<{ conversation: { queuePosition: number | null } }>(POSITION, { id: info.id }).then(
        (d) => setN(d.conversation.queuePosition),
        () => {},
      );
    // `core` is the widget's one; `info.id` is fixed for this chat.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stored]);
  return n ? (
    <p class="queue" role="status">
      {TEXT[core.host.locale()](n)}
    </p>
  ) : null;
}
