/**
 * What the widget's forms share (the pre-chat form, the offline message, the
 * transcript): labelled fields checked by kind, with errors tied to their field for
 * screen readers, and their text in every language. A chunk of its own, loaded with the
 * first of those forms.
 */
import type { PreChatFieldKind } from '@chinwag/sdk';
import type { Locale } from '../host.js';
import { useLayoutEffect, useRef, useState } from './dom.js';
import css from './forms.css';
import { sheet } from './lazy.js';

sheet(css);

/** A field to fill (the shape of a website's pre-chat field). */
export interface FieldSpec {
  key: string;
  label: string;
  kind: PreChatFieldKind;
  required: boolean;
}

const en = {
  optional: '(optional)',
  missing: 'Please fill this in.',
  badEmail: 'Please enter an email address, like name@example.com.',
};
export type FormStrings = typeof en;

export const FORM_TEXT: Record<Locale, FormStrings> = {
  en,
  fr: {
    optional: '(facultatif)',
    missing: 'Veuillez remplir ce champ.',
    badEmail: 'Veuillez saisir une adresse e-mail, comme nom@exemple.fr.',
  },
  es: {
    optional: '(opcional)',
    missing: 'Rellena este campo.',
    badEmail: 'Escribe una dirección de correo, como nombre@ejemplo.com.',
  },
};

/** An email address as the server takes it (no spaces, a dot in the domain). */
export const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Checks a filled-in field of another kind (the pre-chat form's phone numbers). */
export type Check = (field: FieldSpec, value: string) => string | null;

/** What is wrong with `value` for `field`, or null. */
function problem(field: FieldSpec, value: string, t: FormStrings, more?: Check): string | null {
  const v = value.trim();
  if (!v) return field.required ? t.missing : null;
  if (field.kind === 'EMAIL' && !EMAIL.test(v)) return t.badEmail;
  return more?.(field, v) ?? null;
}

/**
 * A form's values and errors, and its first field focused when it appears in the open
 * panel. `check()` validates every field, shows what is wrong,
 * moves the focus to the first wrong field and returns whether all is well; a field
 * shown wrong is checked again as it is corrected.
 */
export function useFields(fields: FieldSpec[], t: FormStrings, more?: Check) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string | null>>({});
  const form = useRef<HTMLFormElement>(null);
  // Shown in an open panel (it came after the panel moved the focus): take the focus.
  useLayoutEffect(() => {
    const el = form.current!;
    if (!el.closest<HTMLElement>('.panel')!.hidden) el.querySelector<HTMLElement>('[data-autofocus]')!.focus();
  }, []);
  const set = (field: FieldSpec, value: string) => {
    setValues((v) => ({ ...v, [field.key]: value }));
    if (errors[field.key]) setErrors((e) => ({ ...e, [field.key]: problem(field, value, t, more) }));
  };
  const check = () => {
    const found = Object.fromEntries(fields.map((f) => [f.key, problem(f, values[f.key] ?? '', t, more)]));
    setErrors(found);
    const wrong = fields.find((f) => found[f.key]);
    if (wrong) requestAnimationFrame(() => form.current?.querySelector<HTMLElement>(`[name="${wrong.key}"]`)?.focus());
    return !wrong;
  };
  return { values, errors, set, check, form };
}

interface FieldProps {
  /** Makes the element ids unique in the widget. */
  form: string;
  field: FieldSpec;
  value: string;
  error: string | null | undefined;
  t: FormStrings;
  onInput(value: string): void;
  /** The first field: focused when the form appears. */
  first?: boolean;
  /** At most this many characters (the server's limit for attributes: 500). */
  max?: number;
}

/** A labelled input (or text area) with its error message. */
export function Field({ form, field, value, error, t, onInput, first, max = 500 }: FieldProps) {
  const id = `cw-${form}-${field.key}`;
  const { kind, key } = field;
  const props = {
    id,
    name: key,
    maxLength: key === 'name' ? 100 : max,
    required: field.required,
    'aria-invalid': !!error,
    'aria-describedby': error ? `${id}-error` : undefined,
    'data-autofocus': first || undefined,
    value,
    onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={id}>
        {field.label}
        {field.required ? <span aria-hidden="true"> *</span> : <span class="optional"> {t.optional}</span>}
      </label>
      {kind === 'TEXTAREA' ? (
        <textarea {...props} rows={3} />
      ) : (
        <input
          {...props}
          type={(kind === 'EMAIL' ? 'email' : kind === 'PHONE' ? 'tel' : 'text') as 'text'}
          autocomplete={kind === 'EMAIL' ? 'email' : kind === 'PHONE' ? 'tel' : key === 'name' ? 'name' : undefined}
        />
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
