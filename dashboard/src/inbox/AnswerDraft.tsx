/**
 * The answer bot's answer while the model server writes it (`answerDrafts`, see
 * docs/assistant.md#drafts), at the end of the thread: the whole text so far, gone when
 * the next message lands (the bot's own comes just before the draft's `done`) or the
 * draft ends. Subscribed for every opened conversation: the dashboard does not know
 * whether its website's bot writes with a model server, and a quiet subscription on the
 * open socket costs nothing. Hidden from screen readers: the thread announces additions,
 * and the final message is announced as any other.
 */
import { useEffect, useLayoutEffect, useState } from 'react';
import { useServices } from '../directory';

export function AnswerDraft({
  conversationId,
  last,
  onGrow,
}: {
  conversationId: string;
  /** The key of the thread's last message: the draft shows until the next one. */
  last: string | undefined;
  /** Called after the text grew (the thread follows it when at the bottom). */
  onGrow(): void;
}) {
  const { client } = useServices();
  const [text, setText] = useState('');
  const [name, setName] = useState<string | null>(null);
  // A new message ends what is shown in the same render (React's "adjusting state when
  // a prop changes"), so the draft and the bot's message are never on screen together.
  const [shownAfter, setShownAfter] = useState(last);
  if (shownAfter !== last) {
    setShownAfter(last);
    setText('');
  }

  useEffect(() => {
    setText('');
    const stop = client.answerDrafts(conversationId, (d) => {
      setText(d.text);
      setName(d.senderName ?? null);
    });
    // A `done` lost while the socket was down would leave the draft for good.
    const off = client.onReconnect(() => setText(''));
    return () => {
      stop();
      off();
    };
  }, [client, conversationId]);

  useLayoutEffect(() => {
    if (text) onGrow();
  }, [text, onGrow]);

  if (!text) return null;
  return (
    <li className="msg msg-ours msg-draft" aria-hidden="true">
      <div className="msg-meta">
        <span>{name ?? 'Answer bot'} · writing…</span>
      </div>
      <div className="msg-body">{text}</div>
    </li>
  );
}
