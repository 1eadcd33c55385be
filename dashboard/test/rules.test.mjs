// Routing rules, pre-chat choices and tags (docs/routing.md), in Debian's Chromium against a
// real `chinwag serve` serving this dashboard and the built widget. Issue 19's "Done when",
// end to end: an owner, in the dashboard alone, makes Sales and Support, round robin,
// capacities, a pre-chat choice "What is it about?" and a rule sending Sales answers to
// Sales; a visitor on a shop page picks Sales in the widget, writes, waits "#2 in line"
// while the one Sales agent is busy, and gets that agent once the chats ahead are
// resolved. Also: the rule form shows the server's refusals and saves nothing then; an
// agent sees the rules read-only and the API refuses them; rules reorder, switch off and
// delete (confirmed); agents tag a conversation and the inbox filters by tag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { createAgentClient, createVisitorClient, memoryStorage } from '@chinwag/sdk';
import {
  addAgent,
  createDepartment,
  DESKTOP,
  gql,
  launchBrowser,
  logInToken,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Lyng Lamps', name: 'Liv Lyng', email: 'liv@lyng.test', password: 'bright light 77' };
const BOB = { name: 'Bob Berg', email: 'bob@lyng.test', password: 'chain ring 52' };
const CY = { name: 'Cy Dahl', email: 'cy@lyng.test', password: 'spoke wrench 9' };
const RULES =
  'query { routingRules { name enabled position conditions { field operator key value values } actions { departmentId priority tags } } }';
const widgetDist = resolve(import.meta.dirname, '..', '..', 'widget', 'dist');

describe('routing rules, pre-chat choices and tags', () => {
  let server, browser, token, page, website, shopServer, shopUrl;
  const clients = [];

  before(async () => {
    if (!existsSync(resolve(widgetDist, 'widget.js'))) throw new Error('No widget/dist: run `npm run build -w widget` first.');
    process.env.CHINWAG_WIDGET_DIR = widgetDist;
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    await addAgent(server, token, BOB);
    await addAgent(server, token, CY);
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Lyng shop" }) { id publicKey } }', {}, token)).data
      .createWebsite;
    page = await signIn(browser, server, OWNER);
    // The shop: a page with the widget's snippet, on another origin than the server's.
    shopServer = createServer((_, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><title>Lyng shop</title><h1>Lamps</h1><script src="${server.origin}/widget.js" data-website-key="${website.publicKey}" async></script>`,
        ),
    );
    await new Promise((r) => shopServer.listen(0, '127.0.0.1', r));
    shopUrl = `http://localhost:${shopServer.address().port}/lamps`;
  });
  after(async () => {
    clients.forEach((c) => c.dispose());
    await browser?.close();
    shopServer?.closeAllConnections();
    shopServer?.close();
    await server?.stop();
  });

  const rules = async () => (await gql(server, RULES, {}, token)).data.routingRules;
  /** A visitor of the shop through the SDK, who answered the pre-chat question with `topic`. */
  async function visitor(topic, text) {
    const v = createVisitorClient({
      url: server.graphql,
      websiteKey: website.publicKey,
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
    });
    clients.push(v);
    await v.introduce({ name: `${topic} fan`, attributes: { topic } });
    return (await v.startConversation(text)).id;
  }

  test('an owner sets up departments, a pre-chat choice and a rule; a visitor picks Sales, waits #2 in line, and gets the Sales agent', async () => {
    // Departments: Sales (Bob) and Support (Cy), Sales by round robin.
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Departments' }).click();
    await createDepartment(page, 'Sales', BOB.name);
    await createDepartment(page, 'Support', CY.name);
    await page.getByLabel('Assignment in Sales').selectOption('ROUND_ROBIN');
    await page.getByText('Sales: round robin').waitFor();

    // Capacities, on the Routing page: Bob takes one chat at a time.
    await page.getByRole('link', { name: 'Routing' }).click();
    for (const [who, n] of [
      [BOB.name, '1'],
      [CY.name, '2'],
    ]) {
      await page.getByLabel(`Capacity of ${who}`).fill(n);
      await page.getByLabel(`Capacity of ${who}`).press('Enter');
      await page.getByText(`${who} takes up to ${n} chat`).waitFor();
    }

    // The pre-chat form asks "What is it about?", Sales or Support.
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const behaviour = page.locator('section.panel', {
      has: page.getByRole('heading', { name: 'Availability and pre-chat form' }),
    });
    await behaviour.getByRole('button', { name: 'Add a field' }).click();
    const field = behaviour.getByRole('group', { name: 'Field 1' });
    await field.getByLabel('Label').fill('What is it about?');
    await field.getByLabel('Key').fill('topic');
    await field.getByLabel('Kind').selectOption({ label: 'Choice' });
    await field.getByLabel('Required').check();
    // One option is too few: the server says so, and nothing is saved.
    await field.getByLabel('Options').fill('Sales');
    await behaviour.getByRole('button', { name: 'Save availability and form' }).click();
    const refusal = behaviour.getByRole('alert');
    await refusal.waitFor();
    assert.match(await refusal.textContent(), /2 to 20/);
    await field.getByLabel('Options').fill('Sales\nSupport\n');
    await behaviour.getByRole('button', { name: 'Save availability and form' }).click();
    await page.getByText('Behaviour saved').waitFor();
    await shot(behaviour.getByRole('group', { name: 'Pre-chat form' }), 'rules-prechat-choice');
    const { data } = await gql(
      server,
      'query($k: String!) { widgetConfig(websiteKey: $k) { preChatFields { key label kind required options } } }',
      {
        k: website.publicKey,
      },
    );
    assert.deepEqual(data.widgetConfig.preChatFields, [
      { key: 'topic', label: 'What is it about?', kind: 'SELECT', required: true, options: ['Sales', 'Support'] },
    ]);

    // The rule: a pre-chat answer "Sales" goes to Sales, tagged.
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Routing' }).click();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name').fill('Sales questions');
    const condition = form.getByRole('group', { name: 'Condition 1' });
    await condition.getByLabel('Field', { exact: true }).selectOption({ label: 'Pre-chat answer' });
    await condition.getByLabel('Pre-chat field key').fill('topic');
    await condition.getByLabel('Operator').selectOption({ label: 'is' });
    await condition.getByLabel('Value').fill('Sales');
    await form.getByLabel('Department').selectOption({ label: 'Sales' });
    await form.getByLabel('Tags').fill('sales');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Sales questions added').waitFor();
    const list = page.getByRole('list', { name: 'Routing rules' });
    await list.getByText('If Pre-chat answer topic is “Sales” → to Sales; tags sales').waitFor();
    const sales = (await gql(server, 'query { departments { id name } }', {}, token)).data.departments.find(
      (d) => d.name === 'Sales',
    );
    assert.deepEqual(await rules(), [
      {
        name: 'Sales questions',
        enabled: true,
        position: 1,
        conditions: [{ field: 'PRE_CHAT', operator: 'EQUALS', key: 'topic', value: 'Sales', values: [] }],
        actions: { departmentId: sales.id, priority: null, tags: ['sales'] },
      },
    ]);

    // Bob is on duty (online, connected) and takes a Sales chat: he is at capacity; a
    // second Sales chat waits, first in line.
    const bob = createAgentClient({ url: server.graphql, webSocketImpl: WebSocket });
    clients.push(bob);
    await bob.logIn(BOB.email, BOB.password);
    await bob.setAgentStatus('ONLINE');
    bob.inboxEvents({ event: () => {} });
    const first = await visitor('Sales', 'Do you have brass lamps?');
    await until(
      async () => (await bob.conversations()).nodes.find((c) => c.id === first)?.assignee?.name === BOB.name,
      'Bob’s first chat',
    );
    const second = await visitor('Sales', 'Price for 40 lamps?');
    await until(
      async () => (await bob.conversations()).nodes.find((c) => c.id === second)?.queuePosition === 1,
      'the second chat waiting',
    );

    // The visitor on the shop picks Sales and writes: #2 in line.
    const shopper = await browser.newContext(DESKTOP);
    const shop = await shopper.newPage();
    shop.errors = [];
    shop.on('pageerror', (e) => shop.errors.push(e));
    await shop.goto(shopUrl);
    const w = shop.locator('chinwag-widget');
    await w.locator('.launcher').click();
    const prechat = w.locator('form.card');
    const choice = prechat.getByLabel('What is it about?');
    await until(async () => (await choice.locator('option').allTextContents()).join() === ',Sales,Support', 'the options');
    await choice.selectOption('Sales');
    await prechat.getByRole('button', { name: 'Start the chat' }).click();
    await w.locator('.composer textarea').fill('I need twelve lamps for a café');
    await w.locator('.composer textarea').press('Enter');
    const line = w.locator('.queue');
    await until(async () => (await line.textContent().catch(() => null)) === 'You are #2 in line', '#2 in line', 20_000);
    await shot(shop, 'rules-widget-second-in-line');
    const mine = (await bob.conversations({ filter: { tag: 'sales' } })).nodes.find(
      (c) => c.lastMessagePreview === 'I need twelve lamps for a café',
    );
    assert.deepEqual([mine.department?.name, mine.tags, mine.queuePosition], ['Sales', ['sales'], 2]);

    // Bob resolves his chat: the second is his, the visitor moves up; he resolves that
    // one too, and the visitor's chat is his. His reply shows his name in the widget.
    await bob.setConversationStatus(first, 'RESOLVED');
    await until(async () => (await line.textContent().catch(() => null)) === 'You are #1 in line', '#1 in line');
    await bob.setConversationStatus(second, 'RESOLVED');
    await until(async () => (await line.count()) === 0, 'the line gone');
    const routed = (await bob.conversations()).nodes.find((c) => c.id === mine.id);
    assert.equal(routed.assignee?.name, BOB.name);
    assert.equal(routed.routedBy, 'rule: Sales questions; round robin in Sales');
    await bob.sendMessage(mine.id, 'Hello, Bob from Sales here!');
    await until(
      async () =>
        (
          (await w
            .locator('.row.them .who')
            .last()
            .textContent()
            .catch(() => '')) ?? ''
        ).includes(BOB.name),
      'Bob’s name',
    );
    await shot(shop, 'rules-widget-assigned');
    assert.deepEqual(shop.errors, []);
    await shopper.close();
    assert.deepEqual(page.errors, []);
  });

  test('the rule form shows what the server refuses, and saves nothing then', async () => {
    const before = await rules();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name').fill('Broken');
    // A pre-chat condition without the field's key.
    await form.getByRole('group', { name: 'Condition 1' }).getByLabel('Value').fill('Support');
    await form.getByLabel('Tags').fill('support');
    await form.getByRole('button', { name: 'Add rule' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    const keyless = await alert.textContent();
    assert.match(keyless, /key/i);
    // No action at all.
    await form.getByRole('group', { name: 'Condition 1' }).getByLabel('Pre-chat field key').fill('topic');
    await form.getByLabel('Tags').fill('');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await until(async () => (await alert.textContent()) !== keyless, 'the next refusal');
    assert.match(await alert.textContent(), /action/i);
    await shot(page, 'rules-refused');
    assert.deepEqual(await rules(), before);
    await form.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await form.count(), 0);
  });

  test('rules reorder, switch off and delete (confirmed)', async () => {
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name').fill('Support questions');
    const condition = form.getByRole('group', { name: 'Condition 1' });
    await condition.getByLabel('Pre-chat field key').fill('topic');
    await condition.getByLabel('Value').fill('Support');
    await form.getByLabel('Department').selectOption({ label: 'Support' });
    await form.getByLabel('Priority').selectOption({ label: 'High' });
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('Support questions added').waitFor();
    await page.getByRole('button', { name: 'Move Support questions up' }).click();
    await until(async () => (await rules()).map((r) => r.name).join() === 'Support questions,Sales questions', 'the new order');
    await page.getByLabel('Sales questions enabled').click();
    await until(async () => (await rules()).find((r) => r.name === 'Sales questions').enabled === false, 'the rule off');
    await page.getByRole('list', { name: 'Routing rules' }).getByText('Off').waitFor();
    await shot(page, 'rules-list');

    // Edit keeps the place; delete asks first.
    await page.getByRole('button', { name: 'Edit Support questions' }).click();
    const edit = page.getByRole('form', { name: 'Edit Support questions' });
    await edit.getByLabel('Priority').selectOption({ label: 'Urgent' });
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Support questions saved').waitFor();
    assert.deepEqual(
      (await rules()).map((r) => [r.name, r.actions.priority]),
      [
        ['Support questions', 'URGENT'],
        ['Sales questions', null],
      ],
    );
    await page.getByRole('button', { name: 'Delete Support questions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Support questions?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await rules()).length, 2);
    await page.getByRole('button', { name: 'Delete Support questions' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Support questions deleted').waitFor();
    assert.deepEqual(
      (await rules()).map((r) => r.name),
      ['Sales questions'],
    );
    // Back on for the tests after.
    await page.getByLabel('Sales questions enabled').click();
    await until(async () => (await rules())[0].enabled, 'the rule on again');
  });

  test('an agent sees the rules read-only, and the API refuses them', async () => {
    const agent = await signIn(browser, server, CY);
    await agent.getByRole('link', { name: 'Settings', exact: true }).click();
    await agent.getByRole('link', { name: 'Routing' }).click();
    await agent.getByRole('list', { name: 'Routing rules' }).getByText('Sales questions').waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Add a rule' }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Edit Sales questions' }).count(), 0);
    assert.equal(await agent.getByLabel('Sales questions enabled').count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Delete Sales questions' }).count(), 0);
    const refused = await gql(
      server,
      'mutation { createRoutingRule(input: { name: "Mine", conditions: [], actions: { tags: ["x"] } }) { id } }',
      {},
      await logInToken(server, CY),
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal((await rules()).length, 1);
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });

  test('agents tag a conversation, and the inbox filters by tag', async () => {
    const support = await visitor('Support', 'My lamp flickers');
    const other = await visitor('Other', 'Do you ship to Tromsø?');
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page
      .getByRole('radio', { name: 'All' })
      .click()
      .catch(() => page.getByRole('button', { name: 'All' }).click());
    const row = (id) => page.locator(`[data-conversation="${id}"]`);
    await row(support).click();
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    const tags = page.getByRole('list', { name: 'Tags' });
    await page.getByLabel('Add a tag').fill('Warranty');
    await page.getByLabel('Add a tag').press('Enter');
    await tags.getByText('warranty').waitFor();
    await page.locator('.conv-title .tag', { hasText: 'warranty' }).waitFor(); // the header too
    await page.getByLabel('Add a tag').fill('callback');
    await page.getByLabel('Add a tag').press('Enter');
    await tags.getByText('callback').waitFor();
    await page.getByRole('button', { name: 'Remove tag callback' }).click();
    await until(async () => (await tags.getByText('callback').count()) === 0, 'the tag removed');
    // A tag the server refuses: its message shows, and the tags stay.
    await page.getByLabel('Add a tag').fill('no/slashes');
    await page.getByLabel('Add a tag').press('Enter');
    await page.locator('.conv-tags').getByRole('alert').waitFor();
    const { data } = await gql(server, 'query($id: ID!) { conversation(id: $id) { tags } }', { id: support }, token);
    assert.deepEqual(data.conversation.tags, ['warranty']);
    await page.getByLabel('Add a tag').fill('');
    assert.equal(await page.locator('.conv-tags').getByRole('alert').count(), 0, 'the message goes as the tag is edited');

    // The inbox, filtered by tag: only the tagged chat; then the rule's tag.
    await until(async () => (await row(support).textContent()).includes('warranty'), 'the tag in the row');
    await page.getByLabel('Filter by tag').fill('warranty');
    // (While the filtered list loads, neither row shows.)
    await until(async () => (await row(other).count()) === 0 && (await row(support).count()) === 1, 'only the tagged chat');
    await shot(page, 'rules-inbox-tags');
    await page.getByLabel('Filter by tag').fill('nothing');
    await page.getByText('No conversation matches').waitFor();
    await page.getByLabel('Filter by tag').fill('');
    await row(other).waitFor();
    assert.deepEqual(page.errors, []);
  });
});
