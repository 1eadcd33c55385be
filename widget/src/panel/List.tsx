/**
 * The visitor's conversations, newest activity first, each with its status and unread
 * count, and the "New conversation" button. The text only the list shows comes with it,
 * in every language, rather than with the panel's.
 */
import type { VisitorConversation } from '@chinwag/sdk';
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useEffect, useState } from './dom.js';
import type { Strings } from './i18n.js';
import css from './List.css';
import { sheet } from './lazy.js';

sheet(css);

const en = {
  newConversation: 'New conversation',
  none: 'No conversations yet.',
  open: 'Open',
  resolved: 'Resolved',
  unread: (n: number) => `${n} unread`,
};

const TEXT: Record<Locale, typeof en> = {
  en,
  fr: {
    newConversation: 'Nouvelle conversation',
    none: 'Aucune conversation pour le moment.',
    open: 'Ouverte',
    resolved: 'Résolue',
    unread: (n) => `${n} non lu(s)`,
  },
  es: {
    newConversation: 'Nueva conversación',
    none: 'Aún no hay conversaciones.',
    open: 'Abierta',
    resolved: 'Resuelta',
    unread: (n) => `${n} sin leer`,
  },
};

export interface ListProps {
  core: Core;
  t: Strings;
  onOpen(id: string): void;
  onNew(): void;
}

export function List({ core, t, onOpen, onNew }: ListProps) {
  const [items, setItems] = useState<VisitorConversation[] | null>(null);
  useEffect(() => {
    core.client.conversations({ first: 20 }).then(
      (page) => setItems(page.nodes),
      (e) => (core.report(e), setItems([])),
    );
    // Once, when the list opens; `core` is fixed for the panel.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const unread = core.unread;
  const locale = core.host.locale();
  const l = TEXT[locale];
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <div class="list">
      <button type="button" class="primary" data-autofocus onClick={onNew}>
        {l.newConversation}
      </button>
      {items == null ? (
        <p class="note" role="status">
          {t.loading}
        </p>
      ) : items.length === 0 ? (
        <p class="note">{l.none}</p>
      ) : (
        <ul>
          {items.map((c) => {
            const count = unread.get(c.id) ?? 0;
            return (
              <li key={c.id}>
                <button type="button" class="item" onClick={() => onOpen(c.id)}>
                  <span class="preview">{c.lastMessagePreview || '…'}</span>
                  <span class="when">
                    {c.status === 'RESOLVED' ? l.resolved : l.open} · {date.format(new Date(c.updatedAt))}
                  </span>
                  {count > 0 && (
                    <span class="badge">
                      {count}
                      <span class="sr"> {l.unread(count)}</span>
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
