/**
 * The public JavaScript API of the widget: the one global, `window.Chinwag`, a site
 * owner calls to open and close the chat, say who the visitor is, switch the language
 * and listen to what happens. Types only: the loader (`loader.ts`) implements it.
 *
 * Calls made before `widget.js` has loaded are queued by the optional stub
 * `window.Chinwag = window.Chinwag || function () { (Chinwag.q = Chinwag.q || []).push(arguments) }`
 * and run in order once it has; those early calls return nothing.
 */

/** A signed-in customer of the site, for `Chinwag('identify', user)`. */
export interface IdentifyUser {
  /** Your own, stable user id (1 to 200 characters). Needs `userHash`. */
  userId?: string;
  /**
   * Hex HMAC-SHA256 of `userId` with the website's identity secret, computed on your
   * server (never in the page: the secret must stay there). A wrong hash is refused
   * with `FORBIDDEN` and the visitor stays anonymous.
   */
  userHash?: string;
  /** The name agents see. */
  name?: string;
  /** The email agents see. */
  email?: string;
  /**
   * Hex HMAC-SHA256 of `"email:" + email` (the email exactly as given) with the website's identity secret,
   * computed on your server: the email is then vouched for, and transcripts and the
   * team's replies go to it without a confirmation link first. Needs `email`.
   */
  emailHash?: string;
}

/**
 * Attributes for `Chinwag('set', attributes)`: keys of 1 to 40 letters, digits, `-` or
 * `_`; numbers and booleans become strings, values are at most 500 characters; `null`
 * removes the key.
 */
export type Attributes = Record<string, string | number | boolean | null>;

/** An error the widget reports through `Chinwag('on', 'error', ...)`. */
export interface WidgetError {
  /** The server's code (`FORBIDDEN` for a bad identity hash, `NOT_FOUND` for a wrong website key...) or `NETWORK_ERROR`. */
  code: string;
  message: string;
}

/** A message from the team (an agent or a bot) that reached the visitor. */
export interface IncomingMessage {
  conversationId: string;
  body: string;
  senderKind: 'AGENT' | 'BOT' | 'SYSTEM';
  createdAt: string;
}

/** An event recorded with `Chinwag('track', name, properties)`. */
export interface TrackedEvent {
  name: string;
  properties: Record<string, unknown>;
  /** The page it happened on. */
  url: string;
  /** ISO 8601. */
  at: string;
}

/** What `Chinwag('on', event, listener)` can listen to, with each event's payload. */
export interface WidgetEvents {
  /** The launcher is on the page (the website's configuration has loaded). */
  ready: { websiteName: string };
  /** The chat panel opened. */
  open: Record<string, never>;
  /** The chat panel closed. */
  close: Record<string, never>;
  /** The number of unread messages from the team changed. */
  unread: { count: number };
  /** A message from the team arrived (while the live connection is up). */
  message: IncomingMessage;
  /** `identify` succeeded: the visitor is now known by your user id (or was forgotten, `visitorId: null`). */
  identify: { visitorId: string | null; userId: string | null };
  /** Something failed: a bad identity hash, an unknown website key, the server unreachable. */
  error: WidgetError;
  /**
   * The server accepted a message the visitor wrote (the first of a conversation, an
   * offline message, a file's, whose `body` is empty, included), once each.
   */
  send: { conversationId: string; body: string };
  /** `track` was called (whether or not the event is sent yet: see {@link ChinwagApi}). */
  track: TrackedEvent;
  /**
   * A trigger (a proactive message) was shown: its bubble by the launcher, or the chat
   * opened with it. `id` is the trigger's (`Trigger.id` in the API).
   */
  trigger: { id: string };
}

/**
 * The `Chinwag(...)` function a site owner calls.
 *
 * @example
 * ```js
 * Chinwag('setLocale', 'fr');
 * Chinwag('set', { plan: 'pro', cartTotal: 42, coupon: null });
 * Chinwag('identify', { userId: 'u_42', name: 'Ada', email: 'ada@example.com', userHash: '<from your server>' });
 * const off = Chinwag('on', 'unread', ({ count }) => (document.title = count ? `(${count}) Shop` : 'Shop'));
 * document.querySelector('#help').addEventListener('click', () => Chinwag('open'));
 * ```
 */
export interface ChinwagApi {
  /** Opens the chat panel (loading it first if needed). */
  (command: 'open'): Promise<void>;
  /** Closes the chat panel; focus goes back to the launcher. */
  (command: 'close'): void;
  /**
   * Says who the visitor is. With `userId` and `userHash` the server verifies the
   * customer, and their conversations follow them to any browser; an anonymous
   * visitor's history moves into the verified one. Starts the visitor session now (a
   * first-time visitor's browser then stores it). Resolves when the server agreed;
   * rejects (and emits `error`) on a bad hash, leaving the visitor anonymous.
   *
   * `identify(null)`: the customer signed out. Forgets the stored session, so the next
   * person on this browser starts afresh.
   */
  (command: 'identify', user: IdentifyUser | null): Promise<void>;
  /**
   * Sets attributes of the visitor that agents see with the conversation (the browser's,
   * beside those your server sets): a cart, a plan, the page's context. With a visitor
   * session, they are sent at once (20 at most per call, 50 per visitor in all, a few
   * calls a second). Without one, they stay in the page's memory (never stored in the
   * browser) and go with the session's start, when the visitor first writes; later calls
   * add to them (at most 20 before then). Resolves once sent or kept; rejects (and emits
   * `error`) with `BAD_USER_INPUT` for a bad key or value, leaving every attribute as it
   * was, or with the server's code (`RATE_LIMITED`...).
   */
  (command: 'set', attributes: Attributes): Promise<void>;
  /**
   * Records that something happened: `'purchase'` with `{ value: 19.99, currency: 'EUR',
   * order: 'A-1' }` (as GA4's purchase event), one of the website's goals (`'signup'`), or
   * any other name (1 to 64 letters, digits, `_`, `-`, `.` and `:`). Handed to
   * `on('track')` listeners at once. Sent (`trackEvents`) once the visitor has a session:
   * before, kept in the page's memory only (the last 100, never stored in the browser)
   * and sent, dated, right after their first message; with one, at once. The server keeps
   * purchases and goals as the visitor's conversions, unverified, and drops the rest.
   * Values become text; keys and values the server would refuse are left out. A name it
   * would refuse, or a call it refuses, is reported through `on('error')`
   * (`BAD_USER_INPUT`). Never loads the chat or starts a session.
   */
  (command: 'track', name: string, properties?: Record<string, unknown>): void;
  /**
   * Switches the widget's language now (`'en'`, `'fr'`, `'es'`, or a tag like
   * `'fr-CA'`); unknown languages fall back to English. Without it the widget follows
   * `data-locale`, then the page's `<html lang>`, then the browser.
   */
  (command: 'setLocale', locale: string): void;
  /** Listens to a widget event; returns the function that stops listening. */
  <E extends keyof WidgetEvents>(command: 'on', event: E, listener: (payload: WidgetEvents[E]) => void): () => void;
}

/** The global once `widget.js` has run. */
export interface ChinwagGlobal extends ChinwagApi {
  /** Calls queued by the stub before the loader ran. */
  q?: IArguments[];
  /** Set by the loader, so a second copy of the script stays idle. */
  loaded?: true;
}

declare global {
  interface Window {
    Chinwag?: ChinwagGlobal;
  }
}
