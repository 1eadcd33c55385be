/**
 * The visitor's conversions in the visitor sidebar (docs/analytics.md, "Conversions"):
 * each purchase or goal with its value, whether the site's server vouched for it or the
 * browser tracked it, when, and which conversation earned it. Loaded apart from the
 * inbox (VisitorPanel.tsx imports it lazily) and only for visitors who have some.
 */
import type { Conversion } from '../api';
import { Badge } from '../ui';
import { fullDate, when } from './format';

/** `€19.99` (by the agent's locale); a code the browser does not know stays as `19.99 XYZ`. */
function money(value: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${value} ${currency}`;
  }
}

export default function VisitorConversions({
  conversions,
  conversationId,
}: {
  conversions: Conversion[];
  conversationId: string;
}) {
  return (
    <section className="panel-section" aria-label="Conversions">
      <h3>Conversions</h3>
      <ul className="plain-list conversions">
        {conversions.map((c) => (
          <li key={c.id}>
            <span className="conversion-head">
              <strong>{c.name}</strong>
              {c.value != null && c.currency && <span>{money(c.value, c.currency)}</span>}
              {c.verified ? (
                <Badge tone="ok">verified</Badge>
              ) : (
                <span title="Tracked by the visitor’s browser: unverified">
                  <Badge>from the browser</Badge>
                </span>
              )}
            </span>
            <small className="muted">
              <time dateTime={c.occurredAt} title={fullDate(c.occurredAt)}>
                {when(c.occurredAt)}
              </time>
              {' · '}
              {c.conversationId === conversationId
                ? 'this conversation'
                : c.conversationId
                  ? 'another conversation'
                  : 'no conversation'}
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}
