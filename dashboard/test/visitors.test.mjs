// The Visitors page and what feeds it (docs/dashboard.md, "Visitors"), and the order of
// automations and triggers, in Debian's Chromium against a real `chinwag serve`: with live
// presence off on every website the page says how to turn it on; an owner turns it on in
// the website's settings; a beacon posted as the widget posts it (from Node) shows on the
// page within a refresh; the owner writes "Can I help?" from the row and the next beacon's
// answer carries it with the owner's name; a visitor who left gets the server's NOT_FOUND
// in the row; with two websites the page shows one at a time; moving automations and
// triggers up and down (with the keyboard too) changes the order the server returns; on a
// phone the page fits the screen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { PHONE, accessibilityViolations, gql, launchBrowser, shot, signIn, signUpOwner, startServer, until } from './harness.mjs';

const OWNER = { org: 'Moss Mugs', name: 'Mona Moss', email: 'mona@moss.test', password: 'glazed clay 42' };
/** A presence id as the widget makes one: 22 characters of [A-Za-z0-9_-]. */
const presenceId = (tag) => `${tag}_${'x'.repeat(22)}`.slice(0, 22);

describe('visitors, live presence and the order of automations and triggers', () => {
  let server, browser, token, page, website;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Moss shop" }) { id publicKey } }', {}, token)).data
      .createWebsite;
    page = await signIn(browser, server, OWNER);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const api = async (query, variables, as = token) => {
    const r = await gql(server, query, variables, as);
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  /** A beacon as the widget sends it: JSON as text/plain; resolves to the status and the JSON answer. */
  async function beacon(fields) {
    const r = await fetch(`${server.origin}/presence`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ websiteKey: website.publicKey, ...fields }),
    });
    return { status: r.status, body: await r.json() };
  }
  /** The Visitors page, from the main navigation. */
  const openVisitors = (p) => p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visitors' }).click();
  const rowOf = (p, title) => p.getByRole('list', { name: 'Visitors on your websites' }).getByRole('listitem', { name: title });

  test('with live presence off on every website, the Visitors page says how to turn it on', async () => {
    await openVisitors(page);
    await page.getByRole('heading', { name: 'Visitors', level: 1 }).waitFor();
    const hint = page.getByRole('note').filter({ hasText: 'Live visitors are off on every website' });
    await hint.waitFor();
    assert.equal(
      await hint.textContent(),
      'Live visitors are off on every website: turn them on in Settings › Websites & widget › Live visitors.',
    );
    // A beacon of a website without presence is refused, and nobody is listed.
    assert.equal((await beacon({ presenceId: presenceId('off'), url: 'https://shop.test/' })).status, 403);
    assert.equal(await page.getByRole('list', { name: 'Visitors on your websites' }).count(), 0);
    assert.deepEqual(await accessibilityViolations(page), []);
    await shot(page, 'visitors-presence-off');
    // The hint's link opens the website's settings.
    await hint.getByRole('link').click();
    await page.getByRole('heading', { name: 'Live visitors' }).waitFor();
    assert.deepEqual(page.errors, []);
  });

  test('an owner turns live presence on; a visitor shows within a refresh; "Can I help?" reaches their next beacon', async () => {
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const group = page.getByRole('group', { name: 'Show who is on Moss shop before they chat' });
    assert.equal(await group.getByLabel('Off').isChecked(), true);
    const save = page.getByRole('button', { name: 'Save live visitors' });
    assert.equal(await save.isDisabled(), true, 'nothing to save yet');
    await group.getByLabel('Each page load').check();
    // Each choice says what it does, read with the radio.
    assert.match(
      await group
        .getByLabel('With a first-party id')
        .getAttribute('aria-describedby')
        .then((id) => page.locator(`[id="${id}"]`).textContent()),
      /consent/,
    );
    await shot(page, 'visitors-settings');
    assert.deepEqual(await accessibilityViolations(page), []);
    await save.click();
    await page.getByText('Live visitors on').waitFor();
    const { websites } = await api('query { websites { id livePresence } }');
    assert.deepEqual(websites, [{ id: website.id, livePresence: 'PAGE_LOAD' }]);

    const id = presenceId('pricing');
    const first = await beacon({
      presenceId: id,
      url: 'https://shop.test/pricing',
      title: 'Pricing',
      referrer: 'https://www.google.com/',
    });
    assert.deepEqual(first, { status: 200, body: { messages: [] } });

    await openVisitors(page);
    const row = rowOf(page, 'Pricing');
    // Within one refresh (every 10 s), even if the page asked just before the beacon.
    await row.waitFor({ timeout: 12_000 });
    assert.equal(await row.locator('.live-url').textContent(), 'https://shop.test/pricing');
    assert.match(await row.locator('.live-meta').textContent(), /^here for under a minute · 1 page · from www\.google\.com$/);
    assert.equal(await page.getByRole('note').count(), 0, 'no hint once presence is on');
    assert.match(
      await page.locator('.visitors-status').textContent(),
      /^1 visitor now · updated (just now|\d+ s ago), every 10 s$/,
    );

    await row.getByRole('button', { name: 'Write to Pricing' }).click();
    await row.getByLabel('Message to Pricing').fill('Can I help?');
    await shot(page, 'visitors-composer');
    assert.deepEqual(await accessibilityViolations(page), []);
    await row.getByRole('button', { name: 'Send' }).click();
    await row
      .getByRole('status')
      .filter({ hasText: 'Sent — they’ll see it within 30 s; it becomes a conversation if they reply.' })
      .waitFor();

    const next = await beacon({ presenceId: id, url: 'https://shop.test/pricing', title: 'Pricing' });
    assert.equal(next.status, 200);
    assert.equal(next.body.messages[0].body, 'Can I help?');
    assert.equal(next.body.messages[0].senderName, OWNER.name);
    assert.deepEqual(page.errors, []);
  });

  test('writing to a visitor who has left shows the server’s NOT_FOUND in the row', async () => {
    // The visitor's entry lasts 75 s after their last beacon: rather than wait, the
    // request names a presence the server never heard of, and its real answer comes back.
    const gone = presenceId('neverseen');
    await page.route('**/graphql', async (route) => {
      const body = route.request().postDataJSON();
      if (!String(body?.query).includes('messageLiveVisitor')) return route.continue();
      await route.continue({ postData: JSON.stringify({ ...body, variables: { ...body.variables, presenceId: gone } }) });
    });
    const row = rowOf(page, 'Pricing');
    await row.getByRole('button', { name: 'Write to Pricing' }).click();
    await row.getByLabel('Message to Pricing').fill('Still there?');
    await row.getByLabel('Message to Pricing').press('Enter');
    const alert = row.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /^They have left the site \(.*live visitor.*\)\.$/i);
    // What was typed stays, to send elsewhere.
    assert.equal(await row.getByLabel('Message to Pricing').inputValue(), 'Still there?');
    await page.unroute('**/graphql');
    await row.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(page.errors, []);
  });

  test('with two websites, the page shows one at a time, and says when the chosen one has live visitors off', async () => {
    const { createWebsite: studio } = await api('mutation { createWebsite(input: { name: "Moss studio" }) { id } }');
    await page.goto(`${server.origin}/app/visitors`);
    const filter = page.getByLabel('Website', { exact: true });
    await rowOf(page, 'Pricing').waitFor();
    assert.deepEqual(await filter.locator('option').allTextContents(), ['All websites', 'Moss shop', 'Moss studio']);
    await filter.selectOption({ label: 'Moss studio' });
    await page.getByRole('note').getByText('Live visitors are off on Moss studio').waitFor();
    assert.equal(new URL(page.url()).search, `?website=${studio.id}`);
    await until(async () => (await rowOf(page, 'Pricing').count()) === 0, 'no row of the other website');
    await filter.selectOption({ label: 'Moss shop' });
    await rowOf(page, 'Pricing').waitFor();
    assert.equal(await page.getByRole('note').count(), 0);
    await filter.selectOption({ label: 'All websites' });
    await rowOf(page, 'Pricing').waitFor();
    assert.match(await rowOf(page, 'Pricing').locator('.live-meta').textContent(), / · Moss shop$/);
    assert.deepEqual(page.errors, []);
  });

  test('moving automations and triggers up and down changes the order the server returns', async () => {
    for (const name of ['Greet', 'Refunds', 'Fallback'])
      await api('mutation($i: AutomationInput!) { createAutomation(input: $i) { id } }', {
        i: { name, event: 'MESSAGE_RECEIVED', keywords: [name.toLowerCase()], actions: { message: `About ${name}` } },
      });
    const automations = async () => (await api('query { automations { name position } }')).automations.map((a) => a.name);
    assert.deepEqual(await automations(), ['Greet', 'Refunds', 'Fallback']);

    await page.goto(`${server.origin}/app/settings/automations`);
    await page.getByText('only the first one that sends a message answers a visitor’s message').waitFor();
    const list = page.getByRole('list', { name: 'Automations' });
    await list.getByText('Fallback', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Move Greet up' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Move Fallback down' }).isDisabled(), true);
    // With the keyboard: focus stays on the moved automation's button, so Enter again moves it further.
    await page.getByRole('button', { name: 'Move Fallback up' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Fallback moved up: now 2 of 3').waitFor();
    await until(async () => (await automations()).join() === 'Greet,Fallback,Refunds', 'Fallback second');
    await until(
      () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Move Fallback up'),
      'focus on Fallback’s button',
    );
    await page.keyboard.press('Enter');
    await page.getByText('Fallback moved up: now 1 of 3').waitFor();
    // At the top, its up button is disabled: focus moves to its down button.
    await until(
      () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Move Fallback down'),
      'focus on Fallback’s down button',
    );
    assert.deepEqual(await automations(), ['Fallback', 'Greet', 'Refunds']);
    assert.deepEqual((await list.locator('.rule-head strong').allTextContents()).slice(0, 3), ['Fallback', 'Greet', 'Refunds']);
    await page.getByRole('button', { name: 'Move Greet down' }).click();
    await page.getByText('Greet moved down: now 3 of 3').waitFor();
    assert.deepEqual(await automations(), ['Fallback', 'Refunds', 'Greet']);
    assert.deepEqual(await list.locator('.rule-head strong').allTextContents(), ['Fallback', 'Refunds', 'Greet']);
    assert.deepEqual(await accessibilityViolations(page), []);
    await shot(page, 'automations-order');

    for (const name of ['Pricing help', 'Welcome back'])
      await api('mutation($w: ID!, $i: TriggerInput!) { createTrigger(websiteId: $w, input: $i) { id } }', {
        w: website.id,
        i: { name, conditions: [], message: `${name}!` },
      });
    const triggers = async () =>
      (await api('query($w: ID) { triggers(websiteId: $w) { name } }', { w: website.id })).triggers.map((t) => t.name);
    assert.deepEqual(await triggers(), ['Pricing help', 'Welcome back']);
    await page.getByRole('link', { name: 'Triggers' }).click();
    await page.getByText('shows the first enabled trigger whose conditions hold').waitFor();
    await page.getByRole('list', { name: 'Triggers' }).getByText('Welcome back', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Move Pricing help down' }).click();
    await page.getByText('Pricing help moved down: now 2 of 2').waitFor();
    assert.deepEqual(await triggers(), ['Welcome back', 'Pricing help']);
    assert.deepEqual(await page.getByRole('list', { name: 'Triggers' }).locator('.rule-head strong').allTextContents(), [
      'Welcome back',
      'Pricing help',
    ]);
    // The widget lists them in that order too.
    const { widgetTriggers } = await api(
      'query($k: String!) { widgetTriggers(websiteKey: $k) { message } }',
      { k: website.publicKey },
      null,
    );
    assert.deepEqual(
      widgetTriggers.map((t) => t.message),
      ['Welcome back!', 'Pricing help!'],
    );
    assert.deepEqual(page.errors, []);
  });

  test('on a phone, the Visitors page fits the screen, with a returning visitor who chatted', async () => {
    await api('mutation($id: ID!) { updateWebsite(id: $id, input: { livePresence: FIRST_PARTY_ID }) { id } }', {
      id: website.id,
    });
    const { startVisitorSession: session } = await api(
      'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }',
      { i: { websiteKey: website.publicKey, name: 'Vera Vev' } },
      null,
    );
    const title = 'Stoneware mugs, set of four — hand-glazed in our studio';
    const sent = await beacon({
      presenceId: presenceId('returning'),
      url: 'https://shop.test/collections/stoneware/mugs-set-of-four-hand-glazed?utm_source=newsletter&utm_campaign=winter',
      title,
      referrer: 'https://news.example/winter',
      pagesViewed: 4,
      returning: true,
      visitorToken: session.token,
    });
    assert.equal(sent.status, 200);

    const phone = await signIn(browser, server, OWNER, PHONE);
    await openVisitors(phone);
    const row = rowOf(phone, title);
    await row.waitFor({ timeout: 12_000 });
    assert.equal(await row.getByText('Returning').count(), 1);
    assert.match(
      await row.locator('.live-meta').textContent(),
      /^Vera Vev · here for under a minute · 4 pages · from news\.example · Moss shop$/,
    );
    await row.getByRole('button', { name: 'Write to Vera Vev' }).click();
    await row.getByLabel('Message to Vera Vev').fill('Hi Vera! The set ships tomorrow.');
    const wide = await phone.evaluate(() =>
      [...document.querySelectorAll('.visitors *')]
        .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
        .map((e) => `${e.tagName}.${e.className}`),
    );
    assert.deepEqual(wide, [], 'nothing reaches past the screen’s edge');
    assert.ok(
      await phone.evaluate(
        () =>
          document.documentElement.scrollWidth <= innerWidth &&
          !![...document.querySelectorAll('.live-row')].every((r) => r.scrollWidth <= r.clientWidth + 1),
      ),
      'nothing wider than the screen',
    );
    const box = await row.getByRole('button', { name: 'Send' }).boundingBox();
    assert.ok(
      box && box.x >= 0 && box.x + box.width <= 390 && box.height >= 32,
      `Send is on screen and tappable: ${JSON.stringify(box)}`,
    );
    await shot(phone, 'visitors-phone');
    mkdirSync('/tmp/visitors-shots', { recursive: true });
    await phone.screenshot({ path: '/tmp/visitors-shots/visitors-phone.png' });
    assert.deepEqual(await accessibilityViolations(phone), []);
    await row.getByRole('button', { name: 'Send' }).click();
    await row.getByRole('status').filter({ hasText: 'Sent' }).waitFor();
    await phone.screenshot({ path: '/tmp/visitors-shots/visitors-phone-sent.png' });
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });
});
