/**
 * `widget.js`, the only code loaded with the host page (budget: 3 KB gzipped). It reads
 * the `<script>` tag, fetches the website's public configuration, draws the launcher in
 * a shadow root, and defines `window.Chinwag`. Everything else (the SDK, the live
 * connection, the panel) is in hashed chunks loaded when the visitor opens the
 * chat, or, for a returning visitor, once the page is idle; the visit's chunk (triggers
 * and the live-presence beacon) right away, only on a website with triggers
 * (`hasTriggers`) or live presence on (`livePresence`).
 *
 * Privacy: for a first-time visitor this file stores nothing and starts no session; it
 * only reads whether the SDK stored one on an earlier visit. (The visit's chunk, with
 * `livePresence: FIRST_PARTY_ID` only, keeps the website's first-party id.)
 */
import { WidgetConfigDocument } from '@chinwag/sdk';
import type { Attributes, ChinwagGlobal, IdentifyUser, WidgetEvents } from './api.js';
import { OPEN_LABELS, pickLocale, sessionKey, type Config, type CoreApi, type Host } from './host.js';
import css from './launcher.css';

/** The hashed chunk file names, filled in by `scripts/build.mjs`. */
declare const CHUNKS: { core: string; returning: string; panel: string; visit: string };

const CHAT_ICON =
  '<svg class="i-chat" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

type Listener = (payload: never) => void;

(() => {
  const w = window;
  const stub = w.Chinwag;
  if (stub?.loaded) return;
  const script = (document.currentScript ?? document.querySelector('script[data-website-key]')) as HTMLScriptElement | null;
  const key = script?.dataset.websiteKey;
  if (!script || !key) return console.warn('Chinwag: data-website-key missing');
  const data = script.dataset;
  const api = data.api || new URL('/graphql', script.src).href;
  const base = new URL('widget/', script.src).href;
  let locale = data.locale;
  const listeners: { [E in keyof WidgetEvents]?: Set<Listener> } = {};
  const tracked: Host['tracked'] = [];
  let core: Promise<CoreApi> | undefined;

  const emit: Host['emit'] = (event, payload) =>
    listeners[event]?.forEach((l) => {
      try {
        (l as (p: typeof payload) => void)(payload);
      } catch (e) {
        console.error(e);
      }
    });
  const currentLocale = () => pickLocale(locale || document.documentElement.lang || navigator.language);
  const sessionStored = sessionKey(key);
  const talkedKey = sessionStored + ':talked';
  /** Reads `k`, or with `value` writes it. */
  const stored = (k: string, value?: string) => {
    try {
      return value == null ? localStorage.getItem(k) : localStorage.setItem(k, value);
    } catch {
      // storage blocked: nothing was stored either (the next page gets the smaller core)
    }
  };

  // A GET without custom headers is a "simple" cross-origin request: no preflight.
  const ready: Promise<Host> = fetch(
    `${api}${api.includes('?') ? '&' : '?'}query=${encodeURIComponent(WidgetConfigDocument as unknown as string)}&variables=${encodeURIComponent(
      JSON.stringify({ websiteKey: key }),
    )}`,
  )
    .then((r) => r.json())
    .then((body: { data?: { widgetConfig: Config }; errors?: { message: string; extensions?: { code?: string } }[] }) => {
      if (body.data) return draw(body.data.widgetConfig);
      // A GraphQL answer without data has an error (a wrong key: NOT_FOUND).
      const e = body.errors![0]!;
      throw { code: e.extensions?.code ?? 'INTERNAL', message: e.message };
    })
    .catch((e: { code?: string; message?: string }) => {
      const error = { code: e.code ?? 'NETWORK_ERROR', message: `Chinwag: ${e.message ?? e}` };
      console.warn(error.message);
      emit('error', error);
      throw error;
    });
  // Said once, above; commands that need the launcher reject with it too.
  ready.catch(() => {});

  /** Draws the launcher in a fresh shadow root, with the website's colour and side (or the tag's `data-position`). */
  const draw = (config: Config): Host => {
    const { color, position, launcherText } = config.appearance;
    const accent = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(color) ? color : '#4f46e5';
    const element = document.createElement('chinwag-widget');
    const root = element.attachShadow({ mode: 'open' });
    // (A button without `type`: in a shadow root no form can own it, so it submits nothing.)
    root.innerHTML = `<div class="cw${/left/i.test(data.position || position) ? ' left' : ''}"><button class="launcher" aria-expanded="false">${CHAT_ICON}<span class="text"></span></button></div>`;
    const style = (text: string) => {
      // A constructed stylesheet: a page whose Content-Security-Policy forbids inline
      // styles still lets it apply. A <style> element where the browser has none.
      try {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(text);
        root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      } catch {
        root.prepend(Object.assign(document.createElement('style'), { textContent: text }));
      }
    };
    style(
      `${css}:host{--cw-accent:var(--chinwag-accent,${accent});--cw-on-accent:var(--chinwag-accent-text,${contrast(accent) ? '#fff' : '#111'})}`,
    );
    const launcher = root.querySelector('button')!;
    launcher.lastChild!.textContent = launcherText;
    // The <html> element rather than <body>: a transform or filter on body would move
    // fixed-position elements with it.
    document.documentElement.append(element);

    const host: Host = {
      key,
      api,
      root,
      config,
      launcher,
      locale: currentLocale,
      // The visible launcher text, when there is one, is the name (WCAG 2.5.3, label in name).
      openLabel: () => launcherText || OPEN_LABELS[currentLocale()],
      style,
      sound: data.sound !== 'off',
      tracked,
      emit,
      talked: (yes) => stored(talkedKey, yes),
      panel: () => import(base + CHUNKS.panel),
      core: loadCore as Host['core'],
    };
    // Triggers and live presence: their chunk only for a website with either.
    if (config.hasTriggers || config.livePresence != 'OFF')
      void import(base + CHUNKS.visit).then((m: typeof import('./visit.js')) => m.start(host));
    // Until the core takes over the launcher (open state, badge), it only opens.
    label = () => !core && launcher.setAttribute('aria-label', host.openLabel());
    label();
    // (Properties rather than listeners: smaller. The launcher is the widget's own, in
    // its shadow root; nothing else sets them.)
    launcher.onclick = () =>
      loadCore().then(
        (c) => c.toggle(),
        () => {},
      );
    // A likely open: fetch and parse the panel now (this starts no session).
    const warm = () =>
      loadCore().then(
        (c) => c.prefetch(),
        () => {},
      );
    // (Again and again: the core and the panel are loaded once.)
    launcher.onpointerenter = launcher.onfocus = warm;
    emit('ready', { websiteName: config.websiteName });
    return host;
  };
  let label = () => {};

  const loadCore = (): Promise<CoreApi> =>
    (core ??= ready.then((host) =>
      // A returning visitor with a conversation gets the core with the live connection
      // built in (see scripts/build.mjs); one without, the first visit's.
      import(base + (stored(talkedKey) ? CHUNKS.returning : CHUNKS.core)).then((m: typeof import('./core.js')) => m.start(host)),
    ));

  const commands = {
    open: () => loadCore().then((c) => c.open()),
    close: async () => (await core)?.close(),
    identify: (user: IdentifyUser | null) => loadCore().then((c) => c.identify(user)),
    set: (attributes: Attributes) => loadCore().then((c) => c.set(attributes)),
    track(name: string, properties: Record<string, unknown> = {}) {
      if (typeof name !== 'string' || !name) return;
      const event = { name, properties, url: location.href, at: new Date().toISOString() };
      if (tracked.push(event) > 100) tracked.shift();
      emit('track', event);
    },
    setLocale(tag: string) {
      locale = String(tag);
      label();
      core?.then(
        (c) => c.relocalize(),
        () => {},
      );
    },
    on(event: keyof WidgetEvents, listener: Listener) {
      const set = (listeners[event] ??= new Set());
      set.add(listener);
      return () => void set.delete(listener);
    },
  };

  const Chinwag = function (command: keyof typeof commands, ...args: unknown[]) {
    const run = commands[command] as ((...a: unknown[]) => unknown) | undefined;
    if (!run) return console.warn(`Chinwag: unknown command ${command}`);
    return run(...args);
  } as unknown as ChinwagGlobal;
  Chinwag.loaded = true;
  w.Chinwag = Chinwag;
  for (const args of stub?.q ?? []) {
    // Early calls have no caller to hand a failure to; `on('error')` hears of it.
    Promise.resolve((Chinwag as unknown as (...a: unknown[]) => unknown)(...args)).catch(() => {});
  }

  // A returning visitor: the badge and the live connection, once the page is idle.
  if (stored(sessionStored)) {
    const live = () => loadCore().catch(() => {});
    const idle = () => (w.requestIdleCallback ? w.requestIdleCallback(live, { timeout: 2000 }) : setTimeout(live, 500));
    // (No `once`: a page loads once.)
    if (document.readyState === 'complete') idle();
    else w.addEventListener('load', idle);
  }

  /** Whether white text reads better than black on `hex` (perceived brightness, YIQ). */
  function contrast(hex: string): boolean {
    const n = parseInt((hex.length === 4 ? hex.replace(/\w/g, (c) => c + c) : hex).slice(1), 16);
    return (n >> 16) * 299 + ((n >> 8) & 255) * 587 + (n & 255) * 114 < 150_000;
  }
})();
