/**
 * The panel's text in every language the widget speaks (`LOCALES` in host.ts): each
 * language, English included, is a small chunk of its own (`i18n-en.ts`...), so that a
 * visitor loads only theirs. The core loads it with the panel, side by side (the panel
 * reads it through the core), so the language costs no round trip of its own. The parts
 * loaded when needed (the pre-chat and offline forms, the transcript) carry their own
 * text, in every language, so that it weighs nothing on opening the chat.
 */
import type { Locale } from '../host.js';
import type { Strings } from './i18n-en.js';

export type { Strings };

const LANGUAGES: Record<Locale, () => Promise<{ default: Strings }>> = {
  en: () => import('./i18n-en.js'),
  fr: () => import('./i18n-fr.js'),
  es: () => import('./i18n-es.js'),
};
const loaded: Partial<Record<Locale, Strings>> = {};

/** The text for `locale` if it is loaded already. */
export const strings = (locale: Locale): Strings | undefined => loaded[locale];

/** Loads the text for `locale`. */
export async function loadStrings(locale: Locale): Promise<Strings> {
  return (loaded[locale] ??= (await LANGUAGES[locale]()).default);
}
