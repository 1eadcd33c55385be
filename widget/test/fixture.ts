/**
 * What the browser tests share: Debian's Chromium through playwright-core (never a
 * downloaded browser), an organization with a website on the server under test, the
 * agent side through `@chinwag/sdk` in Node, and helpers to drive the widget on the
 * host page. Every browser and client made here is closed after its file or test.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentClient, CreateWebsiteDocument, type AgentClient } from '@chinwag/sdk';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import WebSocket from 'ws';

export { until } from '../../sdk-js/test/server.js';

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

/** A new organization with its owner signed in (online, with a live socket) and a website. */
export async function organization() {
  const owner = createAgentClient({ url: chinwagUrl(), webSocketImpl: WebSocket });
  clients.push(owner);
  const me = await owner.signUp({
    organizationName: 'Acme',
    name: 'Ann',
    email: `ann-${process.pid}-${Date.now()}-${n++}@example.com`,
    password: 'correct horse battery',
  });
  const { createWebsite } = await owner.request(CreateWebsiteDocument, { input: { name: 'Acme shop' } });
  return { owner, me, websiteId: createWebsite.id, websiteKey: createWebsite.publicKey };
}

/** The user hash a site's backend computes for `userId`. */
export async function userHash(owner: AgentClient, websiteId: string, userId: string): Promise<string> {
  const { website } = await owner.request<{ website: { identitySecret: string } }>(
    'query($id: ID!) { website(id: $id) { identitySecret } }',
    { id: websiteId },
  );
  return createHmac('sha256', website.identitySecret).update(userId).digest('hex');
}

/** The host page's address with the widget installed for `key`. */
export function shopUrl(key: string, options: Record<string, string> = {}): string {
  const url = new URL('/shop', inject('pagesUrl'));
  url.search = new URLSearchParams({ key, ...options }).toString();
  return url.href;
}

/** Opens the shop in `context` and waits for the launcher. */
export async function openShop(context: BrowserContext, key: string, options: Record<string, string> = {}): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(shopUrl(key, options));
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
