/**
 * Reports (docs/analytics.md) through the agent client: `analytics`, `operationsNow` and
 * `analyticsCsv` against the shared server, on one conversation the owner answered and
 * resolved.
 */
import { describe, expect, it } from 'vitest';
import { isChinwagError, type ChinwagError, type ReportInput } from '../src/index.js';
import { agentClient, email, organization, visitorClient } from './helpers.js';

/** The rejection of `promise` (which must reject). */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: ChinwagError) => e,
  );

/** An organization with one conversation: a visitor asked, the owner answered and resolved it. */
async function answeredAndResolved() {
  const org = await organization();
  const { id } = await visitorClient(org.websiteKey).startConversation('Do you ship to Norway?');
  await org.owner.sendMessage(id, 'We do, within three days.');
  await org.owner.setConversationStatus(id, 'RESOLVED');
  return { ...org, conversationId: id };
}

/** The last hour and the next: the seeded conversation started in it. */
const around = (): ReportInput => ({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) });

/** A CSV's rows as objects by header (no quoted commas in these reports' cells). */
function rows(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i], cell])));
}

describe('reports', () => {
  it('counts the conversation the owner answered and resolved, in total and in the owner’s group', async () => {
    const { owner, me } = await answeredAndResolved();
    const report = await owner.analytics({ ...around(), timeZone: 'UTC' });
    expect(report.timeZone).toBe('UTC');
    expect(report.groupBy).toBe('DAY');
    expect(report.totals).toMatchObject({ conversations: 1, resolved: 1, reopened: 0, missed: 0 });
    expect(report.totals.firstResponseTime.count).toBe(1);
    expect(report.totals.resolutionTime.count).toBe(1);
    expect(Date.parse(report.computedAt)).toBeGreaterThan(0);

    // Strings are taken as they are.
    const { from, to } = around();
    const byAgent = await owner.analytics({
      from: (from as Date).toISOString(),
      to: (to as Date).toISOString(),
      groupBy: 'AGENT',
    });
    expect(byAgent.groups).toHaveLength(1);
    expect(byAgent.groups[0]).toMatchObject({ key: me.id, label: me.name });
    expect(byAgent.groups[0]!.figures).toMatchObject({ conversations: 1, resolved: 1 });
    expect(byAgent.groups[0]!.figures.firstResponseTime.count).toBe(1);
  });

  it('shows the team now, with today so far', async () => {
    const { owner, me } = await answeredAndResolved();
    const now = await owner.operationsNow();
    expect(now.waiting).toBe(0);
    expect(now.oldestWaitingSince).toBeNull();
    const mine = now.agents.find((a) => a.agent.id === me.id);
    expect(mine).toMatchObject({ openChats: 0, pendingChats: 0 });
    expect(mine!.capacity).toBeGreaterThan(0);
    expect(now.today.groupBy).toBe('HOUR_OF_DAY');
    expect(now.today.totals.conversations).toBe(1);
  });

  it('exports the report and its conversations as CSV, the total row agreeing with the query', async () => {
    const { owner, me, conversationId } = await answeredAndResolved();
    const input: ReportInput = { ...around(), groupBy: 'AGENT', channels: ['CHAT', 'EMAIL'] };
    const report = await owner.analytics(input);
    const csv = rows(await owner.analyticsCsv('report', input));
    expect(csv.map((r) => [r.group, r.label, r.conversations, r.resolved, r.first_response_count])).toEqual([
      ['total', 'Total', '1', '1', '1'],
      [me.id, me.name, '1', '1', '1'],
    ]);
    expect(csv[0]!.conversations).toBe(String(report.totals.conversations));

    const episodes = rows(await owner.analyticsCsv('conversations', input));
    expect(episodes.map((e) => [e.conversation_id, e.agent, e.channel, e.missed])).toEqual([
      [conversationId, me.name, 'chat', 'no'],
    ]);

    // An API key with ANALYTICS_READ reads them too.
    const { createApiKey } = await owner.request<{ createApiKey: { secret: string } }>(
      'mutation { createApiKey(name: "reports", scopes: [ANALYTICS_READ]) { secret } }',
    );
    const key = agentClient({ apiKey: createApiKey.secret });
    expect(rows(await key.analyticsCsv('report', input))[0]).toMatchObject({ group: 'total', conversations: '1' });
    expect((await key.analytics(input)).totals.conversations).toBe(1);
  });

  it('renews a refused access token once for a CSV, as for operations', async () => {
    const { owner } = await answeredAndResolved();
    const renewed: string[] = [];
    const resumed = agentClient({
      session: { accessToken: 'no longer good', refreshToken: owner.session!.refreshToken },
      onSessionChange: (s) => s && renewed.push(s.accessToken),
    });
    expect(rows(await resumed.analyticsCsv('report', around()))[0]).toMatchObject({ group: 'total', conversations: '1' });
    expect(renewed).toHaveLength(2);
    expect(resumed.session!.accessToken).not.toBe('no longer good');
  });

  it('refuses an agent without a manager’s role with FORBIDDEN', async () => {
    const { owner } = await organization();
    const { inviteAgent } = await owner.request<{ inviteAgent: { token: string } }>(
      'mutation($e: String!) { inviteAgent(input: { email: $e, role: AGENT }) { token } }',
      { e: email('bo') },
    );
    const { acceptInvite } = await agentClient().request<{ acceptInvite: { accessToken: string; refreshToken: string } }>(
      'mutation($t: String!) { acceptInvite(input: { token: $t, name: "Bo", password: "another good password" }) { accessToken refreshToken } }',
      { t: inviteAgent.token },
    );
    const agent = agentClient({ session: acceptInvite });
    for (const refused of [
      await failure(agent.analytics(around())),
      await failure(agent.operationsNow()),
      await failure(agent.analyticsCsv('report', around())),
      await failure(agent.analyticsCsv('conversations', around())),
    ]) {
      expect(isChinwagError(refused, 'FORBIDDEN')).toBe(true);
    }
    expect((await failure(agent.analyticsCsv('report', around()))).status).toBe(403);
  });

  it('refuses a bad range with BAD_USER_INPUT, from the query and from the CSV routes', async () => {
    const { owner } = await organization();
    const backwards = { from: new Date(), to: new Date(Date.now() - 86_400_000) };
    const tooLong = { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };
    for (const input of [backwards, tooLong]) {
      const refused = await failure(owner.analytics(input));
      expect(isChinwagError(refused, 'BAD_USER_INPUT')).toBe(true);
      const csv = await failure(owner.analyticsCsv('report', input));
      expect(isChinwagError(csv, 'BAD_USER_INPUT')).toBe(true);
      expect(csv.status).toBe(400);
      expect(csv.message).toBe(refused.message);
    }
    const zone = await failure(owner.analyticsCsv('conversations', { ...around(), timeZone: 'Mars/Olympus' }));
    expect(isChinwagError(zone, 'BAD_USER_INPUT')).toBe(true);
  });
});
