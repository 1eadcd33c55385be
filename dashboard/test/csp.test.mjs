// The dashboard under the strict Content-Security-Policy the server is to send for /app/
// (no inline script: `script-src 'self'`), in Debian's Chromium against a real `chinwag
// serve`: signing in, opening a conversation and the website settings' live preview with
// a changed colour raise no CSP violation. The server does not send this policy yet, so
// the test puts it on the /app/ document itself (the response the server gave, with the
// policy in place of its own). The Help center's article preview is drawn under it too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import WebSocket from 'ws';
import { DESKTOP, gql, launchBrowser, shot, startServer, until } from './harness.mjs';

/** The policy the server can send for the dashboard's page. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; " +
  "connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'";

const OWNER = { org: 'Kaffe Kiosk', name: 'Karin Kaffe', email: 'karin@kaffe.test', password: 'strong black coffee' };
const widgetDist = resolve(import.meta.dirname, '..', '..', 'widget', 'dist');

describe('the dashboard under a strict Content-Security-Policy', () => {
  let server, browser, context, page, website, visitor, conversationId, token;
  /** Violations reported in any frame, and CSP errors Chromium logged. */
  const violations = [];

  before(async () => {
    if (!existsSync(resolve(widgetDist, 'widget.js'))) throw new Error('No widget/dist: run `npm run build -w widget` first.');
    process.env.CHINWAG_WIDGET_DIR = widgetDist;
    server = await startServer();
    const { data } = await gql(server, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
      i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
    });
    token = data.signUp.accessToken;
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Kiosk" }) { id publicKey } }', {}, token)).data
      .createWebsite;
    visitor = createVisitorClient({
      url: server.graphql,
      websiteKey: website.publicKey,
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
      name: 'Vera Visitor',
    });
    conversationId = (await visitor.startConversation('Is the kiosk open on Sundays?')).id;

    browser = await launchBrowser();
    // No service worker: it would answer navigations itself, past `route` (and it passes the
    // server's own headers through unchanged in production).
    context = await browser.newContext({ ...DESKTOP, locale: 'en-US', serviceWorkers: 'block' });
    // Init scripts are not subject to the page's policy; they run in every frame.
    await context.addInitScript(() =>
      addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`),
      ),
    );
    await context.route(
      (url) => url.pathname.startsWith('/app/'),
      async (route) => {
        const request = route.request();
        // The dashboard's page only: the server sends its policy with index.html, the
        // document of every /app/ route, not with the static files (preview.html among them).
        if (request.resourceType() !== 'document' || request.frame().parentFrame()) return route.continue();
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': STRICT_CSP } });
      },
    );
    page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|CSP violation/i.test(m.text())) violations.push(m.text());
    });
  });
  after(async () => {
    visitor?.dispose();
    await browser?.close();
    await server?.stop();
  });

  test('the policy is enforced on the page (an inline script is refused and reported)', async () => {
    const response = await page.goto(`${server.origin}/app/`);
    assert.equal(response.headers()['content-security-policy'], STRICT_CSP);
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.inlineRan = true';
      document.head.append(s);
      return 'inlineRan' in window;
    });
    assert.equal(ran, false, 'an inline script ran: the policy is not in force');
    // Both reports: Chromium's console error and the event (which comes after it).
    await until(
      () =>
        violations.some((v) => v.startsWith('CSP violation: script-src')) && violations.some((v) => /^Executing inline/.test(v)),
      'the inline script to be reported',
    );
    violations.length = 0;
  });

  test('signing in, opening a conversation and previewing a new colour need nothing the policy refuses', async () => {
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    await page.locator(`[data-conversation="${conversationId}"]`).click();
    await page.locator('.msg-body', { hasText: 'Is the kiosk open on Sundays?' }).waitFor();

    // A full load of the settings page: the policy again, and the preview drawn under it.
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const frame = page.frameLocator('iframe[title="Widget preview"]');
    const launcher = frame.locator('chinwag-widget button.launcher');
    await launcher.waitFor();
    await frame.getByRole('dialog', { name: 'Kiosk' }).waitFor();
    await page.getByLabel('Accent colour as hex').fill('#be123c');
    // The preview redraws the widget with the new settings: a read may land mid-redraw.
    await until(
      async () => (await launcher.evaluate((b) => getComputedStyle(b).backgroundColor).catch(() => '')) === 'rgb(190, 18, 60)',
      'the new accent colour in the preview',
    );
    await frame.locator('.bubble').first().waitFor();
    await shot(page.locator('.widget-preview'), 'desktop-website-preview-strict-csp');

    assert.deepEqual(violations, []);
    assert.deepEqual(page.errors, []);
  });

  test('an article’s preview (the server’s HTML, in a sandboxed frame) needs nothing the policy refuses', async () => {
    const made = await gql(
      server,
      'mutation($i: CreateArticleInput!) { createArticle(input: $i) { id } }',
      {
        i: {
          websiteId: website.id,
          title: 'Opening hours',
          // Raw HTML shows as text; the link loses its address: nothing here may run.
          body: 'Open **every day** from 8.\n\n<script>window.parent.ran = true</script> [call us](javascript:alert(1))',
          language: 'en',
        },
      },
      token,
    );
    assert.ok(made.data, JSON.stringify(made));
    await page.goto(`${server.origin}/app/help-center/${made.data.createArticle.id}`);
    const frame = page.frameLocator('iframe[title="Preview of the saved version"]');
    await frame.locator('strong', { hasText: 'every day' }).waitFor();
    await frame.getByText('<script>window.parent.ran = true</script>').waitFor();
    assert.equal(await page.evaluate(() => 'ran' in window), false);
    assert.deepEqual(violations, []);
    assert.deepEqual(page.errors, []);
  });
});
