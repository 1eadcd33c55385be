/**
 * The customer's site for the browser tests and the opening benchmark
 * (`scripts/bench-open.mjs`): a small HTTP server on its own port (so its origin differs
 * from the chat server's) serving a shop page with the install snippet.
 * `/shop?key=wk_...` (or any page under it, `/shop/pricing?key=...`) takes options in the query:
 *
 * - `lang`: the page's `<html lang>`; `locale`: the snippet's `data-locale`; `sound`: its
 *   `data-sound`; `position`: its `data-position`;
 * - `hostile=1`: aggressive global CSS, as some themes have;
 * - `identify`: JSON for a `Chinwag('identify', ...)` queued before the script loads;
 * - `csp=1`: a strict Content-Security-Policy (no inline styles; scripts and connections
 *   only to the page itself and the chat server).
 *
 * Plain JavaScript, so that the benchmark, a Node script, imports it as it is; its types
 * are in `pages.d.mts`.
 */
import { createServer } from 'node:http';

/** Rules that would wreck a widget living in the page's own DOM. */
export const HOSTILE_CSS = `
  html { font-size: 7px !important; }
  body { transform: translateZ(0); }
  * {
    font-family: "Comic Sans MS", "Comic Neue", cursive !important; font-size: 29px !important;
    line-height: 3 !important; color: #d00 !important; background: #ff0 !important;
    margin: 9px !important; padding: 9px !important; border: 4px dashed #080 !important;
    box-sizing: content-box !important; letter-spacing: 3px !important; text-transform: uppercase !important;
    text-align: right !important; white-space: nowrap !important; cursor: crosshair !important;
  }
  div, span, p, header, form, ul, li, h1, h2, h3, section, textarea, svg, path {
    display: block !important; float: left !important; width: 50% !important; max-width: 200px !important;
  }
  button { all: unset !important; display: inline !important; font-size: 40px !important; }
  [hidden] { display: block !important; }
  svg { width: 400px !important; height: 400px !important; fill: #f0f !important; stroke: #0ff !important; }
`;

const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The shop page for the query `q`, the widget's script from `chinwag` (an origin). */
function shop(chinwag, q) {
  const key = q.get('key') ?? '';
  const identify = q.get('identify');
  // The snippet's own attributes, each from the query parameter of its name.
  const data = ['locale', 'sound', 'position']
    .map((name) => (q.get(name) ? ` data-${name}="${escapeAttr(q.get(name))}"` : ''))
    .join('');
  return `<!doctype html>
<html lang="${escapeAttr(q.get('lang') ?? 'en')}">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test shop</title>
<style>body { font: 16px/1.5 Georgia, serif; margin: 0; padding: 24px; background: #f6f1ea; } .card { display: inline-block; width: 180px; height: 120px; margin: 8px; background: #d8c3a5; border-radius: 8px; }</style>
${q.get('hostile') ? `<style>${HOSTILE_CSS}</style>` : ''}
<script>
window.Chinwag = window.Chinwag || function () { (Chinwag.q = Chinwag.q || []).push(arguments); };
${identify ? `Chinwag('identify', ${JSON.stringify(JSON.parse(identify)).replace(/</g, '\\u003c')});` : ''}
</script>
</head>
<body>
<a href="#top" id="first">Test shop</a>
<h1>Coffee beans</h1>
<div class="card"></div><div class="card"></div><div class="card"></div>
<p><input id="search" placeholder="Search the shop"></p>
<script src="${chinwag}/widget.js" data-website-key="${escapeAttr(key)}"${data} async></script>
</body>
</html>`;
}

/** Serves the shop page, installing the widget from `chinwag` (an origin). */
export async function startPages(chinwag) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pages');
    // The shop's other pages (`/shop/pricing`) are the same page at another address.
    if (!/^\/shop(\/[\w-]+)*$/.test(url.pathname)) return void res.writeHead(404).end('not found');
    const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    if (url.searchParams.get('csp')) {
      const ws = chinwag.replace(/^http/, 'ws');
      headers['content-security-policy'] =
        `default-src 'self'; script-src 'self' 'unsafe-inline' ${chinwag}; connect-src 'self' ${chinwag} ${ws}; style-src 'self'`;
    }
    res.writeHead(200, headers).end(shop(chinwag, url.searchParams));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    // `localhost` rather than 127.0.0.1: another origin than the chat server's, by name and port.
    url: `http://localhost:${port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
