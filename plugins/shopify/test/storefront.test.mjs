/**
 * The storefront in Chromium: a theme page with the app embed rendered from its Liquid by
 * `liquidjs` (fake-shopify.mjs), the Chinwag widget it loads on the side the theme editor
 * says, a logged-in customer who writes, and the agent who sees them verified, with their
 * orders and cart, in the dashboard; an anonymous visitor whose cart reaches the team too.
 * Screenshots go to test-results/ (storefront.png, dashboard.png).
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
  /** The conversations as the team sees them, each with its visitor and their attributes. */
  const conversations = async () =>
    (
      await gql(
        env.chinwag.url,
        '{ conversations(first: 10) { nodes { id visitor { externalId name attributes { key value fromServer } } } } }',
        {},
        env.owner,
      )
    ).conversations.nodes;

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
    // The side: the widget's own `data-position` on the script the embed adds.
    assert.equal(await shopper.evaluate(() => document.querySelector('script[data-website-key]').dataset.position), 'left');
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

    // The team: the conversation's visitor is Ada, verified, with her orders (from the app) and cart (from her browser).
    const conversation = await until(async () => {
      const c = (await conversations()).find((c) => c.visitor.externalId === `shopify:${SHOP}:${ADA.id}`);
      const keys = c?.visitor.attributes.map((a) => a.key) ?? [];
      return keys.includes('cart_items') && keys.includes('orders_count') ? c : null;
    }, 'the conversation with orders and cart');
    assert.equal(conversation.visitor.name, 'Ada Lovelace');
    const reported = Object.fromEntries(conversation.visitor.attributes.map((a) => [a.key, a]));
    assert.deepEqual(
      ['cart_items', 'cart_count', 'cart_total', 'orders_count'].map((k) => [reported[k].value, reported[k].fromServer]),
      [
        ['2 × Blue linen shirt', false],
        ['2', false],
        ['119.80 EUR', false],
        ['2', true],
      ],
    );

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

  test('a visitor who is not logged in writes anonymously, no identity is asked for, and the team sees their cart as their report', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    const asked = [];
    page.on('request', (r) => r.url().includes('/apps/chinwag/') && asked.push(r.url()));
    await page.goto(`${env.storefront}/`);
    await page.evaluate(async () => {
      await fetch('/cart/add?title=Blue%20mug&quantity=2&price=1250');
      await fetch('/cart/add?title=Earl%20Grey%20tea&quantity=1&price=1750');
    });
    await page.goto(`${env.storefront}/products/blue-mug`);
    await page.locator('chinwag-widget .launcher').click();
    const composer = page.locator('chinwag-widget .composer textarea');
    await composer.fill('Do the mugs come in green?');
    await composer.press('Enter');
    await page.locator('chinwag-widget .log .bubble', { hasText: 'Do the mugs come in green?' }).waitFor();

    const conversation = await until(async () => {
      const c = (await conversations()).find((c) => !c.visitor.externalId);
      return c?.visitor.attributes.some((a) => a.key === 'cart_items') ? c : null;
    }, "the anonymous visitor's cart");
    assert.deepEqual(Object.fromEntries(conversation.visitor.attributes.map((a) => [a.key, [a.value, a.fromServer]])), {
      cart_items: ['2 × Blue mug, 1 × Earl Grey tea', false],
      cart_count: ['3', false],
      cart_total: ['42.50 EUR', false],
    });
    assert.deepEqual(asked, [], 'no identity for a visitor who is not logged in');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
