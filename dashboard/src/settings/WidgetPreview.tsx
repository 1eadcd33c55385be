/**
 * The live preview of a website's widget: the real one, this server's built `/widget.js`,
 * in a sandboxed frame, drawn with the settings as they stand in the form (saved or not).
 *
 * The frame answers the widget's `widgetConfig` requests itself, with the website's
 * public configuration and the unsaved appearance laid over it, so the widget needs no
 * preview mode and the server no preview endpoint; every other request is refused, so
 * the preview never starts a session or a conversation. The frame has an origin of its
 * own (no `allow-same-origin`): the widget cannot reach the dashboard's storage, where
 * the agent's tokens are, and keeps its own visitor in memory. It is drawn again when
 * a setting changes (the widget reads its configuration once, as on a real page).
 *
 * Rejected: importing the widget's Preact panel into the dashboard (a second UI library
 * and the widget's internals in the dashboard's bundle, and still not the built file a
 * website loads); the widget's demo page (a real visitor, saved settings only).
 */
import { WidgetConfigDocument, type WidgetConfig, type WidgetPosition } from '@chinwag/sdk';
import { useEffect, useState } from 'react';
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

/** JSON that is safe inside a `<script>` element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** The frame's document: the answering `fetch`, then the widget, opened without taking the focus. */
export function previewDocument(config: WidgetConfig, websiteKey: string, origin: string, lang: string): string {
  return `<!doctype html>
<html lang="${attr(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Widget preview</title>
<style>html,body{margin:0;height:100%;font-family:system-ui,sans-serif}body{background:repeating-linear-gradient(45deg,#f9fafb 0 10px,#f3f4f6 10px 20px)}</style>
<script>
(() => {
  const config = ${scriptJson(config)};
  const reply = (body) => Promise.resolve(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));
  window.fetch = (input, init) => {
    let asked = String((input && input.url) || input) + ' ' + (init && typeof init.body === 'string' ? init.body : '');
    try { asked = decodeURIComponent(asked); } catch {}
    return /widgetConfig/.test(asked)
      ? reply({ data: { widgetConfig: config } })
      : reply({ errors: [{ message: 'A preview sends nothing', extensions: { code: 'FORBIDDEN' } }] });
  };
  // The panel focuses itself on opening: not until the preview is used, so typing in the
  // dashboard's form is never interrupted by a redraw.
  const focus = HTMLElement.prototype.focus;
  HTMLElement.prototype.focus = function () {};
  const restore = () => (HTMLElement.prototype.focus = focus);
  addEventListener('pointerdown', restore, { once: true, capture: true });
  addEventListener('keydown', restore, { once: true, capture: true });
})();
</script>
</head>
<body>
<script src="${attr(origin)}/widget.js" data-website-key="${attr(websiteKey)}" data-sound="off"></script>
<script>
// Open on the greeting where the panel floats over the page; where it would fill the
// frame (the widget's phone layout, at 520 px and below) the launcher shows, to be tapped.
if (!matchMedia('(max-width: 520px)').matches) Chinwag('open');
</script>
</body>
</html>`;
}

export function WidgetPreview({ websiteKey, settings }: { websiteKey: string; settings: PreviewSettings }) {
  const { client } = useServices();
  // The website's public configuration, as a visitor's widget gets it.
  const saved = useLoad(async () => (await client.request(WidgetConfigDocument, { websiteKey })).widgetConfig, [websiteKey]);
  const built = useLoad(async () => (await fetch('/widget.js', { method: 'HEAD' })).ok, []);
  const [shown, setShown] = useState(settings);
  useEffect(() => {
    const t = setTimeout(() => setShown(settings), SETTLE_MS);
    return () => clearTimeout(t);
    // The fields shown, not the object: the form makes a new one on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.name, settings.color, settings.position, settings.greeting, settings.launcherText]);

  if (built.data === false)
    return <p className="widget-preview muted">The preview needs the widget built on this server (npm run build -w widget).</p>;
  if (saved.error) return <p className="widget-preview form-error">The preview could not load: {errorMessage(saved.error)}</p>;
  if (!saved.data || !built.data) return <div className="widget-preview" aria-busy="true" />;
  const config: WidgetConfig = {
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
  };
  return (
    <figure className="widget-preview">
      <iframe
        title="Widget preview"
        sandbox="allow-scripts"
        srcDoc={previewDocument(config, websiteKey, location.origin, navigator.language || 'en')}
      />
      <figcaption className="muted">
        The widget as visitors will see it, with the changes above (saved or not), while your team is available. Messages typed
        here are not sent.
      </figcaption>
    </figure>
  );
}
