/**
 * The pre-chat form: the website's questions (`widgetConfig.preChatFields`), asked of a
 * first-time visitor before their first message. The answers start the visitor session
 * (`introduce`): `name` and `email` become the visitor's own, every other key a visitor
 * attribute agents see (and routing rules read: docs/routing.md). Loaded only for
 * websites that have the form.
 *
 * A `SELECT` field is a native `<select>`. Its options are asked for here, only when the
 * form has one: the loader's `widgetConfig` query leaves them out, since every byte it
 * carries counts on opening the chat for every visitor.
 */
import type { WidgetConfig } from '@chinwag/sdk';
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useEffect, useState } from './dom.js';
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

/** The fields' options, in the fields' order (see the file's comment), for the website `key`. */
const options = (key: string) => `{widgetConfig(websiteKey:${JSON.stringify(key)}){preChatFields{options}}}`;

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
  const [choices, setChoices] = useState<string[][]>([]);
  useEffect(() => {
    // A GET without a token, as the loader's: asking must not start a visitor session
    // (the answers do, and nothing is stored before the visitor uses the chat).
    const url = new URL(core.host.api, location.href);
    url.searchParams.set('query', options(core.host.key));
    if (fields.some((f) => f.kind === 'SELECT'))
      fetch(url)
        .then((r) => r.json())
        .then((d: { data: { widgetConfig: { preChatFields: { options: string[] }[] } } }) =>
          setChoices(d.data.widgetConfig.preChatFields.map((f) => f.options)),
        )
        .catch(core.report);
    // The form's fields are fixed while it shows.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

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
      {fields.map((f, i) => {
        const value = values[f.key] ?? '';
        const error = errors[f.key];
        const onInput = (v: string) => set(f, v);
        if (f.kind != 'SELECT')
          return <Field key={f.key} form="prechat" field={f} value={value} error={error} t={ft} first={!i} onInput={onInput} />;
        // A select, drawn as `Field` draws the other kinds (label, required mark, error).
        const id = `cw-prechat-${f.key}`;
        return (
          <div class="field" key={f.key}>
            <label for={id}>
              {f.label}
              {f.required ? <span aria-hidden="true"> *</span> : <span class="optional"> {ft.optional}</span>}
            </label>
            <select
              id={id}
              name={f.key}
              required={f.required}
              aria-invalid={!!error}
              aria-describedby={error ? `${id}-error` : undefined}
              data-autofocus={!i || undefined}
              value={value}
              onInput={(e: Event) => onInput((e.currentTarget as HTMLSelectElement).value)}
            >
              <option value="" />
              {choices[i]?.map((o) => (
                <option>{o}</option>
              ))}
            </select>
            {error && (
              <p id={`${id}-error`} class="field-error">
                {error}
              </p>
            )}
          </div>
        );
      })}
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
