/**
 * The contract between the loader (`widget.js`, loaded with the page) and the chunks it
 * loads later (`core`, then `panel`): what the loader lends them. Types and two tiny
 * helpers, so the loader stays within its budget.
 */
import type { WidgetConfig } from '@chinwag/sdk';
import type { Core } from './core.js';
import type { Attributes, IdentifyUser, TrackedEvent, WidgetEvents } from './api.js';

/** The languages the widget speaks; the first is the fallback. */
export const LOCALES = ['en', 'fr', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

/** The supported language for a tag like `fr-CA` (English when unsupported). */
export function pickLocale(tag: string | null | undefined): Locale {
  const lang = (tag || '').slice(0, 2).toLowerCase() as Locale;
  // Every language has its label (no two-letter key is inherited from Object).
  return OPEN_LABELS[lang] ? lang : 'en';
}

/** The launcher's label before it is opened (the loader's; the core has the others, `LAUNCHER_LABELS` in core.ts). */
export const OPEN_LABELS: Record<Locale, string> = { en: 'Open chat', fr: 'Ouvrir le chat', es: 'Abrir el chat' };

/**
 * Where `@chinwag/sdk` keeps a visitor's session (`sdk-js/src/visitor.ts`). The loader
 * only reads it, to tell a returning visitor without loading the SDK; a test fails if
 * the two drift apart.
 */
export const sessionKey = (websiteKey: string): string => `chinwag:visitor:${websiteKey}`;

/**
 * The website's configuration as the loader fetches it: the SDK's, and whether the
 * website has published articles to suggest (which the build adds to the SDK's query:
 * `loaderConfig` in scripts/build.mjs), without `answerDrafts`, which only the panel
 * reads, from its own fetch on opening (the build takes it out of the loader's query).
 */
export type Config = Omit<WidgetConfig, 'answerDrafts'> & { hasArticles: boolean; answerDrafts?: boolean };

/** What the loader lends the chunks. */
export interface Host {
  /** The website's public key (`data-website-key`). */
  key: string;
  /** The GraphQL endpoint. */
  api: string;
  /** The widget's shadow root: everything it shows lives here. */
  root: ShadowRoot;
  /** Adds a stylesheet to the shadow root (constructed, so a strict CSP allows it). */
  style(css: string): void;
  /** The website's configuration, fetched by the loader (the panel's refreshes lack `hasArticles`). */
  config: Config;
  /** The launcher button: the core shows the open state and the badge on it, and focus returns here on close. */
  launcher: HTMLButtonElement;
  /** The language now (from `setLocale`, `data-locale`, `<html lang>` or the browser). */
  locale(): Locale;
  /** The launcher's label while closed: its visible text, else "Open chat" in the language. */
  openLabel(): string;
  /** False with `data-sound="off"`. */
  sound: boolean;
  emit<E extends keyof WidgetEvents>(event: E, payload: WidgetEvents[E]): void;
  /**
   * Whether the stored session has a conversation: the core says '1' once it follows or
   * starts one, '' once the session is forgotten. The loader keeps it
   * (`chinwag:visitor:<key>:talked`) and, on the next page, gives the core with the live
   * connection built in only to a session with a conversation. One without (an
   * identified customer who has not written yet) has nothing to follow live, so gets the
   * first visit's smaller core.
   */
  talked(yes: '1' | ''): void;
  /** Loads the panel chunk (hashed file name, next to `widget.js`). */
  panel(): Promise<typeof import('./panel/index.js')>;
  /** Loads the core (as `Chinwag('open')` would, without opening): for the on-demand pieces the loader starts itself. */
  core(): Promise<Core>;
  /**
   * Events from `track` not sent yet, oldest first (at most 100): the loader adds them,
   * the `track` chunk takes them out as it sends them (and puts back those a network
   * failure kept from the server). In the page's memory only.
   */
  tracked: TrackedEvent[];
}

/** What the core chunk gives back to the loader. */
export interface CoreApi {
  open(): Promise<void>;
  close(): void;
  /** The launcher was clicked. */
  toggle(): Promise<void>;
  identify(user: IdentifyUser | null): Promise<void>;
  set(attributes: Attributes): Promise<void>;
  /** The language changed: render again. */
  relocalize(): void;
  /** Loads the panel ahead of a likely open (the launcher is hovered or focused). */
  prefetch(): void;
}
