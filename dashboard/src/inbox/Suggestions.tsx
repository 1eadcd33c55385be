/**
 * Reply suggestions above the composer (docs/dashboard.md, "A conversation"; the server's
 * side is docs/assistant.md, "Reply suggestions"): up to three chips for the visitor's
 * latest message, each a saved reply, an article's passage or the team's past reply to a
 * similar question. A click or Alt+1/2/3 puts its text in the composer (never sends it).
 *
 * Asked for once per visitor message, and only while the reply box is empty: an agent
 * already writing is not interrupted by chips that change under the pointer (the question
 * is asked when the box is empty again). Nothing shows for an empty list, and a failed
 * request shows nothing either: suggestions are a help, not a feature to wait for.
 */
import type { ChatMessage } from '@chinwag/sdk';
import { useEffect, useState } from 'react';
import { ReplySuggestionsDocument, type ReplySuggestion, type ReplySuggestionKind } from '../api';
import { useServices } from '../directory';
import { IconButton } from '../ui';

const KINDS: Record<ReplySuggestionKind, string> = { CANNED: 'Saved reply', ARTICLE: 'Article', PAST_REPLY: 'Past reply' };

/** At most this many chips (Alt+1 to Alt+3). */
const SHOWN = 3;

/**
 * The id of the visitor's latest message while no public reply of the team follows it (a
 * bot's answer does not count: the agent may still want to add to it); null otherwise.
 */
export function openQuestion(messages: readonly ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.status !== 'sent' || m.isPrivate) continue;
    if (m.senderKind === 'AGENT') return null;
    if (m.senderKind === 'VISITOR') return m.id;
  }
  return null;
}

export function Suggestions({
  conversationId,
  question,
  writing,
  onInsert,
}: {
  conversationId: string;
  /** The visitor's latest message not yet answered by the team; null: nothing to suggest for. */
  question: string | null;
  /** The reply box has text: no new request until it is empty. */
  writing: boolean;
  onInsert(text: string): void;
}) {
  const { client } = useServices();
  const [shown, setShown] = useState<{ question: string; items: ReplySuggestion[] } | null>(null);
  const [asked, setAsked] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);

  useEffect(() => {
    if (!question || writing || asked === question) return;
    setAsked(question);
    // Not cancelled when the agent starts writing meanwhile: it would not be asked again.
    // The list is kept with its question, and shown only while that is still the latest.
    client.request(ReplySuggestionsDocument, { conversationId, first: SHOWN }).then(
      ({ replySuggestions }) => setShown({ question, items: replySuggestions }),
      () => {},
    );
  }, [client, conversationId, question, writing, asked]);

  const items = shown && shown.question === question && dismissed !== question ? shown.items.slice(0, SHOWN) : [];

  useEffect(() => {
    if (!items.length) return;
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      // By the key's place, not its character: Alt+1 types "¡" on a Mac.
      const n = /^Digit([1-9])$/.exec(e.code)?.[1];
      const item = n ? items[Number(n) - 1] : undefined;
      if (!item) return;
      e.preventDefault();
      onInsert(item.text);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  if (!items.length) return null;
  return (
    <div className="suggestions" role="group" aria-label="Suggested replies">
      <span className="suggestions-label" aria-hidden="true">
        Suggested
      </span>
      {items.map((s, i) => (
        <button
          key={`${s.kind}:${s.sourceId}`}
          type="button"
          className="suggestion"
          title={`${s.text}\n\nAlt+${i + 1} inserts it`}
          aria-keyshortcuts={`Alt+${i + 1}`}
          onClick={() => onInsert(s.text)}
        >
          <span className="suggestion-kind">{KINDS[s.kind]}</span>
          <span className="suggestion-title">{s.title}</span>
        </button>
      ))}
      <IconButton icon="close" label="Dismiss suggestions" className="suggestions-close" onClick={() => setDismissed(question)} />
    </div>
  );
}
