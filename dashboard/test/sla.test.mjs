// SLA policies, the reassign setting and the inbox's small fixes (docs/routing.md), in
// Debian's Chromium against a real `chinwag serve`: an owner adds SLA policies under
// Settings › Routing (a refusal shows under the form), visitors write through the SDK, and
// the inbox's rows and the conversation's header show "Due in 1 min" in amber at once for a
// one-minute first-response target, nothing once it is met (a reply), a neutral due time
// for a longer one, and red once a target is missed, without a reload; "Sort: due first"
// orders the list by due time; an agent sees the policies read-only. Also: the reassign
// setting saves (and refuses 5 s) and survives a reload; the tag filter and the order
// survive a reload; at 390 px the priority select is whole; the estimated wait shows beside
// the place in line; server-set attributes are listed apart ("From your site") and a
// vouched-for email is marked "verified".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import { PHONE, addAgent, gql, launchBrowser, logInToken, shot, signIn, signUpOwner, startServer, until } from './harness.mjs';

const OWNER = { org: 'Tind Tea', name: 'Tora Tind', email: 'tora@tind.test', password: 'steep leaves 12' };
const AGENT = { name: 'Ulf Ulvang', email: 'ulf@tind.test', password: 'green sencha 4' };
const POLICIES =
  'query { slaPolicies { name department { name } priority firstResponseSeconds nextResponseSeconds resolutionSeconds businessHours } }';
const CONVERSATION = 'query($id: ID!) { conversation(id: $id) { slaStatus firstResponseDueAt resolutionDueAt } }';

describe('SLA policies and the inbox', () => {
  let server, browser, token, page, website;
  const clients = [];
  /** Conversation ids by what the test calls them. */
  const chats = {};

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    website = (
      await gql(server, 'mutation { createWebsite(input: { name: "Tind shop" }) { id publicKey identitySecret } }', {}, token)
    ).data.createWebsite;
    page = await signIn(browser, server, OWNER);
  });
  after(async () => {
    clients.forEach((c) => c.dispose());
    await browser?.close();
    await server?.stop();
  });

  const api = async (query, variables) => {
    const r = await gql(server, query, variables, token);
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  /** A visitor of the shop, through the SDK, who writes `text`; resolves to the conversation's id. */
  async function visitor(name, text, options = {}) {
    const v = createVisitorClient({
      url: server.graphql,
      websiteKey: website.publicKey,
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
      name,
      ...options,
    });
    clients.push(v);
    return (await v.startConversation(text)).id;
  }
  const row = (p, id) => p.locator(`[data-conversation="${id}"]`);
  /** The SLA badge of a row (or of the open conversation's header), as `tone: text`; '' without one. */
  const badge = (locator) =>
    locator.evaluateAll((els) => {
      const b = els[0]?.querySelector('[data-sla]');
      return b ? `${b.dataset.sla}: ${b.textContent}` : '';
    });
  const header = () => page.locator('.conv-title');

  test('an owner adds SLA policies; a one-minute target shows "Due in 1 min" in amber at once, and a reply meets it', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Routing' }).click();
    const section = page.locator('section.panel', { has: page.getByRole('heading', { name: 'SLA policies' }) });
    await section.getByText('No SLA policies').waitFor();

    // A policy without a target is refused, and nothing is saved.
    await section.getByRole('button', { name: 'Add a policy' }).click();
    const form = section.getByRole('form', { name: 'New SLA policy' });
    await form.getByLabel('Name').fill('Everyone');
    await form.getByRole('button', { name: 'Add SLA policy' }).click();
    await form.getByRole('alert').waitFor();
    assert.match(await form.getByRole('alert').textContent(), /first-response, next-response or resolution target/);
    assert.deepEqual((await api(POLICIES)).slaPolicies, []);

    // One minute for the first reply, any department and priority, business hours (the
    // website has none: around the clock).
    await form.getByLabel('First response within', { exact: true }).fill('1');
    assert.equal(await form.getByLabel('Department').inputValue(), '');
    assert.equal(await form.getByLabel('Count business hours only').isChecked(), true);
    await form.getByRole('button', { name: 'Add SLA policy' }).click();
    await page.getByText('Everyone added').waitFor();

    // Urgent chats: 15 minutes, then 2 hours to resolve, edited to 4 hours and 30 minutes for
    // each next reply, counted around the clock.
    await section.getByRole('button', { name: 'Add a policy' }).click();
    await form.getByLabel('Name').fill('Urgent');
    await form.getByLabel('Priority').selectOption({ label: 'Urgent' });
    await form.getByLabel('First response within', { exact: true }).fill('15');
    await form.getByLabel('Resolution within', { exact: true }).fill('2');
    await form.getByLabel('Resolution within: unit').selectOption({ label: 'hours' });
    await form.getByLabel('Count business hours only').uncheck();
    await form.getByRole('button', { name: 'Add SLA policy' }).click();
    await page.getByText('Urgent added').waitFor();
    await section.getByRole('button', { name: 'Edit Urgent' }).click();
    const edit = section.getByRole('form', { name: 'Edit Urgent' });
    assert.equal(await edit.getByLabel('Resolution within', { exact: true }).inputValue(), '2');
    await edit.getByLabel('Resolution within', { exact: true }).fill('4');
    await edit.getByLabel('Next response within', { exact: true }).fill('30');
    await edit.getByRole('button', { name: 'Save SLA policy' }).click();
    await page.getByText('Urgent saved').waitFor();
    const list = section.getByRole('list', { name: 'SLA policies' });
    await list
      .getByText(
        'Any department, urgent priority: first response within 15 min; next response within 30 min; resolution within 4 h, around the clock',
      )
      .waitFor();
    await list.getByText('Any department, any priority: first response within 1 min, in business hours').waitFor();
    assert.deepEqual((await api(POLICIES)).slaPolicies, [
      {
        name: 'Everyone',
        department: null,
        priority: null,
        firstResponseSeconds: 60,
        nextResponseSeconds: null,
        resolutionSeconds: null,
        businessHours: true,
      },
      {
        name: 'Urgent',
        department: null,
        priority: 'URGENT',
        firstResponseSeconds: 900,
        nextResponseSeconds: 1800,
        resolutionSeconds: 14400,
        businessHours: false,
      },
    ]);
    // A third, deleted after a confirmation.
    await section.getByRole('button', { name: 'Add a policy' }).click();
    await form.getByLabel('Name').fill('Spare');
    await form.getByLabel('Resolution within', { exact: true }).fill('3');
    await form.getByLabel('Resolution within: unit').selectOption({ label: 'hours' });
    await form.getByRole('button', { name: 'Add SLA policy' }).click();
    await page.getByText('Spare added').waitFor();
    await shot(section, 'sla-settings');
    await section.getByRole('button', { name: 'Delete Spare' }).click();
    await page.getByRole('dialog', { name: 'Delete Spare?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Spare deleted').waitFor();
    assert.equal((await api(POLICIES)).slaPolicies.length, 2);

    // Three visitors write: one will be answered, one left to miss its target, one made urgent.
    chats.answered = await visitor('Ada Answered', 'Where is my order?');
    chats.missed = await visitor('Mo Missed', 'Hello? Anyone?');
    chats.urgent = await visitor('Una Urgent', 'My kettle is leaking!');
    await until(async () => (await api(CONVERSATION, { id: chats.urgent })).conversation.firstResponseDueAt, 'the due times');

    await page.getByRole('link', { name: 'Inbox' }).click();
    for (const id of [chats.answered, chats.missed, chats.urgent])
      await until(async () => (await badge(row(page, id))) === 'near: Due in 1 min', 'Due in 1 min, amber, at once');
    await row(page, chats.answered).click();
    await until(async () => (await badge(header())) === 'near: Due in 1 min', 'the header’s badge');
    const colour = await header()
      .locator('[data-sla]')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(colour, 'rgb(254, 243, 199)', 'amber');

    // Urgent: its own policy's 15 minutes, on track (neutral).
    await row(page, chats.urgent).click();
    await page.getByLabel('Priority').selectOption('URGENT');
    await until(async () => /^on-track: Due in 1[45] min$/.test(await badge(row(page, chats.urgent))), 'the urgent policy');
    await until(async () => /^on-track: Due in 1[45] min$/.test(await badge(header())), 'the header follows');

    // A reply meets the one-minute target: the badge goes, in the list and the header.
    await row(page, chats.answered).click();
    await page.getByLabel('Reply').fill('It left our shop this morning.');
    await page.getByLabel('Reply').press('Enter');
    await until(async () => (await badge(row(page, chats.answered))) === '', 'the row’s badge gone');
    await until(async () => (await badge(header())) === '', 'the header’s badge gone');
    assert.equal((await api(CONVERSATION, { id: chats.answered })).conversation.slaStatus, 'MET');
    assert.deepEqual(page.errors, []);
  });

  test('"Sort: due first" orders the list by due time, and survives a reload', async () => {
    await page.goto(`${server.origin}/app/inbox/all`);
    const order = () =>
      page.locator('[data-conversation]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-conversation')));
    // Latest activity first: the answered chat, then the urgent, then the missed one.
    await until(async () => (await order()).join() === [chats.answered, chats.urgent, chats.missed].join(), 'by activity');
    await page.getByLabel('Sort').selectOption({ label: 'due first' });
    await until(async () => (await order()).join() === [chats.missed, chats.urgent, chats.answered].join(), 'due first');
    assert.match(page.url(), /[?&]sort=due\b/);
    await page.reload();
    await until(async () => (await order()).join() === [chats.missed, chats.urgent, chats.answered].join(), 'still due first');
    assert.equal(await page.getByLabel('Sort').inputValue(), 'due');
    await page.getByLabel('Sort').selectOption({ label: 'latest activity' });
    await until(async () => !page.url().includes('sort='), 'the order out of the URL');
  });

  test('the tag filter survives a reload', async () => {
    await api('mutation($id: ID!) { setConversationTags(conversationId: $id, tags: ["vip"]) { id } }', { id: chats.urgent });
    await page.goto(`${server.origin}/app/inbox/all`);
    await row(page, chats.missed).waitFor();
    await page.getByLabel('Filter by tag').fill('VIP');
    await until(async () => new URL(page.url()).searchParams.get('tag') === 'vip', 'the tag in the URL');
    await until(async () => (await row(page, chats.missed).count()) === 0, 'only the tagged chat');
    await page.reload();
    await row(page, chats.urgent).waitFor();
    assert.equal(await page.getByLabel('Filter by tag').inputValue(), 'vip');
    assert.equal(await row(page, chats.missed).count(), 0);
    // Opening a chat and switching views keep it.
    await row(page, chats.urgent).click();
    await until(async () => page.url().includes(`/inbox/all/${chats.urgent}?tag=vip`), 'kept when a chat opens');
    await page.getByRole('radio', { name: 'Unassigned' }).click();
    await until(async () => /\/inbox\/unassigned\?tag=vip$/.test(page.url()), 'kept across views');
    await page.getByLabel('Filter by tag').fill('');
    await until(async () => !page.url().includes('tag='), 'the filter cleared');
    await row(page, chats.missed).waitFor();
  });

  test('the reassign setting saves, shows what the server refuses, and survives a reload', async () => {
    const reassign = async () =>
      (await api('query { routingSettings { reassignAfterSeconds } }')).routingSettings.reassignAfterSeconds;
    await page.goto(`${server.origin}/app/settings/routing`);
    const field = page.getByLabel('Reassign unanswered chats after (seconds)');
    assert.equal(await field.inputValue(), '', 'never: empty');
    const form = page.getByRole('form', { name: 'Routing settings' });
    await field.fill('5');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await form.getByRole('alert').waitFor();
    assert.equal(await form.getByRole('alert').textContent(), 'Reassign after must be 0 (never) or 10 to 3600');
    assert.equal(await reassign(), 0);
    await field.fill('120');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await page.getByText('Routing saved').waitFor();
    assert.equal(await form.getByRole('alert').count(), 0);
    assert.equal(await reassign(), 120);
    await page.reload();
    assert.equal(await page.getByLabel('Reassign unanswered chats after (seconds)').inputValue(), '120');
    await page.getByLabel('Reassign unanswered chats after (seconds)').fill('');
    await form.getByRole('button', { name: 'Save routing' }).click();
    await until(async () => (await reassign()) === 0, 'never again');
  });

  test('an agent sees the SLA policies read-only, and the API refuses them', async () => {
    await addAgent(server, token, AGENT);
    const agent = await signIn(browser, server, AGENT);
    await agent.goto(`${server.origin}/app/settings/routing`);
    const list = agent.getByRole('list', { name: 'SLA policies' });
    await list.getByText('Everyone').waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Add a policy' }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Edit Everyone' }).count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Delete Everyone' }).count(), 0);
    const refused = await gql(
      server,
      'mutation { createSlaPolicy(input: { name: "Mine", firstResponseSeconds: 60 }) { id } }',
      {},
      await logInToken(server, AGENT),
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });

  test('server-set attributes are listed apart, and a vouched-for email is marked verified', async () => {
    const secret = website.identitySecret;
    const hmac = (text) => createHmac('sha256', secret).update(text).digest('hex');
    const email = 'petra@example.com';
    const id = await visitor('Petra Plan', 'Can I upgrade?', {
      externalId: 'cust-7',
      userHash: hmac('cust-7'),
      email,
      emailHash: hmac(`email:${email}`),
      attributes: { favourite_tea: 'Oolong' },
    });
    await api('mutation($i: SetVisitorAttributesInput!) { setVisitorAttributes(input: $i) { id } }', {
      i: {
        websiteId: website.id,
        externalId: 'cust-7',
        attributes: [
          { key: 'plan', value: 'Pro' },
          { key: 'lifetime_value', value: '420' },
        ],
      },
    });
    const sidebar = page.getByRole('complementary', { name: 'Visitor details' });
    const open = async (id, name) => {
      await page.goto(`${server.origin}/app/inbox/all/${id}`);
      await page.getByRole('heading', { name }).waitFor();
      await page.getByRole('button', { name: 'Show visitor details' }).click();
    };
    await open(id, 'Petra Plan');
    const site = sidebar.getByRole('region', { name: 'From your site' });
    await site.waitFor();
    assert.equal((await site.locator('dt').allInnerTexts()).join(' | '), 'Lifetime value | Plan');
    assert.equal((await site.locator('dd').allInnerTexts()).join(' | '), '420 | Pro');
    const told = sidebar.getByRole('region', { name: 'What they told us' });
    assert.equal((await told.locator('dt').allInnerTexts()).join(' | '), 'Favourite tea');
    await sidebar.locator('.verified').getByText('verified').waitFor();
    await shot(sidebar, 'sla-visitor-from-your-site');
    // An email nobody vouched for has no mark.
    const plain = await visitor('Quinn Plain', 'Hi', { email: 'quinn@example.com' });
    await open(plain, 'Quinn Plain');
    await sidebar.getByText('quinn@example.com').waitFor();
    assert.equal(await sidebar.locator('.verified').count(), 0);
    assert.deepEqual(page.errors, []);
  });

  test('the estimated wait shows beside the place in line', async () => {
    // Three chats answered in the last 30 minutes give the line a pace: about 10 minutes a chat.
    const me = (await api('query { me { id } }')).me.id;
    for (const [name, text] of [
      ['Rita Rask', 'One'],
      ['Sam Snar', 'Two'],
    ]) {
      const id = await visitor(name, text);
      await api('mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
        i: { conversationId: id, body: 'Hello!' },
      });
      await api('mutation($i: AssignConversationInput!) { assignConversation(input: $i) { id } }', {
        i: { conversationId: id, agentId: me },
      });
    }
    const waiting = await visitor('Vida Vent', 'Still waiting here');
    const seconds = await until(
      async () =>
        (await api('query($id: ID!) { conversation(id: $id) { estimatedWaitSeconds } }', { id: waiting })).conversation
          .estimatedWaitSeconds,
      'an estimate',
    );
    // Whole minutes: "~50 min", "~1 h 10 min".
    const minutes = Math.round(seconds / 60);
    const expected =
      minutes < 60 ? `~${minutes} min` : `~${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
    await page.goto(`${server.origin}/app/inbox/unassigned`);
    const meta = row(page, waiting).locator('.row-meta');
    await until(
      async () => new RegExp(`#\\d+ in line${expected}`).test((await meta.textContent()) ?? ''),
      `${expected} in the row`,
    );
    await row(page, waiting).click();
    await until(async () => ((await header().textContent()) ?? '').includes(expected), 'the estimated wait in the header');
  });

  test('at 390 px the priority select is whole, and the list shows SLA badges', async () => {
    const phone = await signIn(browser, server, OWNER, PHONE);
    await phone.goto(`${server.origin}/app/inbox/all`);
    await until(async () => (await badge(row(phone, chats.urgent))).startsWith('on-track: '), 'a badge on the phone');
    await shot(phone, 'sla-phone-inbox');
    // (The answered chat: its target is met, and stays met at another priority.)
    await row(phone, chats.answered).click();
    const select = phone.getByLabel('Priority');
    await select.waitFor();
    const at = await select.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const line = el.parentElement.getBoundingClientRect();
      return {
        left: r.left,
        right: r.right,
        top: r.top,
        bottom: r.bottom,
        clip: line.right,
        hits: [r.left + 2, r.right - 2].every((x) => document.elementFromPoint(x, (r.top + r.bottom) / 2) === el),
      };
    });
    assert.ok(at.left >= 0 && at.right <= 390 && at.top >= 0 && at.bottom <= 844, `within the viewport: ${JSON.stringify(at)}`);
    assert.ok(at.right <= at.clip, `not cut by its line: ${JSON.stringify(at)}`);
    assert.ok(at.hits, 'nothing covers it');
    await select.selectOption('HIGH');
    await until(
      async () =>
        (await api('query($id: ID!) { conversation(id: $id) { priority } }', { id: chats.answered })).conversation.priority ===
        'HIGH',
      'high priority',
    );
    await shot(phone, 'sla-phone-conversation');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('a missed target turns red without a reload', async () => {
    await page.goto(`${server.origin}/app/inbox/all?sort=due`);
    await row(page, chats.missed).click();
    // Due a minute after the visitor wrote: the server's event, or the minute's tick, turns it.
    await until(async () => (await badge(row(page, chats.missed))) === 'breached: Breached', 'breached in the row', 75_000);
    await until(async () => (await badge(header())) === 'breached: Breached', 'breached in the header');
    assert.equal((await api(CONVERSATION, { id: chats.missed })).conversation.slaStatus, 'BREACHED');
    await shot(page, 'sla-inbox-badges');
    assert.deepEqual(page.errors, []);
  });
});
