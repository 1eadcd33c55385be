// Routing in the dashboard (docs/routing.md), in Debian's Chromium against a real
// `chinwag serve`: an owner sets up two departments with round robin and capacities from
// the Settings pages alone; bad values are refused with a visible error and change
// nothing; an agent sees the settings read-only and the API refuses them the change; in
// the inbox, waiting chats show their place in line and how many wait, an agent raises a
// chat's priority, and "routed by" shows once the router assigned one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import { addAgent, createDepartment, gql, launchBrowser, shot, signIn, signUpOwner, startServer, until } from './harness.mjs';

const OWNER = { org: 'Fjord Bikes', name: 'Frida Fjord', email: 'frida@fjord.test', password: 'pedal power 42' };
const BOB = { name: 'Bob Berg', email: 'bob@fjord.test', password: 'chain ring 52' };
const CY = { name: 'Cy Dahl', email: 'cy@fjord.test', password: 'spoke wrench 9' };
const SETTINGS = 'query { routingSettings { assignment defaultCapacity pendingCounts offlineGraceSeconds } }';

describe('routing', () => {
  let server, browser, token, page, websiteKey;
  const visitors = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    await addAgent(server, token, BOB);
    await addAgent(server, token, CY);
    const site = await gql(server, 'mutation { createWebsite(input: { name: "Fjord shop" }) { publicKey } }', {}, token);
    websiteKey = site.data.createWebsite.publicKey;
    page = await signIn(browser, server, OWNER);
  });
  after(async () => {
    visitors.forEach((v) => v.dispose());
    await browser?.close();
    await server?.stop();
  });

  const settings = async () => (await gql(server, SETTINGS, {}, token)).data.routingSettings;

  test('an owner sets up two departments with round robin and capacities from Settings', async () => {
    // Departments first, where they are made: Sales (Bob) and Support (Cy).
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Departments' }).click();
    await createDepartment(page, 'Sales', BOB.name);
    await createDepartment(page, 'Support', CY.name);
    // Each department's mode is right there too.
    await page.getByLabel('Assignment in Sales').selectOption('ROUND_ROBIN');
    await page.getByText('Sales: round robin').waitFor();

    // The Routing page has everything else on one screen.
    await page.getByRole('link', { name: 'Routing' }).click();
    const form = page.getByRole('form', { name: 'Routing settings' });
    await form.getByLabel('Assignment').selectOption('ROUND_ROBIN');
    await form.getByLabel('Default capacity').fill('4');
    await form.getByLabel('Pending chats count against capacity').check();
    await form.getByLabel('Offline grace (seconds)').fill('120');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await page.getByText('Routing saved').waitFor();
    await page.getByLabel('Assignment in Support').selectOption('ROUND_ROBIN');
    await page.getByText('Support: round robin').waitFor();
    await page.getByLabel(`Capacity of ${BOB.name}`).fill('2');
    await page.getByLabel(`Capacity of ${BOB.name}`).press('Enter');
    await page.getByText(`${BOB.name} takes up to 2 chats at once`).waitFor();
    await page.getByLabel(`Capacity of ${CY.name}`).fill('3');
    await page.getByLabel(`Capacity of ${CY.name}`).blur();
    await page.getByText(`${CY.name} takes up to 3 chats at once`).waitFor();
    await shot(page, 'routing-settings');

    assert.deepEqual(await settings(), {
      assignment: 'ROUND_ROBIN',
      defaultCapacity: 4,
      pendingCounts: true,
      offlineGraceSeconds: 120,
    });
    const { data } = await gql(server, 'query { departments { name assignment } agents { name capacity } }', {}, token);
    assert.deepEqual(data.departments.map((d) => [d.name, d.assignment]).sort(), [
      ['Sales', 'ROUND_ROBIN'],
      ['Support', 'ROUND_ROBIN'],
    ]);
    assert.deepEqual(Object.fromEntries(data.agents.map((a) => [a.name, a.capacity])), {
      [OWNER.name]: 0,
      [BOB.name]: 2,
      [CY.name]: 3,
    });
    // The Team page shows (and edits) the same capacities.
    await page.getByRole('link', { name: 'Team' }).click();
    assert.equal(await page.getByLabel(`Capacity of ${CY.name}`).inputValue(), '3');
    assert.deepEqual(page.errors, []);
  });

  test('bad values are refused with a visible error and change nothing', async () => {
    const before = await settings();
    await page.getByRole('link', { name: 'Routing' }).click();
    const form = page.getByRole('form', { name: 'Routing settings' });
    await form.getByLabel('Default capacity').fill('0');
    await form.getByRole('button', { name: 'Save routing' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), 'Default capacity must be 1 to 100');
    await form.getByLabel('Default capacity').fill('4');
    await form.getByLabel('Offline grace (seconds)').fill('5000');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await until(async () => (await alert.textContent()) === 'Offline grace must be 0 to 3600', 'the grace refused');
    await shot(page, 'routing-refused');
    // An agent's capacity over 100 is refused beside the field.
    await page.getByLabel(`Capacity of ${BOB.name}`).fill('101');
    await page.getByLabel(`Capacity of ${BOB.name}`).press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Capacity must be 0' }).waitFor();
    assert.deepEqual(await settings(), before);
    const { data } = await gql(server, 'query { agents { name capacity } }', {}, token);
    assert.equal(data.agents.find((a) => a.name === BOB.name).capacity, 2);
  });

  test('an agent sees the routing read-only, and the API refuses them', async () => {
    const agent = await signIn(browser, server, BOB);
    await agent.getByRole('link', { name: 'Settings', exact: true }).click();
    await agent.getByRole('link', { name: 'Routing' }).click();
    await agent.getByText('Only owners and admins can change routing.').waitFor();
    const form = agent.getByRole('form', { name: 'Routing settings' });
    assert.equal(await form.getByLabel('Assignment').isDisabled(), true);
    assert.equal(await form.getByLabel('Default capacity').inputValue(), '4');
    assert.equal(await form.getByLabel('Default capacity').isDisabled(), true);
    assert.equal(await form.getByRole('button', { name: 'Save routing' }).count(), 0);
    assert.equal(await agent.getByLabel('Assignment in Sales').count(), 0);
    assert.equal(await agent.getByLabel(`Capacity of ${BOB.name}`).count(), 0);
    await shot(agent, 'routing-agent-read-only');
    const { data } = await gql(server, 'mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }', {
      i: { email: BOB.email, password: BOB.password },
    });
    const refused = await gql(
      server,
      'mutation { updateRoutingSettings(input: { defaultCapacity: 9 }) { defaultCapacity } }',
      {},
      data.logIn.accessToken,
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal((await settings()).defaultCapacity, 4);
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
    // Bob goes off duty: within the offline grace (120 s) his closed tab would still count.
    await gql(server, 'mutation { setAgentStatus(status: OFFLINE) { status } }', {}, data.logIn.accessToken);
  });

  test('the inbox shows waiting chats in line, their priority, and why one was routed', async () => {
    // Nobody is online (Frida's dashboard is open, but she is off duty): two chats wait, in
    // arrival order.
    await gql(server, 'mutation { setAgentStatus(status: OFFLINE) { status } }', {}, token);
    const ids = [];
    for (const text of ['Do you ship to Bergen?', 'My chain squeaks']) {
      const v = createVisitorClient({ url: server.graphql, websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket });
      visitors.push(v);
      ids.push((await v.startConversation(text)).id);
    }
    await page.getByRole('link', { name: 'Inbox' }).click();
    const summary = page.getByRole('status', { name: 'Waiting for an agent' });
    await until(async () => /2\s*waiting/.test((await summary.textContent()) ?? ''), 'two chats waiting');
    assert.match(await summary.textContent(), /oldest\s*under a minute/);
    const row = (id) => page.locator(`[data-conversation="${id}"]`);
    await until(async () => (await row(ids[1]).textContent()).includes('#2 in line'), 'the second chat second in line');

    // The second chat is urgent: it moves to the front.
    await row(ids[1]).click();
    await page.getByLabel('Priority').selectOption('URGENT');
    await until(async () => (await row(ids[1]).textContent()).includes('#1 in line'), 'the urgent chat first');
    assert.match(await row(ids[1]).textContent(), /urgent/);
    assert.match(await row(ids[0]).textContent(), /#2 in line/);
    await page
      .getByRole('button', { name: 'Show visitor details' })
      .click()
      .catch(() => {});
    await page.getByText('Waiting: #1 in line').waitFor();
    await shot(page, 'routing-inbox-waiting');

    // Frida comes online (status and this open dashboard) with room for one chat: round
    // robin gives her the urgent one; the other waits.
    const me = (await gql(server, 'query { me { id } }', {}, token)).data.me.id;
    await gql(server, 'mutation($a: ID!) { setAgentCapacity(agentId: $a, capacity: 1) { capacity } }', { a: me }, token);
    await gql(server, 'mutation { setAgentStatus(status: ONLINE) { status } }', {}, token);
    await page.reload();
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    await page.getByText('By round robin').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('.conv-title').textContent(), /Assigned to Frida Fjord/);
    await until(async () => /1\s*waiting/.test((await summary.textContent()) ?? ''), 'one chat still waiting');
    await shot(page, 'routing-inbox-routed');
    assert.deepEqual(page.errors, []);
  });
});
