/**
 * Where the visitor writes: a growing text area (Enter sends, Shift+Enter breaks the
 * line), the attach and emoji buttons, and the send button. Files come with the attach
 * button, dropped on the composer or pasted. It tells the conversation when the visitor
 * types. Above the field, while a first message is written on a website with articles,
 * the suggested ones.
 */
import { useEffect, useRef, useState } from './dom.js';
import type { Strings } from './i18n.js';
import { ClipIcon, SendIcon, SmileIcon } from './icons.js';
import { lazy } from './lazy.js';

/** Loaded on the first click on the emoji button: most messages have none. */
const EmojiPicker = lazy(() => import('./Emoji.js').then((m) => m.EmojiPicker));
/** Loaded once the visitor starts typing, only when `suggest`. */
const Suggestions = lazy(() => import('./Suggest.js').then((m) => m.Suggestions));

interface ComposerProps {
  t: Strings;
  /** Sends the text; resolving `false` puts it back (it could not be sent). */
  onSend(text: string): Promise<boolean | void> | void;
  /** The visitor is typing (true) or stopped (false). */
  onTyping(typing: boolean): void;
  /** Files dropped or pasted, or none: the attach button (choose them). */
  onFiles(files?: FileList): void;
  /** Suggest articles as the visitor types: a first message, on a website with published articles. */
  suggest: boolean;
}

export function Composer({ t, onSend, onTyping, onFiles, suggest }: ComposerProps) {
  // Files dropped or pasted (a paste of text stays text); dragging over allows the drop.
  const take = (e: DragEvent | ClipboardEvent) => {
    const files = (e as DragEvent).dataTransfer?.files ?? (e as ClipboardEvent).clipboardData?.files;
    if (e.type[0] == 'd' || files?.length) e.preventDefault();
    if (e.type != 'dragover' && files?.length) onFiles(files);
  };

  const [value, setValue] = useState('');
  const [picking, setPicking] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

  // Grow with the text, up to the CSS max-height.
  useEffect(() => {
    const el = input.current!;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [value]);

  function submit(event?: Event) {
    event?.preventDefault();
    const text = value.trim();
    if (!text) return;
    setValue('');
    onTyping(false);
    void Promise.resolve(onSend(text)).then((ok) => ok === false && setValue(text));
  }

  function insert(emoji: string) {
    const el = input.current!;
    const start = el.selectionStart ?? value.length;
    const end = el.selectionEnd ?? start;
    setValue(value.slice(0, start) + emoji + value.slice(end));
    setPicking(false);
    onTyping(true);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  }

  return (
    <form
      class="composer"
      onSubmit={submit}
      onDragOver={take}
      onDrop={take}
      onPaste={take}
      onKeyDown={(e) => {
        // Escape closes the picker (wherever the focus is in the composer), not the chat.
        if (e.key !== 'Escape' || !picking) return;
        e.stopPropagation();
        setPicking(false);
        input.current!.focus();
      }}
    >
      {suggest && value && <Suggestions q={value} />}
      <textarea
        ref={input}
        data-autofocus
        rows={1}
        maxLength={10_000}
        aria-label={t.placeholder}
        placeholder={t.placeholder}
        value={value}
        onInput={(e) => {
          const text = e.currentTarget.value;
          setValue(text);
          onTyping(!!text.trim());
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e);
        }}
        onBlur={() => onTyping(false)}
      />
      <button type="button" class="icon" aria-label={t.attach} onClick={() => onFiles()}>
        <ClipIcon />
      </button>
      <button type="button" class="icon" aria-label={t.emoji} aria-expanded={picking} onClick={() => setPicking(!picking)}>
        <SmileIcon />
      </button>
      <button type="submit" class="icon send" aria-label={t.send} disabled={!value.trim()}>
        <SendIcon />
      </button>
      {picking && <EmojiPicker onPick={insert} onClose={() => setPicking(false)} />}
    </form>
  );
}
