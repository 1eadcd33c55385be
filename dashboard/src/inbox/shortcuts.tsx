/**
 * Keyboard shortcuts of the inbox: single keys, ignored while typing in a field (so
 * `j` in a reply is a `j`), and listed by `?`.
 */
import { useEffect, useRef } from 'react';
import { Dialog } from '../ui';

export const SHORTCUTS: [string, string][] = [
  ['j / k', 'Next / previous conversation'],
  ['r', 'Reply'],
  ['n', 'Private note'],
  ['a', 'Assign to me'],
  ['t', 'Transfer'],
  ['e', 'Resolve / reopen'],
  ['p', 'Set pending'],
  ['i', 'Show / hide visitor details'],
  ['1 / 2 / 3', 'Unassigned / Mine / All'],
  ['/', 'Search (in the composer: saved replies)'],
  ['Alt+1 / 2 / 3', 'Insert a suggested reply'],
  ['Alt+S', 'Transfer dialog: insert a summary into the note'],
  ['Enter / Shift+Enter', 'Send / new line'],
  ['Esc', 'Leave the composer; back to the list (phone)'],
  ['?', 'This help'],
];

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

export function useShortcuts(map: Record<string, () => void>) {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (typing(e.target) || document.querySelector('dialog[open]')) return;
      const action = ref.current[e.key];
      if (!action) return;
      e.preventDefault();
      action();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose}>
      <dl className="shortcuts">
        {SHORTCUTS.map(([k, what]) => (
          <div key={k}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
