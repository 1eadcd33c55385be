/**
 * The pre-chat form: the website's questions (`widgetConfig.preChatFields`), asked of a
 * first-time visitor before their first message. The answers start the visitor session
 * (`introduce`): `name` and `email` become the visitor's own, every other key a visitor
 * attribute agents see. Loaded only for websites that have the form.
 */
import type { WidgetConfig } from '@chinwag/sdk';
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useState } from './dom.js';
import { Field, FORM_TEXT, useFields } from './forms.js';

const TEXT: Record<Locale, { intro: string; start: string; error: string; badPhone: string }> = {
  en: {
    intro: 'Before we start, please tell us a little about you.',
    start: 'Start the chat',
    error: 'Something went wrong. Please check your answers and try again.',
    badPhone: 'Please enter a phone number: digits, spaces, +, - and brackets.',
  },
  fr: {
    intro: 'Avant de commencer, dites-nous-en un peu plus sur vous.',
    start: 'Commencer le chat',
    error: 'Un problème est survenu. Vérifiez vos réponses et réessayez.',
    badPhone: 'Veuillez saisir un numéro de téléphone : chiffres, espaces, +, - et parenthèses.',
  },
  es: {
    intro: 'Antes de empezar, cuéntanos un poco sobre ti.',
    start: 'Empezar el chat',
    error: 'Algo ha fallado. Revisa tus respuestas y vuelve a intentarlo.',
    badPhone: 'Escribe un número de teléfono: cifras, espacios, +, - y paréntesis.',
  },
};

/** A phone number: digits (6 to 20), spaces, brackets, dashes, dots, a leading +. */
const phone = (v: string) => /^\+?[\d\s().-]+$/.test(v) && /^(\D*\d){6,20}\D*$/.test(v);

export interface PreChatProps {
  core: Core;
  config: WidgetConfig;
  /** The answers are in: the visitor may write. */
  onDone(): void;
}

export function PreChat({ core, config, onDone }: PreChatProps) {
  const locale = core.host.locale();
  const t = TEXT[locale];
  const ft = FORM_TEXT[locale];
  const fields = config.preChatFields;
  const { values, errors, set, check, form } = useFields(fields, ft, (f, v) =>
    f.kind === 'PHONE' && !phone(v) ? t.badPhone : null,
  );
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy || !check()) return;
    setBusy(true);
    setFailed(false);
    const answers: Record<string, string> = {};
    for (const f of fields) {
      const v = values[f.key]?.trim();
      if (v) answers[f.key] = v;
    }
    const { name, email, ...attributes } = answers;
    try {
      await core.client.introduce({ name, email, attributes });
      onDone();
    } catch (error) {
      core.report(error);
      setFailed(true);
      setBusy(false);
    }
  }

  return (
    <form class="card" ref={form} noValidate onSubmit={submit} aria-labelledby="cw-prechat">
      <p id="cw-prechat">{t.intro}</p>
      {fields.map((f, i) => (
        <Field
          key={f.key}
          form="prechat"
          field={f}
          value={values[f.key] ?? ''}
          error={errors[f.key]}
          t={ft}
          first={i === 0}
          onInput={(v) => set(f, v)}
        />
      ))}
      {failed && (
        <p class="error" role="alert">
          {t.error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {t.start}
      </button>
    </form>
  );
}
