/**
 * The storefront in Chromium: a theme page with the app embed rendered from its Liquid by
 * `liquidjs` (fake-shopify.mjs), the Chinwag widget it loads, a logged-in customer who
 * writes, and the agent who sees them verified, with their orders and cart, in the
 * dashboard. Screenshots go to test-results/ (storefront.png, dashboard.png, hidden.png).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ADA, OWNER, SHOP, gql, install, results, start, unavailable, until } from './harness.mjs';

const skip = await unavailable();
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the storefront with the app embed', { skip: skip ?? false }, () => {
  let env;
  let browser;
  before(async () => {
    env = await start({ dashboard: true, theme: { color: '#0b6e4f', side: 'left', hide_paths: '/pages/contact\n/pages/faq' } });
    assert.equal((await install(env)).status, 302);
    // No agent is online in the test: the chat, not the offline form (the merchant's choice in Chinwag).
    const { websites } = await gql(env.chinwag.url, '{ websites { id } }', {}, env.owner);
    await gql(
      env.chinwag.url,
      'mutation($id: ID!) { updateWebsite(id: $id, input: { offlineMessages: false }) { id } }',
      { id: websites[0].id },
      env.owner,
    );
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    mkdirSync(results, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await env?.stop();
  });

  test('a logged-in customer writes from the shop, and the agent sees them verified with their orders and cart', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const shopper = await context.newPage();
    const errors = [];
    shopper.on('pageerror', (e) => errors.push(e));
    const requests = [];
    shopper.on('request', (r) => requests.push(r.url()));
    await shopper.goto(`${env.storefront}/account/login?id=${ADA.id}`);
    await shopper.evaluate(() => fetch('/cart/add?title=Blue%20linen%20shirt&quantity=2&price=5990'));
    await shopper.goto(`${env.storefront}/products/blue-linen-shirt`);

    // The embed: no render-blocking resource (its script deferred, the widget async), the theme's colour and side.
    const scripts = await shopper.evaluate(() =>
      [...document.scripts].map((s) => ({ src: s.src, async: s.async, defer: s.defer })),
    );
    for (const s of scripts.filter((s) => s.src)) assert.ok(s.async || s.defer, `${s.src} blocks rendering`);
    const launcher = shopper.locator('chinwag-widget .launcher');
    await launcher.waitFor();
    assert.equal(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(11, 110, 79)');
    assert.ok((await launcher.boundingBox()).x < 100, 'on the left, as the theme editor says');

    // Verified through the app proxy once the widget is in.
    const website = (await gql(env.chinwag.url, '{ websites { publicKey } }', {}, env.owner)).websites[0];
    await until(
      () => shopper.evaluate((k) => localStorage.getItem(`chinwag:shopify:${k}`), website.publicKey),
      'the customer identified',
    );
    assert.ok(requests.some((u) => u.startsWith(`${env.storefront}/apps/chinwag/identity`)));
    assert.ok(!requests.some((u) => u.includes(env.appUrl)), 'the browser talks to the shop, never to the app');

    await launcher.click();
    const composer = shopper.locator('chinwag-widget .composer textarea');
    await composer.waitFor();
    await composer.pressSequentially('Hi! Has order #1002 shipped?');
    await composer.press('Enter');
    await shopper.locator('chinwag-widget .log .bubble', { hasText: 'Has order #1002 shipped?' }).waitFor();
    await until(async () => !(await shopper.locator('chinwag-widget .log').innerText()).includes('Sending'), 'the message sent');
    await shopper.screenshot({ path: join(results, 'storefront.png') });

    // The team: the conversation's visitor is Ada, verified, with her orders and cart.
    const visitor = async () =>
      (
        await gql(
          env.chinwag.url,
          '{ conversations(first: 5) { nodes { id visitor { externalId name attributes { key value } } } } }',
          {},
          env.owner,
        )
      ).conversations.nodes[0];
    const conversation = await until(async () => {
      const c = await visitor();
      const keys = c?.visitor.attributes.map((a) => a.key) ?? [];
      return c && keys.includes('cart_items') && keys.includes('orders_count') ? c : null;
    }, 'the conversation with orders and cart');
    assert.equal(conversation.visitor.externalId, `shopify:${SHOP}:${ADA.id}`);
    assert.equal(conversation.visitor.name, 'Ada Lovelace');

    const agent = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await agent.goto(`${env.chinwag.origin}/app/`);
    await agent.getByLabel('Email').fill(OWNER.email);
    await agent.getByLabel('Password').fill(OWNER.password);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('link', { name: 'Settings', exact: true }).waitFor();
    await agent.goto(`${env.chinwag.origin}/app/inbox/all/${conversation.id}`);
    await agent.locator('.msg-body', { hasText: 'Has order #1002 shipped?' }).waitFor();
    const details = agent.getByRole('complementary', { name: 'Visitor details' });
    if (!(await details.isVisible())) await agent.getByRole('button', { name: 'Show visitor details' }).click();
    await details.getByText(`shopify:${SHOP}:${ADA.id}`).waitFor();
    for (const text of ['Orders count', '2', 'Total spent', '169.90 EUR', '2 × Blue linen shirt', '119.80 EUR']) {
      await details.getByText(text, { exact: true }).first().waitFor();
    }
    await details.getByText(/^#1002 · 2025-01-20 · 120.00 EUR · fulfilled; #1001/).waitFor();
    await agent.screenshot({ path: join(results, 'dashboard.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('pages the merchant hides the chat on load nothing of it', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.storefront}/pages/faq`);
    await page.waitForLoadState('load');
    assert.equal(await page.locator('#chinwag-shopify').count(), 0);
    assert.equal(await page.evaluate(() => 'Chinwag' in window), false);
    await page.goto(`${env.storefront}/pages/about`);
    await page.locator('chinwag-widget .launcher').waitFor();
    await page.close();
  });

  test('a visitor who is not logged in chats anonymously, and no identity is asked for', async () => {
    const page = await browser.newPage();
    const asked = [];
    page.on('request', (r) => r.url().includes('/apps/chinwag/') && asked.push(r.url()));
    await page.goto(`${env.storefront}/`);
    await page.locator('chinwag-widget .launcher').waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(asked, []);
    await page.close();
  });
});
