/**
 * The offline form: while nobody can answer (outside business hours, or no agent
 * online) on a website that takes offline messages, the visitor leaves an email and a
 * message instead of chatting. It says when the team is back (from the business hours,
 * in the visitor's own time), starts an offline conversation (`startConversation` with
 * `offline`), and confirms that the reply will come by email. Loaded only when needed.
 */
import type { WidgetConfig } from '@chinwag/sdk';
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useLayoutEffect, useRef, useState } from './dom.js';
import { Field, FORM_TEXT, useFields, type FieldSpec } from './forms.js';
import type { Strings } from './i18n.js';

const en = {
  away: 'We are away right now',
  /** `when`: a weekday and a time, like "Monday 9:00 AM", in the visitor's language. */
  back: (when: string) => `We are back ${when}.`,
  leave: 'Leave us a message and we will reply by email.',
  email: 'Your email',
  message: 'Your message',
  sent: 'Message sent',
  byEmail: (email: string) => `Thank you! We will reply to ${email} by email.`,
};

const TEXT: Record<Locale, typeof en> = {
  en,
  fr: {
    away: 'Nous sommes absents pour le moment',
    back: (when) => `Nous serons de retour ${when}.`,
    leave: 'Laissez-nous un message : nous vous répondrons par e-mail.',
    email: 'Votre e-mail',
    message: 'Votre message',
    sent: 'Message envoyé',
    byEmail: (email) => `Merci ! Nous vous répondrons par e-mail à ${email}.`,
  },
  es: {
    away: 'Ahora mismo no estamos',
    back: (when) => `Volvemos el ${when}.`,
    leave: 'Déjanos un mensaje y te responderemos por correo.',
    email: 'Tu correo',
    message: 'Tu mensaje',
    sent: 'Mensaje enviado',
    byEmail: (email) => `¡Gracias! Te responderemos por correo a ${email}.`,
  },
};

/** A weekday's number, Sunday 0, from its name in English (`MONDAY`, `Monday`): two letters tell them apart. */
const weekday = (name: string) => 'SUMOTUWETHFRSA'.indexOf(name.slice(0, 2).toUpperCase()) / 2;
const minutes = (hhmm: string) => +hhmm.slice(0, 2) * 60 + +hhmm.slice(3, 5);

/**
 * When the website next opens, from its weekly hours in its own time zone, or null
 * without hours. (A change of daylight saving time before then may shift it by an hour.)
 */
function nextOpening(hours: WidgetConfig['businessHours'], now = Date.now()): Date | null {
  if (!hours?.intervals.length) return null;
  const parts: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timeZone,
    weekday: 'long',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(now))
    parts[p.type] = p.value;
  const day = weekday(parts.weekday!);
  const minute = +parts.hour! * 60 + +parts.minute!;
  let ahead = Infinity;
  for (const i of hours.intervals) {
    let m = ((weekday(i.day) - day + 7) % 7) * 1440 + minutes(i.open) - minute;
    if (m <= 0) m += 7 * 1440;
    ahead = Math.min(ahead, m);
  }
  return new Date(now - (now % 60_000) + ahead * 60_000);
}

export interface OfflineProps {
  core: Core;
  t: Strings;
  config: WidgetConfig;
}

export function Offline({ core, t: base, config }: OfflineProps) {
  const locale = core.host.locale();
  const t = TEXT[locale];
  const ft = FORM_TEXT[locale];
  const fields: FieldSpec[] = [
    { key: 'email', label: t.email, kind: 'EMAIL', required: true },
    { key: 'message', label: t.message, kind: 'TEXTAREA', required: true },
  ];
  const { values, errors, set, check, form } = useFields(fields, ft);
  const email = values.email?.trim();
  const [status, setStatus] = useState<'idle' | 'busy' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  const done = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => void (status === 'sent' && done.current?.focus()), [status]);

  // Closed: say when it opens. (Open but with nobody online: no telling when.)
  const opening = config.businessHoursOpen ? null : nextOpening(config.businessHours);

  async function submit(e: Event) {
    e.preventDefault();
    if (status !== 'idle' || !check()) return;
    setStatus('busy');
    setError(null);
    try {
      const { client } = core;
      const body = values.message!.trim();
      await client.introduce({ email });
      const started = await client.startConversation(body, { offline: true });
      core.started(started);
      core.sent({ conversationId: started.id, body });
      setStatus('sent');
    } catch (e) {
      const { code } = core.report(e);
      setError(code === 'PLAN_LIMIT' ? base.tooMany : base.error);
      setStatus('idle');
    }
  }

  return (
    <div class="log">
      {status === 'sent' ? (
        <div class="card" role="status" tabIndex={-1} ref={done}>
          <h3>{t.sent}</h3>
          <p>{t.byEmail(email!)}</p>
        </div>
      ) : (
        <form class="card" ref={form} noValidate onSubmit={submit} aria-labelledby="cw-offline">
          <h3 id="cw-offline">{t.away}</h3>
          {opening && (
            <p>
              {t.back(new Intl.DateTimeFormat(locale, { weekday: 'long', hour: 'numeric', minute: '2-digit' }).format(opening))}
            </p>
          )}
          <p>{t.leave}</p>
          {fields.map((f, i) => (
            <Field
              key={f.key}
              form="offline"
              field={f}
              value={values[f.key] ?? ''}
              error={errors[f.key]}
              t={ft}
              first={i === 0}
              max={10_000}
              onInput={(v) => set(f, v)}
            />
          ))}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary" disabled={status === 'busy'}>
            {base.send}
          </button>
        </form>
      )}
    </div>
  );
}
