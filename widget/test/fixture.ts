/**
 * What the browser tests share: Debian's Chromium through playwright-core (never a
 * downloaded browser), an organization with a website on the server under test, the
 * agent side through `@chinwag/sdk` in Node, and helpers to drive the widget on the
 * host page. Every browser and client made here is closed after its file or test.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentClient, CreateWebsiteDocument, type AgentClient } from '@chinwag/sdk';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import WebSocket from 'ws';
import type { Attributes, IdentifyUser, WidgetError, WidgetEvents } from '../src/api.js';

import { until } from '../../sdk-js/test/server.mjs';

export { until };

/** An email the server sent (through the test run's SMTP sink). */
export interface Mail {
  to: string;
  subject: string;
  /** The text, decoded. */
  body: string;
}

/** Every email the server has sent in this run, oldest first. */
export function mails(): Mail[] {
  const dir = inject('mailDir');
  return readdirSync(dir)
    .sort()
    .map((file) => {
      const raw = readFileSync(join(dir, file), 'utf8');
      const split = raw.indexOf('\r\n\r\n');
      const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
      const header = (name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(headers)?.[1] ?? '';
      let body = raw.slice(split + 4);
      const encoding = header('Content-Transfer-Encoding').toLowerCase();
      if (encoding === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
      if (encoding === 'quoted-printable') {
        const bytes = body
          .replace(/=\r\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        body = Buffer.from(bytes, 'latin1').toString('utf8');
      }
      return { to: header('To'), subject: header('Subject'), body: body.replace(/\r\n/g, '\n') };
    });
}

/** Waits for an email to `to` whose subject or text contains `text`. */
export async function mailTo(to: string, text: string): Promise<Mail> {
  let found: Mail | undefined;
  await until(
    () => !!(found = mails().find((m) => m.to.includes(to) && (m.subject + m.body).includes(text))),
    `an email to ${to} with ${JSON.stringify(text)}`,
  );
  return found!;
}

/**
 * Confirms an address as its owner does: opens the confirmation link of `mail` in a new
 * tab of `context`, checks the page asks first, and presses its button.
 */
export async function confirmAddress(context: BrowserContext, mail: Mail): Promise<void> {
  const link = /https?:\/\/\S+\/email\/confirm\?token=\S+/.exec(mail.body)?.[0];
  if (!link) throw new Error(`no confirmation link in: ${mail.body}`);
  const tab = await context.newPage();
  await tab.goto(link);
  expect(await tab.locator('h1').textContent()).toBe('Confirm your email');
  await screenshot(tab, 'confirm-email');
  await tab.getByRole('button', { name: 'Confirm' }).click();
  await tab.getByText('is confirmed').waitFor();
  await screenshot(tab, 'confirm-email-done');
  await tab.close();
}

/** Changes a website's settings (`updateWebsite`). */
export async function updateWebsite(owner: AgentClient, id: string, input: Record<string, unknown>): Promise<void> {
  await owner.request('mutation($id: ID!, $input: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $input) { id } }', {
    id,
    input,
  });
}

/** Screenshots go here (git-ignored); a person looks at them after a run. */
export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

export const chinwagUrl = (): string => inject('chinwagUrl');
export const chinwagOrigin = (): string => new URL(chinwagUrl()).origin;

let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const clients: AgentClient[] = [];

/** Launches the browser for this file and closes everything after each test and the file. */
export function useBrowser(): void {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    clients.splice(0).forEach((c) => c.dispose());
  });
  afterAll(async () => {
    await browser?.close();
  });
}

/**
 * A fresh browser profile (no storage), closed after the test. Reduced motion unless
 * asked otherwise: measured boxes and screenshots then show the panel at rest.
 */
export async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', ...options });
  contexts.push(context);
  return context;
}

let n = 0;

/**
 * A new organization with its owner signed in and a website. The owner is not online
 * (no agent is, unless a test says so), so the website takes no offline messages unless
 * asked (`offlineMessages: true`, the server's default): most tests are about live chat.
 */
export async function organization({ offlineMessages = false } = {}) {
  const owner = createAgentClient({ url: chinwagUrl(), webSocketImpl: WebSocket });
  clients.push(owner);
  const me = await owner.signUp({
    organizationName: 'Acme',
    name: 'Ann',
    email: `ann-${process.pid}-${Date.now()}-${n++}@example.com`,
    password: 'correct horse battery',
  });
  const { createWebsite } = await owner.request(CreateWebsiteDocument, { input: { name: 'Acme shop' } });
  if (!offlineMessages) await updateWebsite(owner, createWebsite.id, { offlineMessages });
  return { owner, me, websiteId: createWebsite.id, websiteKey: createWebsite.publicKey };
}

/**
 * The next answer of the model server the server under test asks (its answer bot's, on a
 * website with the bot on), streamed a word every `wordMs`.
 */
export async function modelSays(answer: string, wordMs = 40): Promise<void> {
  const r = await fetch(`${inject('modelOrigin')}/script`, { method: 'POST', body: JSON.stringify({ answer, wordMs }) });
  if (!r.ok) throw new Error(`scripting the model server: ${r.status}`);
}

/** The user hash a site's backend computes for `userId`. */
export async function userHash(owner: AgentClient, websiteId: string, userId: string): Promise<string> {
  const { website } = await owner.request<{ website: { identitySecret: string } }>(
    'query($id: ID!) { website(id: $id) { identitySecret } }',
    { id: websiteId },
  );
  return createHmac('sha256', website.identitySecret).update(userId).digest('hex');
}

/** The host page's address with the widget installed for `key` (the shop's page at `path`: `/shop/pricing`). */
export function shopUrl(key: string, options: Record<string, string> = {}, path = '/shop'): string {
  const url = new URL(path, inject('pagesUrl'));
  url.search = new URLSearchParams({ key, ...options }).toString();
  return url.href;
}

/** Opens the shop (its page at `path`) in `context` and waits for the launcher. */
export async function openShop(
  context: BrowserContext,
  key: string,
  options: Record<string, string> = {},
  path?: string,
): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(shopUrl(key, options, path));
  await page.locator('chinwag-widget .launcher').waitFor();
  return page;
}

/** Locators inside the widget (Playwright's CSS locators pierce open shadow roots). */
export function widget(page: Page) {
  const root = page.locator('chinwag-widget');
  return {
    root,
    launcher: root.locator('.launcher'),
    badge: root.locator('.launcher .badge'),
    panel: root.locator('.panel'),
    composer: root.locator('.composer textarea'),
    messages: root.locator('.log .row'),
    bubbles: root.locator('.log .bubble'),
    typing: root.locator('.typing'),
  };
}

/** Runs `identify` or `set` in the page: 'ok' once it resolves, else the error's code. */
export function command(page: Page, name: 'identify', user: IdentifyUser | null): Promise<string>;
export function command(page: Page, name: 'set', attributes: Attributes): Promise<string>;
export function command(page: Page, name: string, argument: unknown): Promise<string> {
  return page.evaluate(
    ([n, a]) =>
      (window.Chinwag as unknown as (n: string, a: unknown) => Promise<void>)(n, a).then(
        () => 'ok',
        (e: WidgetError) => e.code,
      ),
    [name, argument] as const,
  );
}

/** Listens to a widget event in the page; the function returned reads what it heard, in order. */
export async function listen<E extends keyof WidgetEvents>(page: Page, event: E): Promise<() => Promise<WidgetEvents[E][]>> {
  const heard = await page.evaluateHandle((e) => {
    const seen: unknown[] = [];
    window.Chinwag!('on', e, (p) => seen.push(p));
    return seen;
  }, event);
  return () => heard.evaluate((seen) => seen as WidgetEvents[E][]);
}

/** Opens the chat with the launcher and waits until the composer has focus. */
export async function openChat(page: Page): Promise<void> {
  await widget(page).launcher.click();
  await expect
    .poll(() => page.evaluate(() => document.querySelector('chinwag-widget')?.shadowRoot?.activeElement?.tagName))
    .toBe('TEXTAREA');
}

/** Writes a message in the widget and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const { composer } = widget(page);
  await composer.fill(text);
  await composer.press('Enter');
}

/** Saves a screenshot under test-results/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** WCAG 2.1 A and AA violations inside the widget, by axe-core, as `rule: targets`. */
export async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const { violations } = await (window as unknown as { axe: typeof import('axe-core') }).axe.run(
      { include: [{ fromShadowDom: ['chinwag-widget', '.cw'] }] } as never,
      { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    );
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
  });
}
