// The queue at scale and the connection healing by itself: thousands of conversations
// stay a few dozen rows in the DOM and page in as the agent scrolls; a server restart
// shows the "connection lost" banner, which goes away by itself, and what happened
// meanwhile is on screen afterwards. Keyboard shortcuts drive the inbox.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentClient, createVisitorClient, memoryStorage, CreateWebsiteDocument } from '@chinwag/sdk';
import WebSocket from 'ws';
import { DESKTOP, launchBrowser, shot, startServer, until } from './harness.mjs';

const OWNER = { organizationName: 'Busy Shop', name: 'Ann Busy', email: 'ann@busy.test', password: 'correct horse' };
const CONVERSATIONS = 2_000;
const PER_VISITOR = 5; // the server's cap of open conversations per visitor

describe('dashboard under load and faults', () => {
  let server, browser, page, websiteKey;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const agent = createAgentClient({ url: server.graphql, storage: memoryStorage() });
    await agent.signUp(OWNER);
    websiteKey = (await agent.request(CreateWebsiteDocument, { input: { name: 'Busy shop' } })).createWebsite.publicKey;
    agent.dispose();
    // Many visitors, several chats each, a few requests at a time.
    const visitors = CONVERSATIONS / PER_VISITOR;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < visitors) {
          const n = next++;
          const v = createVisitorClient({ url: server.graphql, websiteKey, storage: memoryStorage(), name: `Visitor ${n}` });
          for (let i = 0; i < PER_VISITOR; i++) await v.startConversation(`Question ${i} from visitor ${n}`);
          v.dispose();
        }
      }),
    );
    page = await (await browser.newContext(DESKTOP)).newPage();
    await page.goto(`${server.origin}/app/`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('list', { name: 'Conversations' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test(`${CONVERSATIONS} conversations: a few dozen rows in the DOM, pages load while scrolling`, async () => {
    const rows = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
    const setsize = async () => Number(await rows.first().getAttribute('aria-setsize'));
    assert.equal(await setsize(), 50, 'the first page');
    const started = Date.now();
    await until(
      async () => {
        await page.locator('.vlist').evaluate((el) => (el.scrollTop = el.scrollHeight));
        const inDom = await rows.count();
        assert.ok(inDom < 60, `only visible rows are rendered (${inDom})`);
        return (await setsize()) === CONVERSATIONS;
      },
      'every page to load by scrolling',
      60_000,
    );
    console.log(`# scrolled through ${CONVERSATIONS} conversations in ${Date.now() - started} ms`);
    // The last one is the oldest: question 0 of visitor 0... or near it, by activity.
    await page
      .getByText(/Question \d from visitor \d+$/)
      .last()
      .waitFor();
    await shot(page, 'desktop-queue-scrolled');
  });

  test('keyboard: j opens the first conversation, r focuses the reply, ? lists the shortcuts', async () => {
    await page.locator('.vlist').evaluate((el) => (el.scrollTop = 0));
    await page.locator('body').click({ position: { x: 900, y: 400 } });
    await page.keyboard.press('j');
    await page.getByRole('heading', { name: /^Visitor \d+$/ }).waitFor();
    const first = new URL(page.url()).pathname;
    await page.locator('.messages').click();
    await page.keyboard.press('j');
    await until(() => new URL(page.url()).pathname !== first, 'j to move on');
    await page.keyboard.press('k');
    await until(() => new URL(page.url()).pathname === first, 'k to move back');
    await page.locator('.messages').click();
    await page.keyboard.press('r');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Reply');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await until(async () => !(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible()), 'the help to close');
  });

  test('a server restart shows the lost connection, which heals by itself with nothing missed', async () => {
    await page.goto(`${server.origin}/app/inbox/unassigned`);
    await page.getByRole('list', { name: 'Conversations' }).waitFor();
    await server.down();
    await page.getByText('Connection lost. Reconnecting…').waitFor({ timeout: 20_000 });
    await shot(page, 'desktop-connection-lost');
    await server.up();
    // A visitor writes right after the restart: the inbox reconnects, refetches and shows it.
    const v = createVisitorClient({
      url: server.graphql,
      websiteKey,
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
      name: 'After Restart',
    });
    await v.startConversation('Are you back?');
    v.dispose();
    await until(async () => !(await page.getByText('Connection lost').isVisible()), 'the banner to go away', 30_000);
    await page.getByText('Are you back?').waitFor({ timeout: 15_000 });
  });
});
