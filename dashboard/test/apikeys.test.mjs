// API keys, in Debian's Chromium against a real `chinwag serve`: the owner creates a key
// that expires in 30 days from Settings › API keys, reads its secret from the panel that
// shows it once, and the key works against the API; after a reload the list shows when it
// was last used and when it expires, and its scopes (the default set). Revoked through the
// confirmation dialog, the key is refused (UNAUTHENTICATED) and listed as revoked. A key
// made with two scopes and one website is listed so, and works only within them. The
// secret's panel is gone once dismissed or once the page is left; the page fits 390 px; an
// agent (not an admin) sees no such section, and its URL says who may open it. Every
// screen passes axe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  PHONE,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Hansen Hats', name: 'Hanne Hansen', email: 'hanne@hats.test', password: 'felt and straw brims' };
const AGENT = { name: 'Per Pedersen', email: 'per@hats.test', password: 'ribbons and buckles' };
const LOCALE = { locale: 'en-GB', timezoneId: 'Europe/Oslo' };
const DAY = 86_400_000;
/** The dashboard's full date, as it shows in this test's locale and time zone. */
const fullDate = (iso) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Oslo' }).format(new Date(iso));
const KEYS = 'query { apiKeys { id name createdAt revokedAt lastUsedAt expiresAt } }';
const SESSION = 'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token visitor { id } } }';

describe('API keys', () => {
  let server, browser, page, token;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    await addAgent(server, token, AGENT);
    page = await signIn(browser, server, OWNER, { ...DESKTOP, ...LOCALE });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A GraphQL call that must succeed (as the owner unless `bearer` says otherwise). */
  async function call(query, variables = {}, bearer = token) {
    const r = await gql(server, query, variables, bearer);
    assert.ok(r.data, JSON.stringify(r));
    return r.data;
  }

  const keyCard = (p, name) => p.getByRole('list', { name: 'API keys' }).getByRole('listitem').filter({ hasText: name });
  /** A card's facts as `{ Created, 'Last used', Expires | Revoked }`. */
  const factsOf = async (card) => {
    const terms = await card.locator('dt').allInnerTexts();
    const values = await card.locator('dd').allInnerTexts();
    return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
  };
  const secretPanel = (p) => p.getByRole('region', { name: /^Copy the key/ });
  let secret, keyId;

  test('the owner creates a key expiring in 30 days, sees its secret once, and the key works', async () => {
    await page.goto(`${server.origin}/app/settings`);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'No API keys yet' }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], 'no keys yet');

    await page.getByLabel('Name').fill('Order sync');
    const expires = page.getByLabel('Expires');
    assert.deepEqual(await expires.locator('option').allInnerTexts(), ['Never', 'In 30 days', 'In 90 days', 'In 1 year']);
    await expires.selectOption({ label: 'In 30 days' });
    const asked = Date.now();
    await page.getByRole('button', { name: 'Create key' }).click();

    const panel = secretPanel(page);
    await panel.waitFor();
    await panel.getByText('It will not be shown again.').waitFor();
    await panel.getByRole('button', { name: 'Copy' }).waitFor();
    // Focus moves to the panel, so a screen reader reads it out.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'new-key-heading');
    secret = (await page.getByLabel('The new API key').innerText()).trim();
    assert.ok(secret.length >= 20, `a secret: ${secret}`);
    assert.equal(await page.getByLabel('Name').inputValue(), '', 'the form is cleared');
    const card = keyCard(page, 'Order sync');
    await card.getByText('active', { exact: true }).waitFor();
    assert.equal((await factsOf(card))['Last used'], 'Never used');
    await shot(page, 'desktop-api-keys-secret');
    assert.deepEqual(await accessibilityViolations(page), [], 'the secret panel');

    // The key, as the server knows it: 30 days from when it was asked for.
    const [key] = (await gql(server, KEYS, {}, token)).data.apiKeys;
    keyId = key.id;
    assert.equal(key.name, 'Order sync');
    assert.equal(key.lastUsedAt, null);
    const expiresIn = Date.parse(key.expiresAt) - asked;
    assert.ok(Math.abs(expiresIn - 30 * DAY) < 60_000, `expires in 30 days: ${key.expiresAt}`);

    // The secret works as a bearer token.
    const used = await gql(server, '{ websites { id } }', {}, secret);
    assert.deepEqual(used, { data: { websites: [] } });

    // Done: the secret is gone from the page.
    await panel.getByRole('button', { name: 'Done, I have copied it' }).click();
    await panel.waitFor({ state: 'detached' });
    assert.equal(await page.getByText(secret).count(), 0);

    // Reloaded: the first use was recorded at once, and the expiry is the one asked for.
    await until(async () => (await gql(server, KEYS, {}, token)).data.apiKeys[0].lastUsedAt, 'lastUsedAt written');
    await page.reload();
    await card.waitFor();
    const facts = await factsOf(card);
    const [now] = (await gql(server, KEYS, {}, token)).data.apiKeys;
    assert.deepEqual(facts, {
      Created: fullDate(now.createdAt),
      'Last used': fullDate(now.lastUsedAt),
      Expires: fullDate(now.expiresAt),
      // Made without choosing: the server's default set, on every website.
      Scopes: 'Read conversations, Manage conversations, Send messages, Read visitors, Update visitors, Read websites',
      Websites: 'All, now and later',
    });
    assert.match(facts['Last used'], /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
    assert.equal(await secretPanel(page).count(), 0, 'the secret is not shown again');
    await shot(page, 'desktop-api-keys');
    assert.deepEqual(await accessibilityViolations(page), [], 'the list');
    assert.deepEqual(page.errors, []);
  });

  test('revoked through the dialog, the key is refused and listed as revoked', async () => {
    assert.ok(secret, 'the key of the first test');
    await page.goto(`${server.origin}/app/settings/api-keys`);
    const card = keyCard(page, 'Order sync');
    await card.getByRole('button', { name: 'Revoke Order sync' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke Order sync?' });
    await dialog.getByText('This cannot be undone.', { exact: false }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], 'the dialog');
    // Cancel keeps it.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual((await gql(server, '{ websites { id } }', {}, secret)).data, { websites: [] });

    await card.getByRole('button', { name: 'Revoke Order sync' }).click();
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await card.getByText('revoked', { exact: true }).waitFor();
    assert.equal(await card.getByRole('button', { name: /Revoke/ }).count(), 0, 'no Revoke on a revoked key');

    const refused = await gql(server, '{ websites { id } }', {}, secret);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(refused));
    const [key] = (await gql(server, KEYS, {}, token)).data.apiKeys;
    assert.equal(key.id, keyId);
    assert.ok(key.revokedAt);

    // And so after a reload, from the server's word.
    await page.reload();
    await card.getByText('revoked', { exact: true }).waitFor();
    assert.equal((await factsOf(card)).Revoked, fullDate(key.revokedAt));
    await shot(page, 'desktop-api-keys-revoked');
    assert.deepEqual(await accessibilityViolations(page), [], 'a revoked key');
    assert.deepEqual(page.errors, []);
  });

  test('at 390 px the page fits, and the secret is gone once the page is left', async () => {
    const phone = await signIn(browser, server, OWNER, { ...PHONE, ...LOCALE });
    await phone.goto(`${server.origin}/app/settings/api-keys`);
    await phone.getByLabel('Name').fill('Nightly report with a rather long name');
    await phone.getByRole('button', { name: 'Create key' }).click();
    await secretPanel(phone).waitFor();
    const card = keyCard(phone, 'Nightly report');
    await card.waitFor();
    assert.equal((await factsOf(card)).Expires, 'Never expires');
    for (const [what, locator] of [
      ['the secret panel', secretPanel(phone)],
      ['Copy', secretPanel(phone).getByRole('button', { name: 'Copy' })],
      ['the key', card],
      ['Revoke', card.getByRole('button', { name: /^Revoke/ })],
    ]) {
      const box = await locator.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${what} fits across: ${JSON.stringify(box)}`);
    }
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scroll: ${width}`);
    await shot(phone, 'phone-api-keys');
    assert.deepEqual(await accessibilityViolations(phone), [], 'API keys at 390 px');

    // Away and back: the list stays, the secret does not.
    await phone.getByRole('link', { name: 'Settings' }).first().click();
    await phone.getByRole('link', { name: 'Audit log' }).click();
    await phone.getByRole('heading', { name: 'Audit log' }).waitFor();
    await phone.getByRole('link', { name: 'Settings' }).first().click();
    await phone.getByRole('link', { name: 'API keys' }).click();
    await card.waitFor();
    assert.equal(await secretPanel(phone).count(), 0);
    await card.scrollIntoViewIfNeeded();
    await shot(phone, 'phone-api-keys-list');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('a key with two scopes, limited to one website, is listed so and works only within them', async () => {
    // Two websites, each with a visitor's conversation.
    const shops = [];
    for (const name of ['Hat shop', 'Cap shop']) {
      const site = (await call(`mutation { createWebsite(input: { name: "${name}" }) { id publicKey } }`)).createWebsite;
      const visitor = (await call(SESSION, { i: { websiteKey: site.publicKey, name: `${name} visitor` } }, null))
        .startVisitorSession;
      const chat = await call('mutation { startConversation(input: { body: "Do you sell felt?" }) { id } }', {}, visitor.token);
      shops.push({ ...site, name, visitorId: visitor.visitor.id, conversationId: chat.startConversation.id });
    }
    await page.goto(`${server.origin}/app/settings/api-keys`);
    const form = page.getByRole('form', { name: 'New API key' });
    const scope = (name) => form.getByRole('checkbox', { name, exact: true });
    await form.getByRole('checkbox', { name: 'Hat shop' }).waitFor();

    // The server's default set comes checked, each scope with its line.
    const checked = [];
    for (const box of await form.getByRole('group', { name: 'What the key may do' }).getByRole('checkbox').all()) {
      if (await box.isChecked()) checked.push(await box.evaluate((i) => i.closest('label').textContent.trim()));
    }
    assert.deepEqual(checked, [
      'Read conversations',
      'Manage conversations',
      'Send messages',
      'Read visitors',
      'Update visitors',
      'Read websites',
    ]);
    assert.match(
      await scope('Erase visitors').evaluate((i) => document.getElementById(i.getAttribute('aria-describedby')).textContent),
      /Erase a person's data/,
    );

    // None at all is refused before asking the server.
    await form.getByLabel('Name').fill('Shop plugin');
    for (const box of await form.getByRole('group', { name: 'What the key may do' }).getByRole('checkbox').all()) {
      await box.uncheck();
    }
    await form.getByRole('button', { name: 'Create key' }).click();
    await form.getByText('Choose at least one thing the key may do.').waitFor();

    await scope('Read conversations').check();
    await scope('Erase visitors').check();
    await form.getByRole('checkbox', { name: 'Hat shop' }).check();
    await shot(page, 'desktop-api-keys-form');
    assert.deepEqual(await accessibilityViolations(page), [], 'the form with scopes and websites');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByLabel('The new API key').innerText()).trim();
    const card = keyCard(page, 'Shop plugin');
    const facts = await factsOf(card);
    assert.equal(facts.Scopes, 'Read conversations, Erase visitors');
    assert.equal(facts.Websites, 'Hat shop');
    assert.equal(await scope('Read websites').isChecked(), true, 'the form is back to the default set');
    assert.equal(await form.getByRole('checkbox', { name: 'Hat shop' }).isChecked(), false);

    const key = (await call('query { apiKeys { name scopes websiteIds } }')).apiKeys.find((k) => k.name === 'Shop plugin');
    assert.deepEqual(key, { name: 'Shop plugin', scopes: ['CONVERSATIONS_READ', 'VISITORS_ERASE'], websiteIds: [shops[0].id] });

    // Within its scopes, on its website only.
    const seen = await gql(server, '{ conversations(first: 10) { nodes { id } } }', {}, secret);
    assert.deepEqual(seen.data?.conversations.nodes, [{ id: shops[0].conversationId }], JSON.stringify(seen));
    const erased = await gql(server, '{ erasures { id } }', {}, secret);
    assert.deepEqual(erased.data, { erasures: [] }, JSON.stringify(erased));
    // Outside them: refused.
    for (const query of ['{ websites { id } }', '{ visitorBlocks(first: 5) { edges { node { id } } } }']) {
      const refused = await gql(server, query, {}, secret);
      assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${query}: ${JSON.stringify(refused)}`);
    }
    const other = await gql(server, 'query($id: ID!) { conversation(id: $id) { id } }', { id: shops[1].conversationId }, secret);
    assert.equal(other.errors?.[0]?.extensions?.code, 'NOT_FOUND', `the other website's: ${JSON.stringify(other)}`);

    await page.getByRole('button', { name: 'Done, I have copied it' }).click();
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'desktop-api-keys-scoped');
    assert.deepEqual(await accessibilityViolations(page), [], 'a scoped key in the list');
    assert.deepEqual(page.errors, []);
  });

  test('an agent sees no API keys: no section, and its URL says who may open it', async () => {
    const agent = await signIn(browser, server, AGENT, DESKTOP);
    await agent.goto(`${server.origin}/app/settings`);
    await agent.getByRole('link', { name: 'Blocked visitors' }).waitFor();
    assert.equal(await agent.getByRole('link', { name: 'API keys' }).count(), 0);
    await agent.goto(`${server.origin}/app/settings/api-keys`);
    await agent.getByRole('heading', { name: 'API keys is for owners and admins' }).waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Create key' }).count(), 0);
    assert.equal(await agent.getByRole('list', { name: 'API keys' }).count(), 0);
    await shot(agent, 'desktop-api-keys-agent');
    assert.deepEqual(await accessibilityViolations(agent), [], 'the barred section');
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
});
