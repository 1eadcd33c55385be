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

  test('search finds conversations by words in messages; the visitor panel lists their other conversations', async () => {
    const rows = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
    await page.getByLabel('Search conversations').fill('visitor 17');
    await until(async () => Number(await rows.first().getAttribute('aria-setsize')) <= 55, 'the search results');
    const previews = await page.locator('.row-preview').allInnerTexts();
    assert.ok(previews.length > 0);
    for (const p of previews) assert.match(p, /from visitor 17\d?$/);
    await page.getByLabel('Search conversations').fill('no such words anywhere');
    await page.getByRole('heading', { name: 'No conversation matches' }).waitFor();
    await page.getByLabel('Search conversations').fill('Question 2 from visitor 123');
    const row = page.locator('.row').filter({ has: page.locator('.row-preview', { hasText: /^Question 2 from visitor 123$/ }) });
    await row.click();
    await page.getByRole('heading', { name: 'Visitor 123', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    const others = page.getByRole('complementary', { name: 'Visitor details' }).locator('.past-link');
    await until(async () => (await others.count()) === 4, "the visitor's four other conversations");
    await others.filter({ hasText: 'Question 4 from visitor 123' }).click();
    await page.locator('.msg-body', { hasText: 'Question 4 from visitor 123' }).waitFor();
    await shot(page, 'desktop-search-and-visitor');
    await page.getByLabel('Search conversations').fill('');
    await page.goto(`${server.origin}/app/inbox/unassigned`);
    await until(async () => Number(await rows.first().getAttribute('aria-setsize')) === 50, 'the full first page again');
  });

  test('an agent edits their profile: name and avatar show across the app', async () => {
    await page.goto(`${server.origin}/app/settings/account`);
    await page.getByLabel('Name', { exact: true }).fill('Ann Renamed');
    await page.getByLabel('Avatar image URL').fill(`${server.origin}/app/icon-192.png`);
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved').waitFor();
    await page.getByRole('link', { name: 'Team', exact: true }).click();
    await page.getByRole('cell', { name: /Ann Renamed/ }).waitFor();
    assert.equal(await page.locator('.rail .avatar img').getAttribute('src'), `${server.origin}/app/icon-192.png`);
  });

  test('online / away is what the widget tells visitors', async () => {
    const agentOnline = async () => {
      const r = await fetch(server.graphql, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ widgetConfig(websiteKey: "${websiteKey}") { agentOnline } }` }),
      });
      return (await r.json()).data.widgetConfig.agentOnline;
    };
    const toggle = page.getByRole('switch');
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await until(agentOnline, 'the widget to say an agent is online');
    await toggle.click();
    await page.getByRole('switch', { name: 'Away' }).waitFor();
    await until(async () => !(await agentOnline()), 'the widget to say no one is online');
    await toggle.click();
    await page.getByRole('switch', { name: 'Online' }).waitFor();
    await until(agentOnline, 'online again');
  });

  test('a new chat notifies the agent looking elsewhere, with a desktop notification', async () => {
    const context = await browser.newContext(DESKTOP);
    // Record notifications, and pretend the window is in the background.
    await context.addInitScript(() => {
      window.__notifications = [];
      window.Notification = class {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        constructor(title, options) {
          window.__notifications.push({ title, body: options?.body });
        }
        close() {}
      };
      document.hasFocus = () => false;
    });
    const other = await context.newPage();
    await other.goto(`${server.origin}/app/`);
    await other.getByLabel('Email').fill(OWNER.email);
    await other.getByLabel('Password').fill(OWNER.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('list', { name: 'Conversations' }).waitFor();
    await until(() => other.evaluate(() => document.title.startsWith('(')), 'the title to count waiting chats');
    const v = createVisitorClient({ url: server.graphql, websiteKey, storage: memoryStorage(), name: 'Nora New' });
    await v.startConversation('Is the blue one in stock?');
    v.dispose();
    const notes = await until(async () => {
      const list = await other.evaluate(() => window.__notifications);
      return list.length ? list : null;
    }, 'a notification');
    assert.deepEqual(notes[0], { title: 'New chat from Nora New', body: 'Is the blue one in stock?' });
    await context.close();
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

  test('changing the password keeps this session and the old password stops working', async () => {
    await page.goto(`${server.origin}/app/settings/account`);
    await page.getByLabel('Current password').fill(OWNER.password);
    await page.getByLabel('New password').fill('a much better password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    // Still signed in, live: a new chat shows up.
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    const v = createVisitorClient({ url: server.graphql, websiteKey, storage: memoryStorage(), name: 'After Password' });
    await v.startConversation('Hello after the password change');
    v.dispose();
    await page.getByText('Hello after the password change').waitFor();
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That email and password do not match.').waitFor();
    await page.getByLabel('Password').fill('a much better password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('list', { name: 'Conversations' }).waitFor();
  });
});
