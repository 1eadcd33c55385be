/**
 * What the Help center's screens share: the public addresses of a website's help center
 * and of an article in it, language names, and which field a refusal of the server is
 * about (its message starts with the input's field: "slug must be 1 to 80 …").
 */
import { errorMessage } from '../ui';

/** The help center is served by the server that serves the dashboard. */
export const helpCenterUrl = (publicKey: string, slug?: string, language?: string) =>
  `${location.origin}/help/${encodeURIComponent(publicKey)}${slug ? `/${encodeURIComponent(slug)}` : ''}${
    language ? `?lang=${encodeURIComponent(language)}` : ''
  }`;

/** The dashboard's own language, the default of a new article's text. */
export const dashboardLanguage = () => document.documentElement.lang.toLowerCase() || 'en';

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** "Norwegian Bokmål (nb)", or the bare tag for one the browser does not know. */
export function languageName(tag: string): string {
  let name: string | undefined;
  try {
    name = names.of(tag);
  } catch {
    name = undefined;
  }
  return name ? `${name} (${tag})` : tag;
}

export type ArticleField = 'title' | 'body' | 'slug' | 'category' | 'language';
export type FieldErrors = Partial<Record<ArticleField | 'form', string>>;

const FIELDS: ArticleField[] = ['title', 'body', 'slug', 'category', 'language'];

/**
 * A refusal as the errors of a form: under the field it is about when the server's
 * message names one (or is the duplicate slug's), else for the form as a whole (a plan
 * limit, a network error, FORBIDDEN).
 */
export function fieldErrors(error: unknown): FieldErrors {
  const e = error as { code?: string; message?: string };
  const message = errorMessage(error);
  const sentence = message.charAt(0).toUpperCase() + message.slice(1).replace(/\.?$/, '.');
  if (e?.code !== 'BAD_USER_INPUT') return { form: sentence };
  const first = e.message?.split(/\s/, 1)[0] as ArticleField;
  if (FIELDS.includes(first)) return { [first]: sentence };
  if (/\bslug\b/.test(e.message ?? '')) return { slug: sentence };
  return { form: sentence };
}
