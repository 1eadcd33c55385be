/**
 * The reply box: reply or private note (visually distinct), Enter to send and
 * Shift+Enter for a new line, emoji, and canned responses by typing `/` and a shortcut
 * (arrows to choose, Enter or Tab to insert, Escape to dismiss).
 */
import type { CannedResponse, LiveConversation, AgentConversation } from '@chinwag/sdk';
import { forwardRef, useEffect, useId, useImperativeHandle, useRef, useState } from 'react';
import { useDirectory } from '../directory';
import { Icon, IconButton, toast } from '../ui';

const EMOJI = [
  '😀',
  '😊',
  '😂',
  '🙂',
  '😉',
  '😍',
  '🤔',
  '😅',
  '😢',
  '😮',
  '👍',
  '👎',
  '👋',
  '🙏',
  '👏',
  '💪',
  '🎉',
  '✨',
  '❤️',
  '🔥',
  '✅',
  '❌',
  '⭐',
  '📦',
  '🚚',
  '💳',
  '📧',
  '📞',
  '⏰',
  '🔒',
];

export interface ComposerHandle {
  focus(mode?: 'reply' | 'note'): void;
}

/** The `/shortcut` being typed just before the caret, if any. */
function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = text.slice(0, caret).match(/(^|\s)\/([\w-]*)$/);
  return m ? { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() } : null;
}

export const Composer = forwardRef<
  ComposerHandle,
  {
    live: LiveConversation<AgentConversation>;
    /** An offline conversation: where public replies are emailed (the visitor is not in the chat). */
    emailTo?: string | null;
  }
>(function Composer({ live, emailTo }, ref) {
  const { canned } = useDirectory();
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [slash, setSlash] = useState<{ start: number; query: string } | null>(null);
  const [pick, setPick] = useState(0);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();

  useImperativeHandle(ref, () => ({
    focus(m) {
      if (m) setMode(m);
      area.current?.focus();
    },
  }));

  // A fresh box for each conversation.
  useEffect(() => {
    setText('');
    setSlash(null);
    setMode('reply');
  }, [live]);

  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  const matches: CannedResponse[] = slash
    ? canned
        .filter((c) => c.shortcut.toLowerCase().startsWith(slash.query) || c.title.toLowerCase().includes(slash.query))
        .slice(0, 8)
    : [];
  const showCanned = slash !== null && matches.length > 0;

  function insert(snippet: string, from?: number, to?: number) {
    const el = area.current!;
    const start = from ?? el.selectionStart;
    const end = to ?? el.selectionEnd;
    const next = text.slice(0, start) + snippet + text.slice(end);
    setText(next);
    setSlash(null);
    requestAnimationFrame(() => {
      el.focus();
      el.selectionStart = el.selectionEnd = start + snippet.length;
    });
  }

  function choose(c: CannedResponse) {
    const caret = area.current!.selectionStart;
    insert(c.body, slash!.start, caret);
  }

  function send() {
    const body = text.trim();
    if (!body) return;
    setText('');
    setSlash(null);
    live.stopTyping();
    live
      .send(body, { isPrivate: mode === 'note' })
      .catch(() => toast('The message could not be sent: use Retry on it.', 'error'));
  }

  return (
    <div className={`composer composer-${mode}`}>
      <div className="composer-tabs" role="radiogroup" aria-label="Message type">
        <button type="button" role="radio" aria-checked={mode === 'reply'} onClick={() => setMode('reply')}>
          Reply
        </button>
        <button type="button" role="radio" aria-checked={mode === 'note'} onClick={() => setMode('note')}>
          <Icon name="note" size={14} /> Private note
        </button>
        <span className="composer-hint">{mode === 'note' ? 'Only your team sees notes' : 'Type / for saved replies'}</span>
      </div>
      {emailTo && mode === 'reply' && (
        <p className="composer-notice" role="note">
          <Icon name="mail" size={14} />
          <span>
            They left this message while nobody was available: your reply is emailed to <strong>{emailTo}</strong>.
          </span>
        </p>
      )}
      {showCanned && (
        <ul className="canned-menu" id={listId} role="listbox" aria-label="Saved replies">
          {matches.map((c, i) => (
            <li
              key={c.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === pick}
              className={i === pick ? 'on' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(c);
              }}
            >
              <strong>/{c.shortcut}</strong> <span>{c.title}</span>
              <small>{c.body}</small>
            </li>
          ))}
        </ul>
      )}
      {emojiOpen && (
        <div className="emoji-menu" role="group" aria-label="Emoji">
          {EMOJI.map((e) => (
            <button
              type="button"
              key={e}
              aria-label={`Insert ${e}`}
              onClick={() => {
                insert(e);
                setEmojiOpen(false);
              }}
            >
              {e}
            </button>
          ))}
        </div>
      )}
      <div className="composer-row">
        <IconButton icon="smile" label="Emoji" aria-expanded={emojiOpen} onClick={() => setEmojiOpen((o) => !o)} />
        <textarea
          ref={area}
          className="composer-input"
          rows={1}
          value={text}
          placeholder={mode === 'note' ? 'Write a private note…' : emailTo ? 'Write a reply, sent by email…' : 'Write a reply…'}
          aria-label={mode === 'note' ? 'Private note' : 'Reply'}
          aria-controls={showCanned ? listId : undefined}
          aria-activedescendant={showCanned ? `${listId}-${pick}` : undefined}
          aria-autocomplete="list"
          onChange={(e) => {
            setText(e.target.value);
            const q = slashQuery(e.target.value, e.target.selectionStart);
            setSlash(q);
            setPick(0);
            if (e.target.value.trim()) live.typing({ isPrivate: mode === 'note' });
            else live.stopTyping();
          }}
          onBlur={() => live.stopTyping()}
          onKeyDown={(e) => {
            if (showCanned) {
              if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                setPick((p) => (p + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
                return;
              }
              if (e.key === 'Enter' || e.key === 'Tab') {
                e.preventDefault();
                choose(matches[pick] ?? matches[0]!);
                return;
              }
              if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setSlash(null);
                return;
              }
            }
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              send();
            }
            if (e.key === 'Escape') area.current?.blur();
          }}
        />
        <button
          type="button"
          className="btn btn-primary btn-md send-btn"
          onClick={send}
          disabled={!text.trim()}
          aria-label={mode === 'note' ? 'Add note' : 'Send'}
        >
          <Icon name="send" size={16} />
          <span>{mode === 'note' ? 'Add note' : 'Send'}</span>
        </button>
      </div>
    </div>
  );
});
