// Automations, triggers, the rule editor's language and department conditions, the dry runs
// and the server's due-first order (docs/routing.md), in Debian's Chromium against a real
// `chinwag serve`: an owner makes "When a visitor writes 'refund' → send a message and tag
// refund" under Settings › Automations, a visitor (through the API) writes "I want a
// refund", and the inbox shows the bot's message and the tag within seconds; the form
// shows only what its event takes; a dry run counts what it would have acted on; an agent
// sees automations and triggers read-only; a trigger made in the dashboard reaches the
// widget's `widgetTriggers` with its page conditions; rules on Language and Department
// save and come back; "Sort: due first" lists the chat due soonest first even when it is
// the oldest of more chats than one page holds, and moves a chat up live.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  logInToken,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Rask Rugs', name: 'Rita Rask', email: 'rita@rask.test', password: 'woven wool 31' };
const AGENT = { name: 'Sam Sol', email: 'sam@rask.test', password: 'loom shuttle 8' };
const AUTOMATIONS =
  'query { automations { name enabled event keywords minutes ratingAtMost conditions { field operator value } actions { message cannedResponseId tags resolve } } }';

describe('automations, triggers, rule conditions and due first', () => {
  let server, browser, token, page, website;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Rask shop" }) { id publicKey } }', {}, token)).data
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
  /** A visitor of the shop who views `url` and writes `text`, through the API; resolves to the conversation's id. */
  async function visitor(name, text, url = 'https://rask.test/rugs') {
    const { startVisitorSession: s } = await api(
      'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }',
      { i: { websiteKey: website.publicKey, name } },
      null,
    );
    await api('mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }', { i: { url, title: 'Rugs' } }, s.token);
    const { startConversation } = await api(
      'mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }',
      { i: { body: text } },
      s.token,
    );
    return startConversation.id;
  }
  const row = (p, id) => p.locator(`[data-conversation="${id}"]`);

  test('an owner automates refunds in the dashboard; a visitor writes "I want a refund" and the inbox shows the bot’s reply and the tag', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Automations' }).click();
    await page.getByText('No automations yet.').waitFor();
    await page.getByRole('button', { name: 'Add an automation' }).click();
    const form = page.getByRole('form', { name: 'New automation' });
    await form.getByLabel('Name').fill('Refunds');
    assert.equal(await form.getByLabel('When').inputValue(), 'MESSAGE_RECEIVED');
    await form.getByLabel('Words or phrases').fill('refund, money back');
    await form.getByLabel('Message').fill('Sorry to hear that! A refund takes 3 days; an agent will confirm.');
    await form.getByLabel('Tags').fill('refund');
    await shot(page, 'automations-form');
    assert.deepEqual(await accessibilityViolations(page), []);
    await form.getByRole('button', { name: 'Add automation' }).click();
    await page.getByText('Refunds added').waitFor();
    await page
      .getByRole('list', { name: 'Automations' })
      .getByText(
        'When a visitor writes “refund” or “money back” → send “Sorry to hear that! A refund takes 3 days; an agent will confirm.”; tag refund',
      )
      .waitFor();
    assert.deepEqual((await api(AUTOMATIONS)).automations, [
      {
        name: 'Refunds',
        enabled: true,
        event: 'MESSAGE_RECEIVED',
        keywords: ['refund', 'money back'],
        minutes: null,
        ratingAtMost: null,
        conditions: [],
        actions: {
          message: 'Sorry to hear that! A refund takes 3 days; an agent will confirm.',
          cannedResponseId: null,
          tags: ['refund'],
          resolve: false,
        },
      },
    ]);

    const id = await visitor('Vera Vev', 'I want a refund');
    await page.getByRole('link', { name: 'Inbox' }).click();
    await until(
      async () =>
        (
          (await row(page, id)
            .textContent()
            .catch(() => '')) ?? ''
        ).includes('refund'),
      'the tag in the row',
      10_000,
    );
    await row(page, id).click();
    await page
      .getByRole('list', { name: 'Messages' })
      .getByText('Sorry to hear that! A refund takes 3 days; an agent will confirm.')
      .waitFor({ timeout: 10_000 });
    await page.locator('.conv-title .tag', { hasText: 'refund' }).waitFor();
    await shot(page, 'automations-inbox-bot-reply');
    const { conversation } = await api(
      'query($id: ID!) { conversation(id: $id) { tags messages(first: 10) { nodes { senderKind body } } } }',
      { id },
    );
    assert.deepEqual(conversation.tags, ['refund']);
    assert.deepEqual(
      conversation.messages.nodes.map((m) => m.senderKind),
      ['VISITOR', 'BOT'],
    );
    assert.deepEqual(page.errors, []);
  });

  test('the form shows only what the event takes, the server’s refusal, and a dry run’s count', async () => {
    await visitor('Walt Wisp', 'Do you ship rugs to Bergen?');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Automations' }).click();
    await page.getByRole('button', { name: 'Add an automation' }).click();
    const form = page.getByRole('form', { name: 'New automation' });
    const shown = async () =>
      Object.fromEntries(
        await Promise.all(
          ['Words or phrases', 'Minutes without a reply', 'Ratings'].map(async (l) => [l, await form.getByLabel(l).count()]),
        ),
      );
    assert.deepEqual(await shown(), { 'Words or phrases': 1, 'Minutes without a reply': 0, Ratings: 0 });
    await form.getByLabel('When').selectOption({ label: 'When nobody has replied for N minutes' });
    assert.deepEqual(await shown(), { 'Words or phrases': 0, 'Minutes without a reply': 1, Ratings: 0 });
    await form.getByLabel('When').selectOption({ label: 'When a visitor rates the chat' });
    assert.deepEqual(await shown(), { 'Words or phrases': 0, 'Minutes without a reply': 0, Ratings: 1 });
    await form.getByLabel('When').selectOption({ label: 'When a chat starts' });
    assert.deepEqual(await shown(), { 'Words or phrases': 0, 'Minutes without a reply': 0, Ratings: 0 });
    // A saved reply instead of a message: the message box goes, the list of saved replies comes.
    await form.getByLabel('Send to the visitor').selectOption({ label: 'A saved reply' });
    assert.equal(await form.getByLabel('Message').count(), 0);
    await form.getByLabel('Saved reply').waitFor();

    // NO_REPLY without minutes: the server says so, nothing is saved.
    await form.getByLabel('Name').fill('Nudge');
    await form.getByLabel('When').selectOption({ label: 'When nobody has replied for N minutes' });
    await form.getByLabel('Send to the visitor').selectOption({ label: 'A message' });
    await form.getByLabel('Message').fill('We are on it!');
    await form.getByRole('button', { name: 'Add automation' }).click();
    await form.getByRole('alert').waitFor();
    assert.match(await form.getByRole('alert').textContent(), /minutes/i);
    assert.equal((await api(AUTOMATIONS)).automations.length, 1);

    // The dry run: "refund" among the two conversations so far.
    await form.getByLabel('When').selectOption({ label: 'When a visitor writes…' });
    await form.getByLabel('Words or phrases').fill('refund');
    await form.getByRole('button', { name: 'Try on the last 100 conversations' }).click();
    const result = form.getByRole('status').filter({ hasText: 'Would have acted on' });
    await result.waitFor();
    assert.equal(await result.textContent(), 'Would have acted on 1 of 2');
    const matches = form.getByRole('list', { name: 'Conversations it would have acted on' });
    assert.deepEqual(await matches.getByRole('link').allTextContents(), ['Vera Vev']);
    await shot(page, 'automations-dry-run');
    await form.getByLabel('Words or phrases').fill('');
    await form.getByRole('button', { name: 'Try on the last 100 conversations' }).click();
    await until(async () => (await result.textContent()) === 'Would have acted on 2 of 2', 'any message: both');
    await form.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(AUTOMATIONS)).automations.length, 1);
    assert.deepEqual(page.errors, []);
  });

  test('a trigger made in the dashboard reaches the widget with its page conditions', async () => {
    await page.getByRole('link', { name: 'Triggers' }).click();
    await page.getByText('No triggers on Rask shop').waitFor();
    await page.getByRole('button', { name: 'Add a trigger' }).click();
    const form = page.getByRole('form', { name: 'New trigger' });
    await form.getByLabel('Name').fill('Pricing help');
    const first = form.getByRole('group', { name: 'Condition 1' });
    await first.getByLabel('Field').selectOption({ label: 'Page address' });
    await first.getByLabel('Operator').selectOption({ label: 'contains' });
    await first.getByLabel('Value').fill('/pricing');
    await form.getByRole('button', { name: 'Add a condition' }).click();
    const second = form.getByRole('group', { name: 'Condition 2' });
    await second.getByLabel('Field').selectOption({ label: 'Time on the page' });
    // Only the operators a field takes.
    assert.deepEqual(await second.getByLabel('Operator').locator('option').allTextContents(), ['at least']);
    await second.getByLabel('Seconds').fill('20');
    await form.getByRole('button', { name: 'Add a condition' }).click();
    const third = form.getByRole('group', { name: 'Condition 3' });
    await third.getByLabel('Field').selectOption({ label: 'An agent is online' });
    assert.deepEqual(await third.getByLabel('Operator').locator('option').allTextContents(), ['yes', 'no']);
    assert.equal(await third.getByLabel('Value').count(), 0);
    await form.getByLabel('Message').fill('Questions about our plans? We are here.');
    // The bubble's preview: the team speaks as the website, then as an agent.
    const preview = form.getByRole('figure', { name: 'Preview' });
    assert.equal(await preview.locator('.trigger-sender').textContent(), 'Rask shop');
    assert.equal(await preview.locator('.trigger-message').textContent(), 'Questions about our plans? We are here.');
    await form.getByLabel('Speaks as').selectOption({ label: OWNER.name });
    assert.equal(await preview.locator('.trigger-sender').textContent(), OWNER.name);
    await form.getByLabel('Speaks as').selectOption({ label: 'The team (Rask shop)' });
    // Its dry run, on the page views of the visitors so far (none on /pricing yet).
    await form.getByRole('button', { name: 'Try on the last 100 page views' }).click();
    await form.getByText(/^Would have shown on 0 of \d+ page views/).waitFor();
    await shot(page, 'triggers-form');
    assert.deepEqual(await accessibilityViolations(page), []);
    await form.getByRole('button', { name: 'Add trigger' }).click();
    await page.getByText('Pricing help added').waitFor();
    await page
      .getByRole('list', { name: 'Triggers' })
      .getByText(
        'If Page address contains “/pricing” and Time on the page at least 20 seconds and An agent is online: yes → Rask shop (the team): “Questions about our plans? We are here.”',
      )
      .waitFor();

    // The widget asks anonymously: the page's conditions, not the server's (an agent is
    // online: the owner's dashboard is open).
    const { widgetTriggers } = await api(
      'query($k: String!) { widgetTriggers(websiteKey: $k) { message senderName openPanel conditions { field operator value values } } }',
      { k: website.publicKey },
      null,
    );
    assert.deepEqual(widgetTriggers, [
      {
        message: 'Questions about our plans? We are here.',
        senderName: 'Rask shop',
        openPanel: false,
        conditions: [
          { field: 'PAGE_URL', operator: 'CONTAINS', value: '/pricing', values: [] },
          { field: 'TIME_ON_PAGE', operator: 'AT_LEAST', value: '20', values: [] },
        ],
      },
    ]);
    // Switched off, the widget gets none.
    await page.getByLabel('Pricing help enabled').click();
    await page.getByRole('list', { name: 'Triggers' }).getByText('Off').waitFor();
    const off = await api('query($k: String!) { widgetTriggers(websiteKey: $k) { id } }', { k: website.publicKey }, null);
    assert.deepEqual(off.widgetTriggers, []);
    await page.getByLabel('Pricing help enabled').click();
    await until(
      async () =>
        (await api('query($k: String!) { widgetTriggers(websiteKey: $k) { id } }', { k: website.publicKey }, null)).widgetTriggers
          .length === 1,
      'on again',
    );
    assert.deepEqual(page.errors, []);
  });

  test('an agent sees automations and triggers read-only, and the API refuses them', async () => {
    await addAgent(server, token, AGENT);
    const agent = await signIn(browser, server, AGENT);
    await agent.getByRole('link', { name: 'Settings', exact: true }).click();
    await agent.getByRole('link', { name: 'Automations' }).click();
    await agent.getByRole('list', { name: 'Automations' }).getByText('Refunds').waitFor();
    await agent.getByRole('note').getByText('Only owners and admins can change automations').waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Add an automation' }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Edit Refunds' }).count(), 0);
    assert.equal(await agent.getByLabel('Refunds enabled').count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Delete Refunds' }).count(), 0);
    await agent.getByRole('link', { name: 'Triggers' }).click();
    await agent.getByRole('list', { name: 'Triggers' }).getByText('Pricing help').waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Add a trigger' }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Edit Pricing help' }).count(), 0);
    const refused = await gql(
      server,
      'mutation { createAutomation(input: { name: "Mine", event: CONVERSATION_CREATED, actions: { tags: ["x"] } }) { id } }',
      {},
      await logInToken(server, AGENT),
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal((await api(AUTOMATIONS)).automations.length, 1);
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });

  test('on a phone, the automation and trigger forms fit the screen', async () => {
    const phone = await signIn(browser, server, OWNER, PHONE);
    const fits = () => phone.evaluate(() => document.documentElement.scrollWidth <= innerWidth);
    await phone.goto(`${server.origin}/app/settings/automations`);
    await phone.getByRole('list', { name: 'Automations' }).getByText('Refunds').waitFor();
    await shot(phone, 'automations-phone-list');
    await phone.getByRole('button', { name: 'Edit Refunds' }).click();
    const form = phone.getByRole('form', { name: 'Edit Refunds' });
    assert.equal(await form.getByLabel('Words or phrases').inputValue(), 'refund, money back');
    await form.getByRole('button', { name: 'Add a condition' }).click();
    const condition = form.getByRole('group', { name: 'Condition 1' });
    await condition.getByLabel('Field', { exact: true }).selectOption({ label: 'Language' });
    await condition.getByLabel('Operator').selectOption({ label: 'is set' });
    await form.getByRole('button', { name: 'Try on the last 100 conversations' }).click();
    await form.getByText(/^Would have acted on \d+ of \d+/).waitFor();
    assert.ok(await fits(), 'nothing wider than the screen');
    await shot(phone, 'automations-phone-form');
    await phone.goto(`${server.origin}/app/settings/triggers`);
    await phone.getByRole('button', { name: 'Edit Pricing help' }).click();
    await phone.getByRole('figure', { name: 'Preview' }).scrollIntoViewIfNeeded();
    assert.ok(await fits(), 'nothing wider than the screen');
    await shot(phone, 'triggers-phone-form');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('rules on Language and Department save and come back, and a rule’s dry run counts', async () => {
    const { createDepartment } = await api('mutation { createDepartment(name: "Billing") { id } }');
    await page.goto(`${server.origin}/app/settings/routing`);
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name').fill('French billing');
    const language = form.getByRole('group', { name: 'Condition 1' });
    await language.getByLabel('Field', { exact: true }).selectOption({ label: 'Language' });
    assert.deepEqual(await language.getByLabel('Operator').locator('option').allTextContents(), [
      'is',
      'is not',
      'starts with',
      'is one of',
      'is set',
    ]);
    await language.getByLabel('Operator').selectOption({ label: 'starts with' });
    await language.getByLabel('Value').fill('fr');
    await language.getByText('“starts with fr” matches every French').waitFor();
    await form.getByRole('button', { name: 'Add a condition' }).click();
    const department = form.getByRole('group', { name: 'Condition 2' });
    await department.getByLabel('Field', { exact: true }).selectOption({ label: 'Department' });
    assert.deepEqual(await department.getByLabel('Operator').locator('option').allTextContents(), [
      'is',
      'is not',
      'is one of',
      'is set',
    ]);
    await department.getByLabel('Value').selectOption({ label: 'Billing' });
    await form.getByLabel('Tags').fill('french');
    await form.getByRole('button', { name: 'Try on the last 100 conversations' }).click();
    await form.getByText(/^Would have matched 0 of \d+/).waitFor();
    await shot(form, 'rules-language-department');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByText('French billing added').waitFor();
    const { routingRules } = await api('query { routingRules { name conditions { field operator key value values } } }');
    assert.deepEqual(routingRules, [
      {
        name: 'French billing',
        conditions: [
          { field: 'LANGUAGE', operator: 'STARTS_WITH', key: null, value: 'fr', values: [] },
          { field: 'DEPARTMENT', operator: 'EQUALS', key: null, value: createDepartment.id, values: [] },
        ],
      },
    ]);
    await page.reload();
    await page
      .getByRole('list', { name: 'Routing rules' })
      .getByText('If Language starts with “fr” and Department is Billing → tags french')
      .waitFor();
    await page.getByRole('button', { name: 'Edit French billing' }).click();
    const edit = page.getByRole('form', { name: 'Edit French billing' });
    const c1 = edit.getByRole('group', { name: 'Condition 1' });
    const c2 = edit.getByRole('group', { name: 'Condition 2' });
    assert.deepEqual(
      [
        await c1.getByLabel('Field', { exact: true }).inputValue(),
        await c1.getByLabel('Operator').inputValue(),
        await c1.getByLabel('Value').inputValue(),
        await c2.getByLabel('Field', { exact: true }).inputValue(),
        await c2.getByLabel('Operator').inputValue(),
        await c2.getByLabel('Value').inputValue(),
      ],
      ['LANGUAGE', 'STARTS_WITH', 'fr', 'DEPARTMENT', 'EQUALS', createDepartment.id],
    );
    // Department is one of: a list to tick.
    await c2.getByLabel('Operator').selectOption({ label: 'is one of' });
    await c2.getByRole('group', { name: 'Values' }).getByLabel('Billing').check();
    await shot(edit, 'rules-department-in');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('French billing saved').waitFor();
    const saved = await api('query { routingRules { conditions { field operator value values } } }');
    assert.deepEqual(saved.routingRules[0].conditions[1], {
      field: 'DEPARTMENT',
      operator: 'IN',
      value: null,
      values: [createDepartment.id],
    });
    assert.deepEqual(page.errors, []);
  });

  test('"Sort: due first" is the server’s order: the chat due soonest comes first beyond the first page, and moves up live', async () => {
    await api(
      'mutation { createSlaPolicy(input: { name: "Everyone", firstResponseSeconds: 7200, businessHours: false }) { id } }',
    );
    await api(
      'mutation { createSlaPolicy(input: { name: "Urgent", priority: URGENT, firstResponseSeconds: 600, businessHours: false }) { id } }',
    );
    // The oldest chat is the urgent one; then more chats than a page (50) holds.
    const oldest = await visitor('Olga Oldest', 'My rug arrived torn');
    await api('mutation($id: ID!) { setConversationPriority(conversationId: $id, priority: URGENT) { id } }', { id: oldest });
    const later = [];
    for (let i = 0; i < 52; i++) later.push(await visitor(`Visitor ${i}`, `Question ${i}`));
    const order = (p) =>
      p.locator('[data-conversation]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-conversation')));

    await page.goto(`${server.origin}/app/inbox/all`);
    await row(page, later[51]).waitFor();
    assert.equal(await row(page, oldest).count(), 0, 'by latest activity, the oldest is beyond the first page');
    await page.getByLabel('Sort').selectOption({ label: 'due first' });
    await until(async () => (await order(page))[0] === oldest, 'the urgent chat first');
    // Then the others by their due time: the earliest written first.
    assert.deepEqual((await order(page)).slice(1, 4), later.slice(0, 3));
    await shot(page, 'inbox-due-first');

    // Live: a chat made urgent moves up to second, without a reload.
    const moved = later[40];
    await api('mutation($id: ID!) { setConversationPriority(conversationId: $id, priority: URGENT) { id } }', { id: moved });
    await until(async () => (await order(page)).slice(0, 2).join() === [oldest, moved].join(), 'the urgent chat moved up');
    assert.deepEqual(page.errors, []);

    // The same on a phone.
    const phone = await signIn(browser, server, OWNER, PHONE);
    await phone.goto(`${server.origin}/app/inbox/all?sort=due`);
    await until(async () => (await order(phone))[0] === oldest, 'due first on a phone');
    await shot(phone, 'inbox-due-first-phone');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });
});
