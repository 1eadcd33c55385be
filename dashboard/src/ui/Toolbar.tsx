/**
 * A row of actions that never wraps: its actions stay on one row, and those that do not fit
 * (the lowest `keep` first) move into a "More actions" menu button at its end. The menu
 * follows the WAI-ARIA menu button pattern: Enter, Space or the arrows open it on an
 * item, the arrows, Home and End move, a letter jumps to an item, Escape closes it back
 * onto its button, Tab leaves it.
 *
 * What fits is measured, not guessed with breakpoints: the room is the parent's width
 * less its other children, the one marked `data-shrink` counted at its CSS min-width
 * (the conversation's title, which ellipsizes). Widths depend on labels, fonts and
 * which actions apply (a conversation of your own has no "Assign to me"), so a media
 * or container query would be right at one combination only. A CSS-only overflow
 * (wrapping the extra buttons out of sight) was rejected too: the hidden buttons would
 * stay in the tab order and in the accessibility tree.
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Icon, type IconName } from './icons';

export interface ToolbarAction {
  /** Stable id. */
  key: string;
  /** The visible text; an `iconOnly` action's accessible name. */
  label: string;
  icon?: IconName;
  /** Shown as an icon button in the bar (`label` as its name and tooltip). */
  iconOnly?: boolean;
  /** Tooltip in the bar (a shortcut hint). */
  title?: string;
  variant?: 'primary' | 'secondary';
  /** A toggle: `aria-pressed` in the bar, a checked menu item in the menu. */
  pressed?: boolean;
  /** The menu's text for a toggle (`label` may say what a press does: "Show ..."). */
  menuLabel?: string;
  /** Higher stays in the bar longer. @default 0 */
  keep?: number;
  onSelect(): void;
}

/** Pixels between the toolbar's items and between the parent's children (the CSS `gap`s). */
const gapOf = (el: Element) => parseFloat(getComputedStyle(el).columnGap) || 0;

/**
 * How many of `widths` (in priority order) fit in `room`, leaving space for the menu
 * button (`more` wide) when some do not.
 */
export function fitting(widths: number[], room: number, gap: number, more: number): number {
  const total = widths.reduce((s, w, i) => s + w + (i ? gap : 0), 0);
  if (total <= room) return widths.length;
  let used = more;
  for (let i = 0; i < widths.length; i++) {
    used += widths[i]! + gap;
    if (used > room) return i;
  }
  return widths.length;
}

export function Toolbar({ label, actions, className = '' }: { label: string; actions: ToolbarAction[]; className?: string }) {
  const bar = useRef<HTMLDivElement>(null);
  /** Widths of the bar's buttons by key and label (a label change re-measures). */
  const widths = useRef(new Map<string, number>());
  const [moreWidth, setMoreWidth] = useState(36);
  /** How many actions (by `keep`) are in the bar; `null` while measuring (all rendered). */
  const [shown, setShown] = useState<number | null>(null);
  const id = (a: ToolbarAction) => `${a.key}\u0000${a.label}`;
  const byKeep = actions.map((a, i) => ({ a, i })).sort((x, y) => (y.a.keep ?? 0) - (x.a.keep ?? 0) || x.i - y.i);
  const signature = actions.map(id).join('\u0001');

  const layout = () => {
    const el = bar.current;
    const parent = el?.parentElement;
    if (!el || !parent) return;
    if (byKeep.some(({ a }) => !widths.current.has(id(a)))) {
      if (shown !== null) return setShown(null);
      for (const button of el.querySelectorAll<HTMLElement>('[data-action]'))
        widths.current.set(button.dataset.action!, button.offsetWidth);
      const more = el.querySelector<HTMLElement>('[data-more]');
      if (more) setMoreWidth(more.offsetWidth);
    }
    const style = getComputedStyle(parent);
    let room = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const siblings = [...parent.children].filter((c) => c !== el && getComputedStyle(c).display !== 'none');
    for (const c of siblings)
      room -=
        (c as HTMLElement).dataset.shrink != null
          ? parseFloat(getComputedStyle(c).minWidth) || 0
          : c.getBoundingClientRect().width;
    room -= gapOf(parent) * siblings.length;
    const n = fitting(
      byKeep.map(({ a }) => widths.current.get(id(a)) ?? 0),
      room,
      gapOf(el),
      el.querySelector<HTMLElement>('[data-more]')?.offsetWidth || moreWidth,
    );
    setShown(n);
  };
  const latest = useRef(layout);
  latest.current = layout;

  // Before paint: measure new labels, then settle on what fits.
  const unmeasured = shown === null;
  useLayoutEffect(() => latest.current(), [signature, unmeasured]);
  useEffect(() => {
    const parent = bar.current?.parentElement;
    if (!parent) return;
    const observer = new ResizeObserver(() => latest.current());
    observer.observe(parent);
    return () => observer.disconnect();
  }, []);

  const inBar = new Set(shown === null ? actions.map((a) => a.key) : byKeep.slice(0, shown).map(({ a }) => a.key));
  const overflow = actions.filter((a) => !inBar.has(a.key));

  return (
    <div className={`toolbar ${className}`} role="group" aria-label={label} ref={bar}>
      {actions
        .filter((a) => inBar.has(a.key))
        .map((a) =>
          a.iconOnly ? (
            <button
              key={a.key}
              type="button"
              data-action={id(a)}
              className="icon-btn"
              aria-label={a.label}
              title={a.title ?? a.label}
              aria-pressed={a.pressed}
              onClick={a.onSelect}
            >
              <Icon name={a.icon ?? 'info'} />
            </button>
          ) : (
            <button
              key={a.key}
              type="button"
              data-action={id(a)}
              className={`btn btn-${a.variant ?? 'secondary'} btn-sm`}
              title={a.title}
              aria-pressed={a.pressed}
              onClick={a.onSelect}
            >
              {a.icon && <Icon name={a.icon} size={16} />}
              {a.label}
            </button>
          ),
        )}
      {(shown === null || overflow.length > 0) && <MoreMenu items={shown === null ? [] : overflow} />}
    </div>
  );
}

/** The "More actions" button and its menu. */
function MoreMenu({ items }: { items: ToolbarAction[] }) {
  const [open, setOpen] = useState(false);
  const [focusOn, setFocusOn] = useState<'first' | 'last' | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  const baseId = useId();
  const entries = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];

  useLayoutEffect(() => {
    if (!open || !focusOn) return;
    const all = entries();
    (focusOn === 'first' ? all[0] : all[all.length - 1])?.focus();
    setFocusOn(null);
  }, [open, focusOn]);

  // A press anywhere else closes it (without moving the focus).
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  // Nothing left to show (the bar grew): the menu goes.
  useEffect(() => {
    if (!items.length) setOpen(false);
  }, [items.length]);

  const show = (at: 'first' | 'last') => {
    setOpen(true);
    setFocusOn(at);
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  function onMenuKey(e: KeyboardEvent<HTMLUListElement>) {
    const all = entries();
    const i = all.indexOf(document.activeElement as HTMLElement);
    const go = (j: number) => all[(j + all.length) % all.length]?.focus();
    if (e.key === 'Tab') return setOpen(false);
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    // Every other key stays in the menu: the inbox's single-key shortcuts must not fire.
    e.preventDefault();
    e.stopPropagation();
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else if (e.key === 'Escape') close(true);
    else if (e.key === 'Enter' || e.key === ' ') (document.activeElement as HTMLElement | null)?.click();
    else if (e.key.length === 1) {
      // Type-ahead: the next item starting with that letter.
      const k = e.key.toLowerCase();
      const order = [...all.slice(i + 1), ...all.slice(0, i + 1)];
      order.find((el) => el.textContent?.trim().toLowerCase().startsWith(k))?.focus();
    }
  }

  return (
    <div className="menu-wrap">
      <button
        ref={button}
        type="button"
        data-more=""
        id={`${baseId}-button`}
        className="icon-btn"
        aria-label="More actions"
        title="More actions"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${baseId}-menu` : undefined}
        onClick={() => (open ? setOpen(false) : show('first'))}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            show(e.key === 'ArrowDown' ? 'first' : 'last');
          }
        }}
      >
        <Icon name="more" />
      </button>
      {open && (
        <ul
          className="menu"
          role="menu"
          id={`${baseId}-menu`}
          aria-labelledby={`${baseId}-button`}
          ref={menu}
          onKeyDown={onMenuKey}
        >
          {items.map((a) => (
            <li key={a.key} role="none">
              <button
                type="button"
                role={a.pressed === undefined ? 'menuitem' : 'menuitemcheckbox'}
                aria-checked={a.pressed}
                tabIndex={-1}
                title={a.title}
                onClick={() => {
                  close(true);
                  a.onSelect();
                }}
              >
                <span className="menu-icon">{a.icon && <Icon name={a.icon} size={16} />}</span>
                {a.menuLabel ?? a.label}
                {a.pressed && (
                  <span className="menu-check">
                    <Icon name="check" size={16} />
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
