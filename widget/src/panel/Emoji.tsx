/**
 * The light emoji picker: a grid of common emoji, rendered by the system's own emoji
 * font (no images). Arrow keys, Home and End move, Enter picks; focus leaving the
 * composer closes it (Escape is the composer's).
 */
import { useLayoutEffect, useRef } from './dom.js';
import css from './Emoji.css';
import { sheet } from './lazy.js';

sheet(css);

/** The picker's emoji: the common ones for talking to a shop, rendered by the system font. */
const EMOJI = [
  ...'😀😂😊😍🤔😅😉😎😢😮😬🙂👍👎👏🙏🙌💪👋🤝❤️🎉🔥✨✅❌⭐💡📦🚚💳🛒🎁📞📧⏰👀💯🤷'.matchAll(
    /\p{Extended_Pictographic}\uFE0F?/gu,
  ),
].map((m) => m[0]);
const COLUMNS = 8;

export interface PickerProps {
  onPick(emoji: string): void;
  /** Focus left the composer. */
  onClose(): void;
}

export function EmojiPicker({ onPick, onClose }: PickerProps) {
  const grid = useRef<HTMLDivElement>(null);
  const buttons = () => [...grid.current!.querySelectorAll('button')];
  useLayoutEffect(() => buttons()[0]?.focus(), []);

  function onKeyDown(e: KeyboardEvent) {
    const all = buttons();
    const at = all.indexOf(e.target as HTMLButtonElement);
    const step = ({ ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS } as Record<string, number>)[e.key];
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? all.length - 1 : step === undefined ? -1 : at + step;
    if (to < 0 && step === undefined) return;
    e.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, to))]!.focus();
  }

  return (
    <div
      class="emoji"
      role="group"
      // The same word in every language the widget speaks.
      aria-label="Emoji"
      ref={grid}
      onKeyDown={onKeyDown}
      // Focus leaving the composer (Tab, a click elsewhere) closes it.
      onFocusOut={(e) => {
        const form = grid.current?.closest('form'); // null once the picker is gone
        if (form && !form.contains(e.relatedTarget as Node)) onClose();
      }}
    >
      {EMOJI.map((emoji) => (
        <button type="button" key={emoji} onClick={() => onPick(emoji)}>
          {emoji}
        </button>
      ))}
    </div>
  );
}
