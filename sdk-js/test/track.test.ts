/**
 * `VisitorClient.track`: purchases and the website's goals are recorded as the visitor's
 * conversions, attributed to their conversation; other events are dropped; one bad event
 * refuses the call.
 */
import { describe, expect, it } from 'vitest';
import { ChinwagError } from '../src/index.js';
import { conversions } from './conversions.js';
import { organization, visitorClient } from './helpers.js';

describe('track', () => {
  it("records purchases and the website's goals for the visitor's conversation, and drops other events", async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await owner.request('mutation($id: ID!) { updateWebsite(id: $id, input: { goals: ["signup"] }) { id } }', { id: websiteId });
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('Do you ship to Norway?');

    const purchase = { name: 'purchase', value: 19.99, currency: 'eur', properties: { order: 'A-1' } };
    expect(await chat.track([purchase, { name: 'signup' }, { name: 'scrolled' }])).toBe(2);
    // One event alone, dated: an hour ago, before the conversation began, so not its.
    const hourAgo = new Date(Date.now() - 3600_000);
    expect(await chat.track({ name: 'signup', occurredAt: hourAgo })).toBe(1);
    // A clock a little ahead reads as the server's now.
    expect(await chat.track({ name: 'signup', occurredAt: new Date(Date.now() + 2_000).toISOString() })).toBe(1);
    expect(await chat.track({ name: 'newsletter' })).toBe(0);

    const [dated, first, signup, ahead] = await conversions(owner, id);
    expect(first).toMatchObject({
      name: 'purchase',
      value: 19.99,
      currency: 'EUR',
      verified: false,
      conversationId: id,
      properties: [{ key: 'order', value: 'A-1' }],
    });
    expect(signup).toMatchObject({ name: 'signup', value: null, conversationId: id, properties: [] });
    expect(dated).toMatchObject({ name: 'signup', conversationId: null });
    expect(Date.parse(dated!.occurredAt)).toBe(hourAgo.getTime());
    expect(Date.parse(ahead!.occurredAt)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses the whole call for one bad event with BAD_USER_INPUT, and records nothing of it', async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('Hello');
    const refused = async (events: Parameters<typeof chat.track>[0]) => {
      const error = await chat.track(events).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChinwagError);
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
    };

    await refused([{ name: 'purchase', value: 10, currency: 'EUR' }, { name: 'has space' }]);
    await refused({ name: 'purchase', value: 10 });
    await refused({ name: 'purchase', value: 10, currency: 'XYZ' });
    await refused({ name: 'purchase', value: 1e12, currency: 'USD' });
    await refused({ name: 'purchase', properties: { 'not a key': 'x' } });
    await refused({ name: 'purchase', properties: { note: 'x'.repeat(201) } });
    await refused({ name: 'purchase', occurredAt: new Date(Date.now() - 25 * 3600_000) });
    await refused(Array.from({ length: 21 }, () => ({ name: 'purchase' })));
    expect(await conversions(owner, id)).toEqual([]);
  });
});
