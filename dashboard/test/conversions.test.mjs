// Conversions in the dashboard (docs/analytics.md, "Conversions"), in Debian's Chromium
// against a real `chinwag serve`: an owner sets a website's goals, attribution window and
// browser revenue in its settings, read back through GraphQL and after a reload; a bad goal
// name shows the server's refusal and saves nothing; a signed-in customer chats, then buys
// in the browser (`trackEvents`) and reaches a goal their site's server posts
// (`POST /conversions`), and the agent sees both in the conversation's visitor details.
// Screenshots of the settings and of the details go to test-results/.
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessibilityViolations, gql, launchBrowser, shot, signIn, signUpOwner, startServer } from './harness.mjs';

const OWNER = { org: 'Lark Ceramics', name: 'Lena Lark', email: 'lena@lark.test', password: 'glaze and fire' };
const SETTINGS = 'query($id: ID!) { website(id: $id) { goals conversionWindowDays browserRevenue } }';

describe('conversions', () => {
  let server, browser, token, page, website;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    website = (
      await gql(server, 'mutation { createWebsite(input: { name: "Lark shop" }) { id publicKey identitySecret } }', {}, token)
    ).data.createWebsite;
    page = await signIn(browser, server, { ...OWNER }, { viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const saved = async () => (await gql(server, SETTINGS, { id: website.id }, token)).data.website;
  const section = () => page.locator('section.panel', { has: page.getByRole('heading', { name: 'Conversions', exact: true }) });

  test('an owner sets the goals, the window and browser revenue, and they are saved', async () => {
    assert.deepEqual(await saved(), { goals: [], conversionWindowDays: 7, browserRevenue: false });
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const s = section();
    await s.waitFor();
    await s.scrollIntoViewIfNeeded();
    const goals = s.getByRole('list', { name: 'Goals' });
    assert.match(await goals.textContent(), /purchase\s*always counts/);
    const save = s.getByRole('button', { name: 'Save conversions' });
    assert.equal(await save.isDisabled(), true, 'nothing to save yet');

    // Enter in the field adds the goal (it does not save the form); so does the button.
    await s.getByLabel('New goal').fill('signup');
    await s.getByLabel('New goal').press('Enter');
    await s.getByLabel('New goal').fill('trial:started');
    await s.getByRole('button', { name: 'Add goal' }).click();
    // `purchase` always counts: it is not added twice.
    await s.getByLabel('New goal').fill('purchase');
    await s.getByRole('button', { name: 'Add goal' }).click();
    await s.getByLabel('New goal').fill('demo_booked');
    await s.getByLabel('New goal').press('Enter');
    await s.getByRole('button', { name: 'Remove goal demo_booked' }).click();
    assert.deepEqual(
      await goals
        .getByRole('listitem')
        .allInnerTexts()
        .then((t) => t.map((x) => x.replace(/\s*×$/, '').replace(/\s+/g, ' '))),
      ['purchase always counts', 'signup', 'trial:started'],
    );
    await s.getByLabel('Attribution window (days)').fill('14');
    const revenue = s.getByRole('switch', { name: 'Count purchases tracked in the browser in revenue' });
    assert.equal(await revenue.getAttribute('aria-checked'), 'false');
    const hint = await revenue.getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent());
    assert.match(hint, /unverified/);
    await revenue.click();
    assert.equal(await revenue.getAttribute('aria-checked'), 'true');
    await shot(s, 'conversions-settings');

    await save.click();
    await page.getByText('Conversions saved').waitFor();
    assert.deepEqual(await saved(), { goals: ['signup', 'trial:started'], conversionWindowDays: 14, browserRevenue: true });
    assert.equal(await save.isDisabled(), true, 'saved: nothing left to save');
    assert.deepEqual(await accessibilityViolations(page), []);

    // Kept: the same after a reload.
    await page.reload();
    await section().getByRole('button', { name: 'Remove goal trial:started' }).waitFor();
    assert.equal(await section().getByLabel('Attribution window (days)').inputValue(), '14');
    assert.equal(
      await section()
        .getByRole('switch', { name: 'Count purchases tracked in the browser in revenue' })
        .getAttribute('aria-checked'),
      'true',
    );
    assert.deepEqual(page.errors, []);
  });

  test('a bad goal name shows the server’s refusal and changes nothing', async () => {
    const before = await saved();
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const s = section();
    await s.getByLabel('New goal').fill('free shipping!');
    await s.getByRole('button', { name: 'Add goal' }).click();
    await s.getByLabel('Attribution window (days)').fill('30');
    await s.getByRole('button', { name: 'Save conversions' }).click();
    const alert = s.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /^An event name is 1 to 64 letters, digits/);
    await s.scrollIntoViewIfNeeded();
    await shot(s, 'conversions-settings-refused');
    assert.deepEqual(await saved(), before, 'nothing saved, not even the window');

    // Removing the bad name lets the rest save.
    await s.getByRole('button', { name: 'Remove goal free shipping!' }).click();
    await s.getByRole('button', { name: 'Save conversions' }).click();
    await page.getByText('Conversions saved').waitFor();
    assert.equal((await saved()).conversionWindowDays, 30);
    assert.deepEqual(page.errors, []);
  });

  test('a customer chats, then buys and signs up; the agent sees both in the visitor details', async () => {
    // A signed-in customer of the shop, as the widget starts their session.
    const userHash = createHmac('sha256', website.identitySecret).update('cust-7').digest('hex');
    const session = await gql(server, 'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }', {
      i: { websiteKey: website.publicKey, name: 'Vivi Visitor', externalId: 'cust-7', userHash },
    });
    const visitor = session.data.startVisitorSession.token;
    const conversationId = (
      await gql(server, 'mutation { startConversation(input: { body: "Is the blue mug dishwasher safe?" }) { id } }', {}, visitor)
    ).data.startConversation.id;

    // The visitor's browser tracks a purchase: recorded, unverified.
    const tracked = await gql(
      server,
      'mutation { trackEvents(input: {events: [{name: "purchase", value: 19.99, currency: "EUR"}]}) }',
      {},
      visitor,
    );
    assert.deepEqual(tracked, { data: { trackEvents: 1 } });
    // The shop's server posts the signup goal with a key that may only write conversions: verified.
    const key = await gql(server, 'mutation { createApiKey(name: "Orders", scopes: [CONVERSIONS_WRITE]) { secret } }', {}, token);
    const posted = await fetch(`${server.origin}/conversions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key.data.createApiKey.secret}`,
        'content-type': 'application/json',
        'idempotency-key': 'signup-cust-7',
      },
      body: JSON.stringify({ websiteId: website.id, userId: 'cust-7', name: 'signup' }),
    });
    assert.equal(posted.status, 201, await posted.clone().text());

    await page.goto(`${server.origin}/app/inbox/all/${conversationId}`);
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    const panel = page.getByRole('complementary', { name: 'Visitor details' });
    const list = panel.getByRole('region', { name: 'Conversions' });
    await list.waitFor();
    const items = await list.getByRole('listitem').allInnerTexts();
    assert.equal(items.length, 2);
    // Newest first: the server's signup, then the browser's purchase.
    assert.match(items[0], /signup\s*verified\s*\S+ · this conversation/);
    assert.match(items[1], /purchase\s*€19\.99\s*from the browser\s*\S+ · this conversation/);
    await list.scrollIntoViewIfNeeded();
    await shot(panel, 'conversions-visitor-details');
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(page.errors, []);
  });

  test('a visitor without conversions shows none', async () => {
    const session = await gql(server, 'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }', {
      i: { websiteKey: website.publicKey, name: 'Nils Nobuy' },
    });
    const conversationId = (
      await gql(
        server,
        'mutation { startConversation(input: { body: "Just looking" }) { id } }',
        {},
        session.data.startVisitorSession.token,
      )
    ).data.startConversation.id;
    await page.goto(`${server.origin}/app/inbox/all/${conversationId}`);
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    const panel = page.getByRole('complementary', { name: 'Visitor details' });
    await panel.getByRole('heading', { name: 'This conversation' }).waitFor();
    assert.equal(await panel.getByRole('heading', { name: 'Conversions' }).count(), 0);
    assert.deepEqual(page.errors, []);
  });
});
