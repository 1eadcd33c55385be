/** The Message Router through the agent and visitor clients (docs/routing.md). */
import { describe, expect, it } from 'vitest';
import { isChinwagError, type VisitorConversation } from '../src/index.js';
import { agentClient, organization, until, visitorClient } from './helpers.js';

/** What a rejected promise was rejected with. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('routing', () => {
  it('reads and changes the settings, refuses bad values and changes nothing then', async () => {
    const { owner } = await organization();
    expect(await owner.routingSettings()).toEqual({
      assignment: 'MANUAL',
      defaultCapacity: expect.any(Number),
      pendingCounts: expect.any(Boolean),
      offlineGraceSeconds: 60,
      reassignAfterSeconds: 0,
      offerSeconds: 0,
    });
    const set = await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 3, pendingCounts: true });
    expect(set).toMatchObject({ assignment: 'ROUND_ROBIN', defaultCapacity: 3, pendingCounts: true, offlineGraceSeconds: 60 });

    for (const input of [
      { defaultCapacity: 0 },
      { defaultCapacity: 101 },
      { offlineGraceSeconds: 3601 },
      { reassignAfterSeconds: 5 },
    ]) {
      const e = await failure(owner.updateRoutingSettings({ assignment: 'LEAST_BUSY', ...input }));
      expect(isChinwagError(e, 'BAD_USER_INPUT'), String(e)).toBe(true);
    }
    expect(await owner.routingSettings()).toEqual(set);
  });

  it('sets a department mode and an agent capacity; an agent may read but not change them', async () => {
    const { owner, me } = await organization();
    const { createDepartment } = await owner.request<{ createDepartment: { id: string } }>(
      'mutation { createDepartment(name: "Sales") { id } }',
    );
    const dept = await owner.setDepartmentAssignment(createDepartment.id, 'LEAST_BUSY');
    expect(dept).toEqual({ id: createDepartment.id, name: 'Sales', assignment: 'LEAST_BUSY' });
    expect((await owner.departments()).find((d) => d.id === dept.id)?.assignment).toBe('LEAST_BUSY');
    expect(await owner.setAgentCapacity(me.id, 4)).toEqual({ id: me.id, name: 'Ann', capacity: 4 });
    expect(isChinwagError(await failure(owner.setAgentCapacity(me.id, 101)), 'BAD_USER_INPUT')).toBe(true);

    const { inviteAgent } = await owner.request<{ inviteAgent: { token: string } }>(
      'mutation { inviteAgent(input: { email: "bo@acme.test", role: AGENT }) { token } }',
    );
    const bo = agentClient();
    const { acceptInvite } = await bo.request<{ acceptInvite: { accessToken: string; refreshToken: string } }>(
      'mutation($t: String!) { acceptInvite(input: { token: $t, name: "Bo", password: "another good password" }) { accessToken refreshToken } }',
      { t: inviteAgent.token },
    );
    const agent = agentClient({ session: acceptInvite });
    expect((await agent.routingSettings()).assignment).toBe('MANUAL');
    const refused = await Promise.all([
      failure(agent.updateRoutingSettings({ assignment: 'ROUND_ROBIN' })),
      failure(agent.setDepartmentAssignment(dept.id, 'MANUAL')),
      failure(agent.setAgentCapacity(me.id, 1)),
    ]);
    expect(refused.map((e) => isChinwagError(e, 'FORBIDDEN'))).toEqual([true, true, true]);
  });

  it('tells a waiting visitor its place, live, and who took the chat; agents see priority and why it was routed', async () => {
    const { owner, me, websiteKey } = await organization();
    await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 1 });
    const first = await visitorClient(websiteKey).startConversation('first');
    const second = visitorClient(websiteKey);
    const { id } = await second.startConversation('second');
    await until(async () => (await owner.conversations()).nodes.find((c) => c.id === id)?.queuePosition === 2, 'place 2');

    // The agent ranks the second chat first.
    const ranked = await owner.setConversationPriority(id, 'URGENT');
    expect(ranked).toMatchObject({ priority: 'URGENT', queuePosition: 1, routedBy: null });
    // Visitors never see how the team ranks them.
    const updates: VisitorConversation[] = [];
    const live = second.openConversation(id);
    live.subscribe((s) => s.conversation && updates.push(s.conversation));
    await until(() => live.state.conversation?.queuePosition === 1, "the visitor's place");
    expect(live.state.conversation).not.toHaveProperty('priority');

    // Ann comes online (status and a socket): the urgent chat is hers, the other waits.
    await owner.setAgentStatus('ONLINE');
    owner.inboxEvents({ event: () => {} });
    await until(() => live.state.conversation?.assigneeName === 'Ann', 'the assignment, live');
    expect(live.state.conversation?.queuePosition).toBeNull();
    const mine = (await owner.conversations()).nodes.find((c) => c.id === id)!;
    expect(mine).toMatchObject({ assignee: { id: me.id }, routedBy: 'round robin', queuePosition: null });
    expect((await owner.conversations()).nodes.find((c) => c.id === first.id)?.queuePosition).toBe(1);
  });
  it('a stream asked for the current conversation begins with it as it is, changes made before it included', async () => {
    const { owner, websiteKey } = await organization();
    await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN' });
    await visitorClient(websiteKey).startConversation('first');
    const { id } = await visitorClient(websiteKey).startConversation('second');
    await until(async () => (await owner.conversations()).nodes.find((c) => c.id === id)?.queuePosition === 2, 'place 2');
    await owner.setConversationPriority(id, 'URGENT');
    // Subscribed after the change: without `current` nothing tells of it; with it, `updated` first.
    const seen: { current: boolean; queuePosition: number | null; priority: string }[] = [];
    const stops = [true, false].map((current) =>
      owner.conversationEvents(
        id,
        { updated: (c) => seen.push({ current, queuePosition: c.queuePosition, priority: c.priority }) },
        { current },
      ),
    );
    await until(() => seen.length > 0, 'the current conversation');
    await new Promise((r) => setTimeout(r, 200));
    stops.forEach((stop) => stop());
    expect(seen).toEqual([{ current: true, queuePosition: 1, priority: 'URGENT' }]);
  });
});
describe('routing rules and tags', () => {
  it('creates, orders, updates and deletes rules; a matching rule routes and tags a new chat; bad rules change nothing', async () => {
    const { owner, websiteKey } = await organization();
    const { createDepartment: sales } = await owner.request<{ createDepartment: { id: string } }>(
      'mutation { createDepartment(name: "Sales") { id } }',
    );
    const rule = await owner.createRoutingRule({
      name: 'Sales questions',
      conditions: [{ field: 'VISITOR_ATTRIBUTE', operator: 'EQUALS', key: 'topic', value: 'Sales' }],
      actions: { departmentId: sales.id, priority: 'HIGH', tags: ['Sales'] },
    });
    expect(rule).toMatchObject({
      name: 'Sales questions',
      enabled: true,
      position: 1,
      conditions: [{ field: 'VISITOR_ATTRIBUTE', operator: 'EQUALS', key: 'topic', value: 'Sales', values: [] }],
      actions: { departmentId: sales.id, priority: 'HIGH', tags: ['sales'] },
    });
    const fallback = await owner.createRoutingRule({ name: 'Everyone else', conditions: [], actions: { tags: ['general'] } });
    expect(fallback.position).toBe(2);
    const refused = await Promise.all([
      failure(
        owner.createRoutingRule({
          name: 'No key',
          conditions: [{ field: 'PRE_CHAT', operator: 'EQUALS', value: 'x' }],
          actions: { tags: ['x'] },
        }),
      ),
      failure(owner.createRoutingRule({ name: 'No action', conditions: [], actions: {} })),
      failure(owner.updateRoutingRule('rul_missing', { name: 'x', conditions: [], actions: { tags: ['x'] } })),
    ]);
    expect(refused.map((e) => (isChinwagError(e) ? e.code : String(e)))).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'NOT_FOUND',
    ]);
    expect((await owner.routingRules()).map((r) => r.name)).toEqual(['Sales questions', 'Everyone else']);

    // The visitor says Sales: the first rule routes and tags the chat.
    const visitor = visitorClient(websiteKey);
    await visitor.introduce({ attributes: { topic: 'sales' } });
    const { id } = await visitor.startConversation('I want to buy');
    const routed = (await owner.conversations({ filter: { tag: 'sales' } })).nodes;
    expect(routed.map((c) => [c.id, c.department?.id, c.priority, c.tags])).toEqual([[id, sales.id, 'HIGH', ['sales']]]);

    // Reordered, the catch-all comes first; then it is switched off, then deleted.
    const ordered = await owner.orderRoutingRules([fallback.id, rule.id]);
    expect(ordered.map((r) => [r.name, r.position])).toEqual([
      ['Everyone else', 1],
      ['Sales questions', 2],
    ]);
    const off = await owner.updateRoutingRule(fallback.id, {
      name: 'Everyone else',
      enabled: false,
      conditions: [],
      actions: { tags: ['general'] },
    });
    expect(off).toMatchObject({ enabled: false, position: 1 });
    expect(await owner.deleteRoutingRule(fallback.id)).toBe(true);
    // The others keep their order (positions are not renumbered: a gap stays).
    expect((await owner.routingRules()).map((r) => r.name)).toEqual(['Sales questions']);

    // Agents replace tags; the queue filters by one; bad tags change nothing.
    const tagged = await owner.setConversationTags(id, ['sales', 'Refund']);
    expect(tagged.tags).toEqual(['refund', 'sales']); // lowercased, in order
    expect((await owner.conversations({ filter: { tag: 'refund' } })).nodes.map((c) => c.id)).toEqual([id]);
    expect((await owner.conversations({ filter: { tag: 'nothing' } })).nodes).toEqual([]);
    const bad = await failure(owner.setConversationTags(id, ['x'.repeat(41)]));
    expect(isChinwagError(bad, 'BAD_USER_INPUT')).toBe(true);
    expect((await owner.conversations({ filter: { tag: 'refund' } })).nodes[0]?.tags).toEqual(['refund', 'sales']);
  });

  it('manages SLA policies; a waiting chat gets due times and a status, met by the first reply', async () => {
    const { owner, websiteKey } = await organization();
    const policy = await owner.createSlaPolicy({ name: 'Everyone', firstResponseSeconds: 120, businessHours: false });
    expect(policy).toMatchObject({
      name: 'Everyone',
      department: null,
      priority: null,
      firstResponseSeconds: 120,
      resolutionSeconds: null,
      businessHours: false,
    });
    const urgent = await owner.updateSlaPolicy(policy.id, { name: 'Urgent', priority: 'URGENT', resolutionSeconds: 3600 });
    expect(urgent).toMatchObject({ name: 'Urgent', priority: 'URGENT', firstResponseSeconds: null, resolutionSeconds: 3600 });
    for (const input of [{ name: 'No target' }, { name: 'Too short', firstResponseSeconds: 59 }]) {
      expect(isChinwagError(await failure(owner.createSlaPolicy(input)), 'BAD_USER_INPUT')).toBe(true);
    }
    expect(await owner.deleteSlaPolicy(urgent.id)).toBe(true);
    expect(await owner.slaPolicies()).toEqual([]);

    await owner.createSlaPolicy({ name: 'Everyone', firstResponseSeconds: 120, businessHours: false });
    const { id } = await visitorClient(websiteKey).startConversation('Is anyone there?');
    const due = await until(async () => {
      const c = (await owner.conversations()).nodes.find((x) => x.id === id);
      return c?.firstResponseDueAt ? c : null;
    }, 'the due time');
    expect(due?.slaStatus).toBe('NEAR'); // two minutes is within ten
    await owner.sendMessage(id, 'Here!');
    await until(async () => (await owner.conversations()).nodes.find((x) => x.id === id)?.slaStatus === 'MET', 'the target met');
  });

  it('sets the organization schedule, reads it back, and refuses an unknown time zone', async () => {
    const { owner } = await organization();
    const holidays = [
      { date: '2026-12-26', name: 'Boxing Day' },
      { date: '2026-12-25', name: 'Christmas Day' },
    ];
    const set = await owner.updateOrganizationSchedule('Europe/Oslo', holidays);
    expect(set).toEqual({ timeZone: 'Europe/Oslo', holidays: [holidays[1], holidays[0]] });
    expect(await owner.organizationSchedule()).toEqual(set);
    const e = await failure(owner.updateOrganizationSchedule('Mars/Olympus_Mons', []));
    expect(isChinwagError(e, 'BAD_USER_INPUT'), String(e)).toBe(true);
    expect(await owner.organizationSchedule()).toEqual(set);
  });
});
