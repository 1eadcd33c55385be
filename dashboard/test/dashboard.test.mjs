// The dashboard end to end, in Debian's Chromium against a real `chinwag serve`: an owner
// signs up and sets up a website, a visitor (the SDK from Node) writes, the owner sees it
// live, replies with a saved reply and adds a private note the visitor never gets,
// invites a second agent (who joins by the emailed link), transfers to them, they
// resolve; then the owner removes them
// and they are signed out at once. Screens are saved to test-results/ on desktop and phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import WebSocket from 'ws';
import { DESKTOP, PHONE, accessibilityViolations, launchBrowser, linkIn, shot, startServer, until } from './harness.mjs';

const OWNER = { org: 'Acme', name: 'Ann Owner', email: 'ann@acme.test', password: 'correct horse' };
const SECOND = { name: 'Bob Agent', email: 'bob@acme.test', password: 'battery staple' };

describe('dashboard', () => {
  let server, browser, owner, bob, visitor, websiteKey, conversationId;
  /** What the visitor received live. */
  const received = [];
  const updates = [];
  const typings = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    visitor?.dispose();
    await browser?.close();
    await server?.stop();
  });

  async function newPage(options = DESKTOP) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    page.errors = errors;
    return page;
  }

  test('a business signs up, sets up its website and sends a test chat', async () => {
    owner = await newPage();
    await owner.goto(`${server.origin}/app/`);
    await owner.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(owner, 'desktop-login');
    assert.deepEqual(await accessibilityViolations(owner), [], 'sign-in page');
    await owner.getByRole('link', { name: 'Create an account' }).click();
    await owner.getByLabel('Company or team').fill(OWNER.org);
    await owner.getByLabel('Your name').fill(OWNER.name);
    await owner.getByLabel('Work email').fill(OWNER.email);
    await owner.getByLabel('Password').fill(OWNER.password);
    await owner.getByRole('button', { name: 'Create account' }).click();

    await owner.getByRole('heading', { name: 'Set up your chat' }).waitFor();
    await owner.getByLabel('Website name').fill('Acme shop');
    await owner.getByRole('button', { name: 'Add website' }).click();
    await owner.getByRole('heading', { name: '1. Customize the widget' }).waitFor();
    await owner.getByLabel('Accent colour as hex').fill('#0f766e');
    await owner.getByLabel('Launcher text').fill('Ask Acme');
    await owner.getByLabel('Greeting').fill('Hello from Acme! Ask us anything.');
    await owner.getByRole('button', { name: 'Save changes' }).click();
    await owner.getByText('Saved', { exact: true }).waitFor();

    const snippet = await owner.getByLabel('Install snippet').innerText();
    const m = snippet.match(/^<script src="(.+)\/widget\.js" data-website-key="(wk_[^"]+)" async><\/script>$/);
    assert.ok(m, `install snippet: ${snippet}`);
    assert.equal(m[1], server.origin);
    websiteKey = m[2];
    assert.match(await owner.getByLabel('Identity verification snippet').innerText(), /createHmac\('sha256', IDENTITY_SECRET\)/);

    // The settings reached the server: the public config the widget reads says so.
    const config = await (
      await fetch(server.graphql, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ widgetConfig(websiteKey: "${websiteKey}") { appearance { color launcherText greeting } } }`,
        }),
      })
    ).json();
    assert.deepEqual(config.data.widgetConfig.appearance, {
      color: '#0f766e',
      launcherText: 'Ask Acme',
      greeting: 'Hello from Acme! Ask us anything.',
    });
    await shot(owner, 'desktop-setup');
    assert.deepEqual(await accessibilityViolations(owner), [], 'setup page');

    await owner.getByRole('button', { name: 'Send a test chat' }).click();
    await owner.getByRole('heading', { name: 'Test visitor' }).waitFor();
    await owner.locator('.msg-body', { hasText: 'This is a test chat' }).waitFor();
    // Answer the test chat and resolve it, as the setup page suggests.
    await owner.getByLabel('Reply', { exact: true }).fill('It works!');
    await owner.keyboard.press('Enter');
    await owner.locator('.msg-ours .msg-body', { hasText: 'It works!' }).waitFor();
    await owner.getByRole('button', { name: 'Resolve' }).click();
    await owner.getByRole('button', { name: 'Reopen' }).waitFor();
  });

  test('an admin saves a reply for the / menu', async () => {
    await owner.getByRole('link', { name: 'Settings', exact: true }).click();
    await owner.getByRole('link', { name: 'Saved replies' }).click();
    await owner.getByRole('heading', { name: 'No saved replies yet' }).waitFor();
    await owner.getByRole('button', { name: 'New reply' }).click();
    await owner.getByLabel('Shortcut').fill('shipping');
    await owner.getByLabel('Title').fill('Shipping countries');
    await owner.getByLabel('Reply', { exact: true }).fill('We ship to all of Europe, Norway included, within 3 days.');
    await owner.getByRole('button', { name: 'Save reply' }).click();
    await owner.getByText('/shipping').waitFor();
  });

  test('a visitor writes and the agent sees it live, replies with a saved reply and adds a note the visitor never sees', async () => {
    await owner.getByRole('link', { name: 'Inbox', exact: true }).click();
    await owner.getByRole('heading', { name: 'Pick a conversation' }).waitFor();
    const titleBefore = await owner.title();

    visitor = createVisitorClient({
      url: server.graphql,
      websiteKey,
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
      name: 'Vera Visitor',
      email: 'vera@example.com',
    });
    const started = await visitor.startConversation('Hi! Do you ship to Norway?');
    conversationId = started.id;
    visitor.conversationEvents(
      conversationId,
      { message: (m) => received.push(m), updated: (c) => updates.push(c), typing: (t) => typings.push(t) },
      { after: null },
    );

    // Live: no reload. The row shows the preview and an unread count; the tab title counts it.
    const row = owner.locator(`[data-conversation="${conversationId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Vera Visitor[\s\S]*Do you ship to Norway\?/);
    await row.getByText('1', { exact: true }).waitFor();
    await until(async () => (await owner.title()) === '(1) Chinwag', `the tab title to count the chat (was "${titleBefore}")`);
    await shot(owner, 'desktop-inbox');

    await row.click();
    await owner.getByRole('heading', { name: 'Vera Visitor' }).waitFor();
    await owner.locator('.msg-body', { hasText: 'Do you ship to Norway?' }).waitFor();
    await until(async () => (await owner.title()) === 'Chinwag', 'the title to drop the count once read');

    // Typing, both ways.
    await visitor.setTyping(conversationId, true);
    await owner.getByText('The visitor is typing…').waitFor();

    // The saved reply, by `/` and its shortcut.
    const reply = owner.getByLabel('Reply', { exact: true });
    await reply.click();
    await reply.pressSequentially('/ship');
    await until(() => typings.some((t) => t.senderKind === 'AGENT' && t.isTyping), 'the visitor to see the agent typing');
    await owner.getByRole('option', { name: /\/shipping/ }).waitFor();
    await owner.keyboard.press('Enter');
    assert.equal(await reply.inputValue(), 'We ship to all of Europe, Norway included, within 3 days.');
    await owner.getByRole('button', { name: 'Emoji' }).click();
    await owner.getByRole('button', { name: 'Insert 🚚' }).click();
    assert.equal(await reply.inputValue(), 'We ship to all of Europe, Norway included, within 3 days.🚚');
    await owner.keyboard.press('Enter');
    await until(
      () => received.some((m) => m.body.startsWith('We ship to all of Europe')),
      'the visitor to receive the saved reply',
    );

    // A private note: shown apart, never sent to the visitor.
    await owner.getByRole('radio', { name: 'Private note' }).click();
    const note = owner.getByLabel('Private note', { exact: true });
    await note.fill('VIP customer: offer free shipping');
    await owner.getByRole('button', { name: 'Add note' }).click();
    const noteItem = owner.locator('.msg-note', { hasText: 'VIP customer' });
    await noteItem.waitFor();
    assert.match(await noteItem.innerText(), /private note/);

    // The visitor reads: the agent sees "Seen".
    const last = received[received.length - 1];
    await visitor.markRead(conversationId, last.id);
    await owner.locator('.msg-ours .msg-state', { hasText: 'Seen' }).waitFor();
    await visitor.sendMessage(conversationId, 'Great, thanks!');
    await shot(owner, 'desktop-conversation');
    assert.deepEqual(await accessibilityViolations(owner), [], 'inbox with a conversation');
    // The visitor's details, by keyboard: who, where on the site, what else they asked.
    await visitor.request('mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }', {
      i: { url: 'https://acme.test/shipping', title: 'Shipping' },
    });
    await visitor.request('mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }', {
      i: { url: 'https://acme.test/products/blue-kettle', title: 'Blue kettle' },
    });
    await owner.keyboard.press('i');
    const panel = owner.getByRole('complementary', { name: 'Visitor details' });
    await panel.getByText('vera@example.com').waitFor();
    await panel.getByRole('link', { name: 'Blue kettle' }).first().waitFor();
    await panel.getByRole('link', { name: 'Shipping' }).waitFor();
    await panel.getByText('This is their first conversation.').waitFor();
    assert.match(await panel.innerText(), /Node\.js|Unknown browser/);
    await shot(owner, 'desktop-visitor-details');
    assert.deepEqual(await accessibilityViolations(owner), [], 'visitor details');
    await owner.keyboard.press('i');
    await panel.waitFor({ state: 'detached' });

    // Whatever the visitor got live or reads back, the note is not in it.
    const history = await visitor.messages(conversationId);
    assert.ok(history.messages.some((m) => m.body === 'We ship to all of Europe, Norway included, within 3 days.🚚'));
    assert.ok(!history.messages.some((m) => m.body.includes('VIP')), 'the visitor must never see the note');
    assert.ok(!received.some((m) => m.body.includes('VIP') || m.isPrivate), 'no note over the live stream');
  });

  test('an invited agent joins by the link in the invite email', async () => {
    await owner.getByRole('link', { name: 'Settings', exact: true }).click();
    await owner.getByRole('link', { name: 'Team' }).click();
    await owner.getByLabel('Email').fill(SECOND.email);
    await owner.getByRole('button', { name: 'Send invite' }).click();
    await owner.getByText(`We emailed an invite to ${SECOND.email}`).waitFor();
    const shown = await owner.getByLabel('Invite link').innerText();
    await shot(owner, 'desktop-team');
    assert.deepEqual(await accessibilityViolations(owner), [], 'team page');

    // The server emailed it (to its outbox here: no SMTP); the page shows the same link to pass on.
    const mail = await server.mail(SECOND.email, /Ann Owner invited you to Acme on Chinwag/);
    const link = linkIn(mail);
    assert.match(link, new RegExp(`^${server.origin}/app/accept-invite\\?token=inv_[\\w-]+$`), mail.text);
    assert.equal(shown, link);

    bob = await newPage();
    await bob.goto(link);
    await bob.getByRole('heading', { name: 'Join your team' }).waitFor();
    await shot(bob, 'desktop-accept-invite');
    assert.deepEqual(await accessibilityViolations(bob), [], 'accept invite page');
    await bob.getByLabel('Your name').fill(SECOND.name);
    await bob.getByLabel('Password').fill(SECOND.password);
    await bob.getByRole('button', { name: 'Join' }).click();
    await bob.getByRole('heading', { name: 'Pick a conversation' }).waitFor();
    // Bob is on the team as an agent: no admin settings for him.
    await bob.getByRole('link', { name: 'Settings', exact: true }).click();
    await bob.getByRole('link', { name: 'Saved replies' }).waitFor();
    assert.equal(await bob.getByRole('link', { name: 'Team' }).count(), 0);
    await bob.getByRole('link', { name: 'Inbox', exact: true }).click();

    await owner.reload();
    await owner.getByRole('cell', { name: /Bob Agent/ }).waitFor();

    // The link works once (here under the older `/app/invite` path, which still opens the page).
    const again = await newPage();
    await again.goto(link.replace('/app/accept-invite?', '/app/invite?'));
    await again.getByLabel('Your name').fill('Someone Else');
    await again.getByLabel('Password').fill('another password');
    await again.getByRole('button', { name: 'Join' }).click();
    await again.getByText('This invite has expired or was already used.').waitFor();
    await again.context().close();
  });

  test('the owner makes a department with the second agent in it', async () => {
    await owner.getByRole('link', { name: 'Departments' }).click();
    await owner.getByRole('heading', { name: 'No departments yet' }).waitFor();
    await owner.getByLabel('New department').fill('Sales');
    await owner.getByRole('button', { name: 'Create' }).click();
    await owner.getByLabel('Add a member to Sales').selectOption({ label: SECOND.name });
    await owner.getByRole('button', { name: 'Add', exact: true }).click();
    await owner.getByRole('button', { name: `Remove ${SECOND.name} from Sales` }).waitFor();
  });

  test('the owner transfers the chat to the second agent, who resolves it', async () => {
    await owner.goto(`${server.origin}/app/inbox/all/${conversationId}`);
    await owner.getByRole('heading', { name: 'Vera Visitor' }).waitFor();
    await owner.getByRole('button', { name: 'Transfer' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Transfer conversation' });
    await dialog.getByLabel('Agent', { exact: true }).selectOption({ label: `${SECOND.name} (online)` });
    await dialog.getByLabel('Department').selectOption({ label: 'Sales' });
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await owner.getByText(`Assigned to ${SECOND.name} · Sales`).waitFor();

    // Bob is told, and his "Mine" fills in live.
    await bob.getByText('Vera Visitor was assigned to you').waitFor();
    await bob.getByRole('radio', { name: 'Mine' }).click();
    const row = bob.locator(`[data-conversation="${conversationId}"]`);
    await row.waitFor();
    await row.click();
    await bob.getByRole('heading', { name: 'Vera Visitor' }).waitFor();
    // The note is there for the team.
    await bob.locator('.msg-note', { hasText: 'VIP customer' }).waitFor();
    // Keyboard: `e` resolves.
    await bob.locator('.messages').click();
    await bob.keyboard.press('e');
    await bob.getByRole('button', { name: 'Reopen' }).waitFor();
    await until(() => updates.some((c) => c.status === 'RESOLVED'), 'the visitor to see the conversation resolved');
    // It left Bob's open queue.
    await until(async () => (await row.count()) === 0, 'the resolved chat to leave the open queue');
  });

  test('a removed agent is signed out at once', async () => {
    await owner.goto(`${server.origin}/app/settings/team`);
    await owner.getByRole('button', { name: 'Remove' }).click();
    await owner.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await owner.getByText(`${SECOND.name} was removed and signed out`).waitFor();
    await bob.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    await bob.getByText('Your session has ended').waitFor();
    await shot(bob, 'desktop-removed');
    // And cannot come back in.
    await bob.getByLabel('Email').fill(SECOND.email);
    await bob.getByLabel('Password').fill(SECOND.password);
    await bob.getByRole('button', { name: 'Sign in' }).click();
    await bob.getByText('That email and password do not match.').waitFor();
  });

  test('on a phone: the inbox, a conversation and settings, one pane at a time', async () => {
    await visitor.startConversation('Hello from my phone, is anyone there?');
    const phone = await newPage(PHONE);
    await phone.goto(`${server.origin}/app/`);
    await phone.getByLabel('Email').fill(OWNER.email);
    await phone.getByLabel('Password').fill(OWNER.password);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByText('Hello from my phone').waitFor();
    await shot(phone, 'phone-inbox');
    await phone.getByText('Hello from my phone').click();
    await phone.getByRole('button', { name: 'Back to the list' }).waitFor();
    assert.equal(await phone.locator('.queue').isVisible(), false, 'the list is hidden behind the conversation');
    await phone.getByLabel('Reply', { exact: true }).fill('Yes! How can I help?');
    await phone.getByRole('button', { name: 'Send' }).click();
    await phone.locator('.msg-ours .msg-body', { hasText: 'How can I help?' }).waitFor();
    await shot(phone, 'phone-conversation');
    assert.deepEqual(await accessibilityViolations(phone), [], 'conversation on a phone');
    await phone.getByRole('button', { name: 'Back to the list' }).click();
    await phone.locator('.queue').waitFor();
    await phone.getByRole('link', { name: 'Settings', exact: true }).click();
    await phone.getByRole('link', { name: 'Websites & widget' }).click();
    await phone.getByRole('link', { name: /Acme shop/ }).click();
    await phone.getByRole('heading', { name: 'Customize the widget' }).waitFor();
    await shot(phone, 'phone-website');
    assert.deepEqual(phone.errors, []);
  });

  test('the app is installable: manifest, icons, service worker', async () => {
    const manifest = await (await fetch(`${server.origin}/app/manifest.webmanifest`)).json();
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.scope, '/app/');
    for (const icon of manifest.icons) assert.equal((await fetch(new URL(icon.src, server.origin))).status, 200, icon.src);
    const registered = await owner.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.scope;
    });
    assert.equal(registered, `${server.origin}/app/`);
    assert.deepEqual(owner.errors, []);
  });
});
