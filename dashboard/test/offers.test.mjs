// Offers and the schedule in the dashboard (docs/routing.md, "Offers: accept or decline"
// and "The organization's schedule"), in Debian's Chromium against a real `chinwag serve`:
// an owner sets how long chats are offered; with two agents online (status ONLINE and the
// dashboard open), a visitor writes and the agent the router picked sees an offer card
// with a countdown, while the other sees "Offered to ..." in the list; Accept makes the
// chat theirs, Decline moves the offer to the other agent. The owner saves a holiday that
// is still there after a reload; an agent sees the schedule read-only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import { addAgent, gql, launchBrowser, logInToken, shot, signIn, signUpOwner, startServer, until } from './harness.mjs';

const ANN = { org: 'Oak Teas', name: 'Ann Oak', email: 'ann@oak.test', password: 'green tea 1234' };
const BO = { name: 'Bo Birch', email: 'bo@oak.test', password: 'black tea 5678' };
const CONVERSATION = 'query($id: ID!) { conversation(id: $id) { offeredTo { id name } offerExpiresAt assignee { id } } }';

describe('offers and the schedule', () => {
  let server, browser, annToken, boToken, websiteKey;
  const pages = {};
  const ids = {};
  const visitors = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    annToken = await signUpOwner(server, ANN);
    await addAgent(server, annToken, BO);
    boToken = await logInToken(server, BO);
    for (const [who, token] of [
      [ANN, annToken],
      [BO, boToken],
    ]) {
      ids[who.name] = (await gql(server, 'query { me { id } }', {}, token)).data.me.id;
    }
    const site = await gql(server, 'mutation { createWebsite(input: { name: "Oak shop" }) { publicKey } }', {}, annToken);
    websiteKey = site.data.createWebsite.publicKey;
    pages[ANN.name] = await signIn(browser, server, ANN);
    pages[BO.name] = await signIn(browser, server, BO);
  });
  after(async () => {
    visitors.forEach((v) => v.dispose());
    await browser?.close();
    await server?.stop();
  });

  const conversation = async (id) => (await gql(server, CONVERSATION, { id }, annToken)).data.conversation;
  const write = async (text) => {
    const v = createVisitorClient({ url: server.graphql, websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket });
    visitors.push(v);
    return (await v.startConversation(text)).id;
  };
  /** Waits for the chat to be on offer to someone other than `not`; resolves to their name. */
  const offered = async (id, not = null) => {
    const c = await until(
      async () => {
        const c = await conversation(id);
        return c.offeredTo && c.offeredTo.name !== not ? c : null;
      },
      `the chat offered${not ? ` to someone other than ${not}` : ''}`,
    );
    return c.offeredTo.name;
  };
  const other = (name) => (name === ANN.name ? BO.name : ANN.name);
  const card = (page) => page.getByRole('region', { name: /^Chat offered to you/ });

  test('an owner sets the offer time with the routing settings; both agents come online', async () => {
    const page = pages[ANN.name];
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Routing' }).click();
    const form = page.getByRole('form', { name: 'Routing settings' });
    await form.getByLabel('Assignment').selectOption('ROUND_ROBIN');
    await form.getByLabel('Offer chats for (seconds)').fill('5');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await form.getByRole('alert').waitFor();
    assert.match(await form.getByRole('alert').textContent(), /^Offer chats for .*10 to 300/i);
    await form.getByLabel('Offer chats for (seconds)').fill('90');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await page.getByText('Routing saved').waitFor();
    const { data } = await gql(server, 'query { routingSettings { assignment offerSeconds } }', {}, annToken);
    assert.deepEqual(data.routingSettings, { assignment: 'ROUND_ROBIN', offerSeconds: 90 });

    for (const token of [annToken, boToken])
      await gql(server, 'mutation { setAgentStatus(status: ONLINE) { status } }', {}, token);
    await page.getByRole('link', { name: 'Inbox' }).click();
    await until(async () => {
      const { data } = await gql(server, 'query { agents { isOnline } }', {}, annToken);
      return data.agents.every((a) => a.isOnline);
    }, 'both agents online');
  });

  test('the agent offered a chat sees a card with a countdown, and Accept makes it theirs', async () => {
    const id = await write('Do you sell matcha?');
    const name = await offered(id);
    const page = pages[name];
    const offer = card(page);
    await offer.waitFor();
    assert.match(await offer.textContent(), /Do you sell matcha\?/);
    const timer = offer.getByRole('timer');
    const first = await timer.textContent();
    assert.match(first, /^[01]:\d\d$/);
    await until(async () => (await timer.textContent()) !== first, 'the countdown to move');
    await shot(offer, 'offer-card');

    // The other agent sees who has it.
    const row = pages[other(name)].locator(`[data-conversation="${id}"]`);
    await until(async () => (await row.textContent())?.includes(`Offered to ${name}`), `"Offered to ${name}" in the list`);
    assert.equal(await card(pages[other(name)]).count(), 0);

    await offer.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(new RegExp(`inbox/mine/${id}`));
    await offer.waitFor({ state: 'detached' });
    const c = await conversation(id);
    assert.equal(c.assignee?.id, ids[name]);
    assert.equal(c.offeredTo, null);
    // Taken, it leaves the other agent's Unassigned list.
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(page.errors, []);
  });

  test('Decline removes the card and moves the offer to the other agent', async () => {
    const id = await write('Is the oolong in stock?');
    const name = await offered(id);
    const offer = card(pages[name]).filter({ hasText: 'Is the oolong in stock?' });
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Decline' }).click();
    await offer.waitFor({ state: 'detached' });
    assert.equal(await offered(id, name), other(name));
    await card(pages[other(name)]).filter({ hasText: 'Is the oolong in stock?' }).waitFor();
    assert.deepEqual(pages[name].errors, []);
  });

  test('an owner saves a holiday that is there after a reload; a bad time zone is refused inline', async () => {
    const page = pages[ANN.name];
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Routing' }).click();
    const form = page.getByRole('form', { name: 'Schedule' });
    await form.getByLabel('Time zone').fill('Mars/Olympus');
    await form.getByRole('button', { name: 'Save schedule' }).click();
    await form.getByRole('alert').waitFor();
    await form.getByLabel('Time zone').fill('Europe/Oslo');
    await form.getByLabel('Holiday date').fill('2026-12-25');
    await form.getByLabel('Holiday name').fill('Christmas Day');
    await form.getByRole('button', { name: 'Add holiday' }).click();
    await form.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Schedule saved').waitFor();
    const { data } = await gql(server, 'query { organizationSchedule { timeZone holidays { date name } } }', {}, annToken);
    assert.deepEqual(data.organizationSchedule, {
      timeZone: 'Europe/Oslo',
      holidays: [{ date: '2026-12-25', name: 'Christmas Day' }],
    });

    await page.reload();
    const again = page.getByRole('form', { name: 'Schedule' });
    await again.getByRole('cell', { name: 'Christmas Day', exact: true }).waitFor();
    assert.equal(await again.getByLabel('Time zone').inputValue(), 'Europe/Oslo');
    await shot(again, 'schedule');
    assert.deepEqual(page.errors, []);
  });

  test('an agent sees the schedule read-only', async () => {
    const page = pages[BO.name];
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Routing' }).click();
    const form = page.getByRole('form', { name: 'Schedule' });
    await form.getByRole('cell', { name: 'Christmas Day', exact: true }).waitFor();
    assert.equal(await form.getByLabel('Time zone').isDisabled(), true);
    assert.equal(await form.getByRole('button', { name: 'Save schedule' }).count(), 0);
    assert.equal(await form.getByLabel('Holiday date').count(), 0);
    assert.equal(await form.getByRole('button', { name: /Remove/ }).count(), 0);
    assert.deepEqual(page.errors, []);
  });
});
