/**
 * The router's setup beyond rules through the agent client (docs/routing.md): triggers,
 * automations, dry runs, live visitors, and the queue sorted by due time.
 */
import { describe, expect, it } from 'vitest';
import { isChinwagError } from '../src/index.js';
import { organization, serverUrl, until, visitorClient } from './helpers.js';

/** What a rejected promise was rejected with. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('automations', () => {
  it('creates an automation and lists it; orders, updates and deletes them; a bad one changes nothing', async () => {
    const { owner } = await organization();
    expect(await owner.automations()).toEqual([]);
    const refunds = await owner.createAutomation({
      name: 'Refunds',
      event: 'MESSAGE_RECEIVED',
      keywords: ['refund', 'money back'],
      actions: { message: 'A refund? We are on it.', tags: ['Refund'], priority: 'HIGH' },
    });
    expect(refunds).toMatchObject({
      name: 'Refunds',
      enabled: true,
      position: 1,
      event: 'MESSAGE_RECEIVED',
      conditions: [],
      keywords: ['refund', 'money back'],
      minutes: null,
      ratingAtMost: null,
      actions: { message: 'A refund? We are on it.', priority: 'HIGH', resolve: false, assignTo: null },
    });
    expect(await owner.automations()).toEqual([refunds]);

    const waiting = await owner.createAutomation({
      name: 'Sorry for the wait',
      event: 'NO_REPLY',
      minutes: 5,
      actions: { message: 'Sorry for the wait, someone is coming.' },
    });
    expect(waiting).toMatchObject({ position: 2, minutes: 5 });
    const refused = await Promise.all([
      failure(owner.createAutomation({ name: 'No minutes', event: 'NO_REPLY', actions: { message: 'x' } })),
      failure(owner.createAutomation({ name: 'No action', event: 'CONVERSATION_CREATED', actions: {} })),
      failure(owner.updateAutomation('aut_missing', { name: 'x', event: 'CONVERSATION_CREATED', actions: { tags: ['x'] } })),
    ]);
    expect(refused.map((e) => (isChinwagError(e) ? e.code : String(e)))).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'NOT_FOUND',
    ]);
    expect((await owner.automations()).map((a) => a.name)).toEqual(['Refunds', 'Sorry for the wait']);

    const ordered = await owner.orderAutomations([waiting.id, refunds.id]);
    expect(ordered.map((a) => [a.name, a.position])).toEqual([
      ['Sorry for the wait', 1],
      ['Refunds', 2],
    ]);
    const off = await owner.updateAutomation(waiting.id, {
      name: 'Sorry for the wait',
      enabled: false,
      event: 'NO_REPLY',
      minutes: 10,
      actions: { message: 'Sorry for the wait.' },
    });
    expect(off).toMatchObject({ enabled: false, position: 1, minutes: 10 });
    expect(await owner.deleteAutomation(waiting.id)).toBe(true);
    expect((await owner.automations()).map((a) => a.id)).toEqual([refunds.id]);
  });
});

describe('dry runs', () => {
  it('a routing-rule dry run returns checked and matched and saves nothing; so does an automation dry run', async () => {
    const { owner, websiteKey } = await organization();
    const sales = visitorClient(websiteKey);
    await sales.introduce({ attributes: { topic: 'sales' } });
    const { id } = await sales.startConversation('I want to buy');
    await visitorClient(websiteKey).startConversation('Where is my parcel?');

    const rule = {
      name: 'Sales questions',
      conditions: [{ field: 'VISITOR_ATTRIBUTE' as const, operator: 'EQUALS' as const, key: 'topic', value: 'Sales' }],
      actions: { tags: ['sales'] },
    };
    const run = await owner.routingRuleDryRun(rule);
    expect(run).toMatchObject({ checked: 2, matched: 1 });
    expect(run.conversations.map((c) => c.id)).toEqual([id]);
    const everyone = await owner.routingRuleDryRun({ name: 'Everyone', conditions: [], actions: { tags: ['x'] } });
    expect(everyone).toMatchObject({ checked: 2, matched: 2 });
    // Checked as a rule to create is: nothing saved either way.
    expect(isChinwagError(await failure(owner.routingRuleDryRun({ ...rule, actions: {} })), 'BAD_USER_INPUT')).toBe(true);
    expect(await owner.routingRules()).toEqual([]);

    const created = await owner.automationDryRun({
      name: 'Welcome',
      event: 'CONVERSATION_CREATED',
      actions: { message: 'Welcome!' },
    });
    expect(created).toMatchObject({ checked: 2, matched: 2 });
    const refund = await owner.automationDryRun({
      name: 'Refunds',
      event: 'MESSAGE_RECEIVED',
      keywords: ['refund'],
      actions: { tags: ['refund'] },
    });
    expect(refund).toMatchObject({ checked: 2, matched: 0, conversations: [] });
    expect(await owner.automations()).toEqual([]);
  });
});

describe('triggers', () => {
  it("creates, lists, orders, updates and deletes a website's triggers, and dry-runs conditions", async () => {
    const { owner, websiteId } = await organization();
    const pricing = await owner.createTrigger(websiteId, {
      name: 'Pricing help',
      conditions: [
        { field: 'PAGE_URL', operator: 'CONTAINS', value: '/pricing' },
        { field: 'TIME_ON_PAGE', operator: 'AT_LEAST', value: '20' },
      ],
      message: 'Questions about our plans?',
    });
    expect(pricing).toMatchObject({
      websiteId,
      name: 'Pricing help',
      enabled: true,
      position: 1,
      agentId: null,
      openPanel: false,
      conditions: [
        { field: 'PAGE_URL', operator: 'CONTAINS', value: '/pricing', values: [] },
        { field: 'TIME_ON_PAGE', operator: 'AT_LEAST', value: '20', values: [] },
      ],
    });
    const hello = await owner.createTrigger(websiteId, { name: 'Hello', conditions: [], message: 'Hi there!', openPanel: true });
    expect(hello.position).toBe(2);
    expect((await owner.triggers(websiteId)).map((t) => t.id)).toEqual([pricing.id, hello.id]);
    expect((await owner.triggers()).map((t) => t.id)).toEqual([pricing.id, hello.id]);
    const bad = await failure(owner.createTrigger(websiteId, { name: 'Empty', conditions: [], message: '' }));
    expect(isChinwagError(bad, 'BAD_USER_INPUT')).toBe(true);

    const ordered = await owner.orderTriggers(websiteId, [hello.id, pricing.id]);
    expect(ordered.map((t) => [t.name, t.position])).toEqual([
      ['Hello', 1],
      ['Pricing help', 2],
    ]);
    const off = await owner.updateTrigger(hello.id, { name: 'Hello', enabled: false, conditions: [], message: 'Hello!' });
    expect(off).toMatchObject({ enabled: false, message: 'Hello!', position: 1, openPanel: false });
    expect(await owner.deleteTrigger(hello.id)).toBe(true);
    expect((await owner.triggers(websiteId)).map((t) => t.id)).toEqual([pricing.id]);

    // No visitor has chatted, so there are no page views to check.
    const run = await owner.triggerDryRun(websiteId, [{ field: 'PAGE_URL', operator: 'CONTAINS', value: '/pricing' }]);
    expect(run).toEqual({ checked: 0, matched: 0, pages: [] });
  });
});

describe('live visitors', () => {
  it('lists none for a website without beacons; with live presence on, a beacon is listed and an agent writes to it', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    expect(await owner.liveVisitors(websiteId)).toEqual([]);
    expect(await owner.liveVisitors()).toEqual([]);

    await owner.request('mutation($id: ID!) { updateWebsite(id: $id, input: { livePresence: PAGE_LOAD }) { id } }', {
      id: websiteId,
    });
    const presenceId = `sdk-test-${Date.now()}`;
    const beacon = () =>
      fetch(serverUrl().replace(/\/graphql$/, '/presence'), {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ websiteKey, presenceId, url: 'https://shop.test/pricing', title: 'Pricing' }),
      });
    expect((await beacon()).status).toBe(200);
    const live = await until(async () => (await owner.liveVisitors(websiteId))[0] ?? null, 'the live visitor');
    expect(live).toMatchObject({
      presenceId,
      websiteId,
      url: 'https://shop.test/pricing',
      title: 'Pricing',
      pagesViewed: 1,
      returning: false,
      visitor: null,
    });

    const gone = await failure(owner.messageLiveVisitor(websiteId, 'nobody-here-0123456789', 'Hello?'));
    expect(isChinwagError(gone, 'NOT_FOUND')).toBe(true);
    const messageId = await owner.messageLiveVisitor(websiteId, presenceId, 'Can I help?');
    expect(messageId).toEqual(expect.any(String));
    const { messages } = (await (await beacon()).json()) as { messages: Array<{ id: string; body: string }> };
    expect(messages).toMatchObject([{ id: messageId, body: 'Can I help?' }]);
  });
});

describe('the queue by due time', () => {
  it('sorts conversations with order DUE_FIRST: the soonest SLA due time first, those with nothing due last', async () => {
    const { owner, websiteKey } = await organization();
    const { id: none } = await visitorClient(websiteKey).startConversation('no policy for me');
    await owner.createSlaPolicy({ name: 'Urgent', priority: 'URGENT', firstResponseSeconds: 120, businessHours: false });
    await owner.createSlaPolicy({ name: 'High', priority: 'HIGH', firstResponseSeconds: 3600, businessHours: false });
    const { id: later } = await visitorClient(websiteKey).startConversation('high');
    const { id: soon } = await visitorClient(websiteKey).startConversation('urgent');
    await owner.setConversationPriority(later, 'HIGH');
    await owner.setConversationPriority(soon, 'URGENT');
    const ids = async (order?: 'DUE_FIRST' | 'RECENT') => (await owner.conversations({ order })).nodes.map((c) => c.id);
    await until(async () => (await ids('DUE_FIRST'))[0] === soon, 'the due times');
    expect(await ids('DUE_FIRST')).toEqual([soon, later, none]);
    // RECENT is the default.
    expect(await ids()).toEqual(await ids('RECENT'));
  });
});
