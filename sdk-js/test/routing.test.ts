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
    });
    const set = await owner.updateRoutingSettings({ assignment: 'ROUND_ROBIN', defaultCapacity: 3, pendingCounts: true });
    expect(set).toMatchObject({ assignment: 'ROUND_ROBIN', defaultCapacity: 3, pendingCounts: true, offlineGraceSeconds: 60 });

    for (const input of [{ defaultCapacity: 0 }, { defaultCapacity: 101 }, { offlineGraceSeconds: 3601 }]) {
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
});
