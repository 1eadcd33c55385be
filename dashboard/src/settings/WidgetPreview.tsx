/**
 * The live preview of a website's widget: the real one, this server's built `/widget.js`,
 * in a sandboxed frame, drawn with the settings as they stand in the form (saved or not).
 *
 * The frame is a static page of this app (public/preview.html and preview.js, at
 * /app/preview.html): it asks for the settings by `postMessage`, and this component
 * answers with the website's public configuration and the unsaved appearance laid over
 * it. The frame answers the widget's `widgetConfig` requests with that, so the widget
 * needs no preview mode and the server no preview endpoint; every other request is
 * refused, so the preview never starts a session or a conversation. The frame has an
 * origin of its own (no `allow-same-origin`): the widget cannot reach the dashboard's
 * storage, where the agent's tokens are, and keeps its own visitor in memory. It is
 * drawn again when a setting changes (the widget reads its configuration once, as on a
 * real page).
 *
 * No inline script anywhere, so the dashboard runs under `script-src 'self'`. Rejected:
 * an `srcdoc` document with the settings written into inline scripts (what this was: an
 * `srcdoc` frame inherits the dashboard's policy, so it needs `'unsafe-inline'`); the
 * settings in the frame's URL (no message to check, but a reload per keystroke either
 * way and the settings in the history of the frame).
 *
 * Rejected: importing the widget's Preact panel into the dashboard (a second UI library
 * and the widget's internals in the dashboard's bundle, and still not the built file a
 * website loads); the widget's demo page (a real visitor, saved settings only).
 */
import { WidgetConfigDocument, type WidgetConfig, type WidgetPosition } from '@chinwag/sdk';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useServices } from '../directory';
import { errorMessage, useLoad } from '../ui';

export interface PreviewSettings {
  name: string;
  color: string;
  position: WidgetPosition;
  greeting: string;
  launcherText: string;
}

/** Time for typing to settle before the frame is drawn again. */
const SETTLE_MS = 300;

/** The frame's page (public/preview.html and preview.js), emitted by Vite beside index.html. */
const PREVIEW_URL = `${import.meta.env.BASE_URL}preview.html`;

/** What the frame posts when it is ready for the settings, and the answer (see public/preview.js). */
const READY = 'chinwag:preview-ready';
const DRAW = 'chinwag:preview';
interface DrawMessage {
  type: typeof DRAW;
  config: WidgetConfig;
  websiteKey: string;
  lang: string;
}

export function WidgetPreview({ websiteKey, settings }: { websiteKey: string; settings: PreviewSettings }) {
  const { client } = useServices();
  // The website's public configuration, as a visitor's widget gets it.
  const saved = useLoad(async () => (await client.request(WidgetConfigDocument, { websiteKey })).widgetConfig, [websiteKey]);
  const built = useLoad(async () => (await fetch('/widget.js', { method: 'HEAD' })).ok, []);
  const frame = useRef<HTMLIFrameElement>(null);
  const draw = useRef<DrawMessage | null>(null);
  // Registered before any frame exists, so no "ready" is missed.
  useEffect(() => {
    const answer = (event: MessageEvent) => {
      const target = frame.current?.contentWindow;
      // Only our frame, still sandboxed (an opaque origin is "null").
      if (!target || event.source !== target || event.origin !== 'null' || event.data?.type !== READY || !draw.current) return;
      // `'*'`: an opaque origin cannot be named. The settings are no secret (the public
      // configuration and what is typed in the form), and the frame was checked above.
      target.postMessage(draw.current, '*');
    };
    addEventListener('message', answer);
    return () => removeEventListener('message', answer);
  }, []);
  const [shown, setShown] = useState(settings);
  useEffect(() => {
    const t = setTimeout(() => setShown(settings), SETTLE_MS);
    return () => clearTimeout(t);
    // The fields shown, not the object: the form makes a new one on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.name, settings.color, settings.position, settings.greeting, settings.launcherText]);

  const config = useMemo(
    (): WidgetConfig | null =>
      saved.data
        ? {
            ...saved.data,
            websiteName: shown.name,
            appearance: {
              color: shown.color,
              position: shown.position,
              greeting: shown.greeting,
              launcherText: shown.launcherText,
            },
            // Shown as when the team is there: the greeting, not the offline form.
            businessHoursOpen: true,
            agentOnline: true,
          }
        : null,
    [saved.data, shown],
  );
  /** The configuration the frame was loaded for. */
  const drawn = useRef<WidgetConfig | null>(null);
  // In the commit that draws the frame, before the frame can ask.
  useLayoutEffect(() => {
    draw.current = config && { type: DRAW, config, websiteKey, lang: navigator.language || 'en' };
    // New settings for a frame already drawn: load its page again, in the same frame (the
    // old drawing stays until the new one is there; a new frame would flash empty).
    const f = frame.current;
    if (f && drawn.current && drawn.current !== config) f.src = PREVIEW_URL;
    drawn.current = f && config;
  }, [config, websiteKey]);

  if (built.data === false)
    return <p className="widget-preview muted">The preview needs the widget built on this server (npm run build -w widget).</p>;
  if (saved.error) return <p className="widget-preview form-error">The preview could not load: {errorMessage(saved.error)}</p>;
  if (!config || !built.data) return <div className="widget-preview" aria-busy="true" />;
  return (
    <figure className="widget-preview">
      <iframe ref={frame} title="Widget preview" sandbox="allow-scripts" src={PREVIEW_URL} />
      <figcaption className="muted">
        The widget as visitors will see it, with the changes above (saved or not), while your team is available. Messages typed
        here are not sent.
      </figcaption>
    </figure>
  );
}
