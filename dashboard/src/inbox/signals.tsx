/**
 * What the server makes of each visitor message (docs/assistant.md, "Sentiment and
 * language"), and the marks beside its author: its language when not English, and
 * "Negative" or "Angry". Neutral and positive messages get no mark: a mark on every
 * message would be read past.
 *
 * The SDK's messages leave both fields out (its message fields are the widget's too, and
 * visitors get null), so they come from one `MessageSignals` request per opened
 * conversation with visitor messages, asked again only when a visitor message arrives or
 * older ones load, for the messages not known yet, like the bot answers (botAnswers.tsx).
 */
import type { AgentClient, ChatMessage } from '@chinwag/sdk';
import { useEffect, useRef, useState } from 'react';
import { MessageSignalsDocument, type MessageSentiment } from '../api';

export interface MessageSignal {
  language: string | null;
  sentiment: MessageSentiment | null;
}

/** By message id. */
export type MessageSignals = ReadonlyMap<string, MessageSignal>;

/** The server's largest page of messages: older visitor messages than that get no marks. */
const MAX_PAGE = 200;

export function useMessageSignals(client: AgentClient, conversationId: string, messages: readonly ChatMessage[]) {
  const [known, setKnown] = useState<{ conversationId: string; signals: MessageSignals }>({ conversationId, signals: new Map() });
  const signals = known.conversationId === conversationId ? known.signals : null;
  const sent = messages.filter((m) => m.status === 'sent');
  const visitors = sent.filter((m) => m.senderKind === 'VISITOR').length;
  // Read when a visitor message arrives, not a dependency: the team's messages ask nothing.
  const latest = useRef({ sent, signals });
  latest.current = { sent, signals };

  useEffect(() => {
    const { sent, signals } = latest.current;
    // From the oldest visitor message not known yet to the end.
    const oldest = sent.findIndex((m) => m.senderKind === 'VISITOR' && !signals?.has(m.id));
    if (oldest < 0) return;
    let live = true;
    client.request(MessageSignalsDocument, { id: conversationId, last: Math.min(sent.length - oldest, MAX_PAGE) }).then(
      ({ conversation }) => {
        if (!live) return;
        setKnown((k) => {
          const next = new Map(k.conversationId === conversationId ? k.signals : []);
          for (const { id, language, sentiment } of conversation.messages.nodes) next.set(id, { language, sentiment });
          return { conversationId, signals: next };
        });
      },
      // Marks are a help: without them the thread reads as before.
      () => {},
    );
    return () => {
      live = false;
    };
  }, [client, conversationId, visitors]);
  return signals;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

/** The marks beside a visitor message's author; nothing for an English, neutral or positive one. */
export function SignalMarks({ signal }: { signal: MessageSignal | undefined }) {
  const language = signal?.language && signal.language !== 'en' ? signal.language : null;
  const sentiment = signal?.sentiment;
  const mood = sentiment?.angry ? 'Angry' : sentiment?.label === 'NEGATIVE' ? 'Negative' : null;
  if (!language && !mood) return null;
  const name = language && (languageNames.of(language) ?? language);
  return (
    <span className="msg-signals">
      {language && (
        <span className="signal signal-language" title={`Written in ${name} (detected from its common words)`}>
          <span className="sr-only">Language: </span>
          {name}
        </span>
      )}
      {mood && sentiment && (
        <span
          className={`signal signal-${mood.toLowerCase()}`}
          title={`${mood === 'Angry' ? 'Angry: strongly negative, or negative and shouting' : 'Negative'} (score ${sentiment.score})`}
        >
          <span className="sr-only">Sentiment: </span>
          {mood}
        </span>
      )}
    </span>
  );
}
