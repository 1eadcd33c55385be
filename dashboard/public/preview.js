/**
 * The widget preview's frame (preview.html): answers the widget's `widgetConfig` requests
 * with the settings the dashboard sends, refuses every other request (a preview starts no
 * session and sends nothing), keeps the widget from taking the focus, then loads the real
 * `/widget.js` and opens it on the greeting where the panel floats over the page.
 *
 * A plain script, not a Vite entry: Vite emits module scripts, and a module script is a
 * CORS request, which this frame's opaque origin (sandbox without `allow-same-origin`)
 * could not make to the dashboard's files. The protocol is shared by name with
 * src/settings/WidgetPreview.tsx: the frame posts `{ type: 'chinwag:preview-ready' }` to
 * its parent, which answers `{ type: 'chinwag:preview', config, websiteKey, lang }`.
 */
(() => {
  /** The configuration the widget gets: the dashboard's answer, once. */
  let config;

  const reply = (body) =>
    Promise.resolve(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));
  window.fetch = (input, init) => {
    let asked = String((input && input.url) || input) + ' ' + (init && typeof init.body === 'string' ? init.body : '');
    try {
      asked = decodeURIComponent(asked);
    } catch {
      // not encoded: read as it is
    }
    return /widgetConfig/.test(asked) && config
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

  addEventListener('message', (event) => {
    // Only the dashboard that framed this page: the parent window, on the origin this file
    // came from (`location.origin` is the URL's, though the frame's own origin is opaque).
    // Once: the widget reads its configuration once; the dashboard draws a new frame.
    if (event.source !== parent || event.origin !== location.origin || config) return;
    const data = event.data;
    if (!data || data.type !== 'chinwag:preview' || typeof data.websiteKey !== 'string') return;
    config = data.config;
    if (typeof data.lang === 'string') document.documentElement.lang = data.lang;
    const widget = document.createElement('script');
    widget.src = new URL('/widget.js', location.href).href;
    widget.dataset.websiteKey = data.websiteKey;
    widget.dataset.sound = 'off';
    // Open on the greeting where the panel floats over the page; where it would fill the
    // frame (the widget's phone layout, at 520 px and below) the launcher shows, to be tapped.
    widget.addEventListener('load', () => {
      if (window.Chinwag && !matchMedia('(max-width: 520px)').matches) window.Chinwag('open');
    });
    document.body.append(widget);
  });

  // Not the dashboard's origin: no parent there gets this, and nothing answers.
  if (parent !== window) parent.postMessage({ type: 'chinwag:preview-ready' }, location.origin);
})();
