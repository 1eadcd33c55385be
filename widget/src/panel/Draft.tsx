/**
 * The answer bot's answer while the model server writes it (`answerDrafts`, see
 * docs/assistant.md#drafts): a bot bubble that grows with each draft, gone when the bot's
 * message arrives (the next message in the log) or the draft ends (`done`, whose text is
 * empty). Loaded only on websites whose bot writes with a model server
 * (`WidgetConfig.answerDrafts`), with a conversation open, so it weighs nothing on others.
 * Hidden from screen readers: the log is a live region, and a text growing every 120 ms
 * would be read again and again; the final message is announced as any other.
 */
import type { ChatMessage } from '@chinwag/sdk';
import type { Core } from '../core.js';
import { useEffect, useLayoutEffect, useRef, useState } from './dom.js';
import css from './Draft.css';
import { lazy, sheet } from './lazy.js';

sheet(css);

/** The bot's name above the bubble, as its message will have it (loads what that message needs anyway). */
const Extras = lazy(() => import('./Files.js').then((m) => m.Extras));

interface DraftProps {
  core: Core;
  /** The open conversation. */
  id: string;
  /** The key of the log's last message: a draft shows only until the next one lands. */
  last: string | undefined;
}

export function Draft({ core: { client }, id, last }: DraftProps) {
  // The text, and the last message when it came: a message since (the bot's own, which
  // comes just before `done`) hides it in the same render that shows the message.
  const [[text, at, name], set] = useState<[string, string | null | undefined, string | null | undefined]>(['', undefined, null]);
  const lastNow = useRef(last);
  lastNow.current = last;
  const row = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const stop = client.answerDrafts(id, (d) => set([d.text, lastNow.current, d.senderName]));
    // A `done` lost while the socket was down would leave the bubble for good.
    const off = client.onReconnect(() => set(['', undefined, null]));
    return () => (stop(), off());
    // `client` is fixed for the panel.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  // Follow the growing text when the visitor is at the bottom of the log.
  useLayoutEffect(() => {
    const log = row.current?.parentElement;
    if (log && log.scrollHeight - log.scrollTop - log.clientHeight < 160) log.scrollTop = log.scrollHeight;
  }, [text]);

  return text && at === last ? (
    <div class="row them draft" aria-hidden="true" ref={row}>
      {name && <Extras m={{ senderKind: 'BOT', senderName: name } as ChatMessage} />}
      {/* Trimmed: the caret after a word's space would wrap alone. */}
      <div class="bubble">{text.trimEnd()}</div>
    </div>
  ) : null;
}
