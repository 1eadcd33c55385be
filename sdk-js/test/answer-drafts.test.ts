/**
 * `answerDrafts` against a real server whose answer bot writes with a model server (the
 * chat-completions double of `model-server.mjs`, streaming a word every 40 ms).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerDraft, ChinwagError, Message } from '../src/index.js';
import { agentClient, email, until, visitorClient } from './helpers.js';
import { startModelServer, type ModelServer } from './model-server.mjs';
import { startServer, type TestServer } from './server.mjs';

let model: ModelServer;
let server: TestServer;
beforeAll(async () => {
  model = await startModelServer();
  server = await startServer(['--model-url', model.url, '--model', 'test-model']);
});
afterAll(async () => {
  await server?.stop();
  await model?.close();
});

const QUESTION = 'Do you ship parcels to Norway?';
const ANSWER = 'Yes! We ship parcels to every address in Norway with Posten and Bring, tracked all the way [1].';

/** A website with a published article on shipping and its answer bot on. */
async function shop() {
  const owner = agentClient({ url: server.url });
  await owner.signUp({ organizationName: 'Acme', name: 'Ann', email: email('ann'), password: 'correct horse battery' });
  const { createWebsite: site } = await owner.request<{ createWebsite: { id: string; publicKey: string } }>(
    'mutation { createWebsite(input: {name: "Shop"}) { id publicKey } }',
  );
  const article = await owner.createArticle({
    websiteId: site.id,
    title: 'Shipping to Norway',
    body: 'We ship parcels to every address in Norway with Posten and Bring.',
    language: 'en',
  });
  await owner.publishArticle(article.id);
  await owner.request('mutation($w: ID!) { updateAssistantSettings(websiteId: $w, input: {answerBot: true}) { answerBot } }', {
    w: site.id,
  });
  return { owner, websiteKey: site.publicKey };
}

describe('answer drafts', () => {
  it('grow while the model writes, then the bot message arrives, then done; the team sees them too', async () => {
    const { owner, websiteKey } = await shop();
    const chat = visitorClient(websiteKey, { url: server.url });
    expect((await chat.widgetConfig()).answerDrafts).toBe(true);
    const { id } = await chat.startConversation('Hello');

    // One log of both streams, in the order they arrive.
    const seen: Array<{ draft: AnswerDraft } | { message: Message }> = [];
    const team: AnswerDraft[] = [];
    chat.conversationEvents(id, { message: (message) => seen.push({ message }) }, { afterSeq: 0 });
    chat.answerDrafts(id, (draft) => seen.push({ draft }));
    owner.answerDrafts(id, (draft) => team.push(draft));
    // Another visitor may not watch them.
    let refused: ChinwagError | undefined;
    const stranger = visitorClient(websiteKey, { url: server.url });
    await stranger.visitor();
    stranger.answerDrafts(
      id,
      () => {},
      (e) => (refused = e),
    );
    await until(() => refused, 'NOT_FOUND for another visitor');
    expect(refused!.code).toBe('NOT_FOUND');
    // Both subscriptions are running once the first message has come on the events.
    await until(() => seen.length > 0 && chat.connectionState() === 'online', 'the subscriptions');

    model.say(ANSWER);
    await chat.sendMessage(id, QUESTION);
    await until(() => seen.some((e) => 'draft' in e && e.draft.done), 'the end of the draft');

    expect(model.requests.at(-1)!.stream).toBe(true);
    const bot = seen.findIndex((e) => 'message' in e && e.message.senderKind === 'BOT');
    expect(bot, 'the bot message').toBeGreaterThan(0);
    const body = (seen[bot] as { message: Message }).message.body;
    expect(body).toContain('We ship parcels to every address in Norway');
    const drafts = seen.slice(0, bot).flatMap((e) => ('draft' in e ? [e.draft] : []));
    expect(drafts.length, 'drafts while it writes').toBeGreaterThanOrEqual(3);
    drafts.forEach((d, i) => {
      expect(d).toMatchObject({ conversationId: id, done: false, senderName: 'Assistant' });
      expect(body.startsWith(d.text.trimEnd()), `${JSON.stringify(d.text)} starts the answer`).toBe(true);
      if (i > 0) expect(d.text.length).toBeGreaterThan(drafts[i - 1]!.text.length);
    });
    // After the message, only `done`.
    expect(seen.slice(bot + 1)).toEqual([{ draft: { conversationId: id, text: '', done: true, senderName: 'Assistant' } }]);
    await until(() => team.some((d) => d.done), 'the team to see the end too');
    expect(team.filter((d) => !d.done).length).toBeGreaterThanOrEqual(3);
  });

  it('end with done alone when the model declines', async () => {
    const { websiteKey } = await shop();
    const chat = visitorClient(websiteKey, { url: server.url });
    const { id } = await chat.startConversation('Hello');
    const drafts: AnswerDraft[] = [];
    const messages: Message[] = [];
    chat.conversationEvents(id, { message: (m) => messages.push(m) }, { afterSeq: 0 });
    chat.answerDrafts(id, (d) => drafts.push(d));
    await until(() => messages.length > 0 && chat.connectionState() === 'online', 'the subscriptions');

    model.say('NO_ANSWER');
    await chat.sendMessage(id, QUESTION);
    await until(() => drafts.some((d) => d.done), 'the end of the draft');
    expect(drafts).toEqual([{ conversationId: id, text: '', done: true, senderName: 'Assistant' }]);
    expect(messages.map((m) => m.senderKind)).toEqual(['VISITOR', 'VISITOR']);
  });
});
