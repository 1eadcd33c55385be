// A conversation on a phone, in Debian's Chromium against a real `chinwag serve`: at 390
// and 360 px the header stays on one row (what does not fit goes into "More actions",
// usable by keyboard), the thread opens at the first message the agent has not read, times
// read as the locale writes them (as in the widget), and "Now on" names the visitor's page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVisitorClient, memoryStorage } from '@chinwag/sdk';
import WebSocket from 'ws';
import { PHONE, accessibilityViolations, gql, launchBrowser, shot, signIn, startServer, until } from './harness.mjs';

const OWNER = { org: 'Kettle & Co', name: 'Kim Kettle', email: 'kim@kettle.test', password: 'boiling point' };
const READ = 12;

describe('on a phone', () => {
  let server, browser, page, token, visitor, conversationId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const signUp = await gql(server, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
      i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
    });
    token = signUp.data.signUp.accessToken;
    const made = await gql(server, 'mutation { createWebsite(input: { name: "Kettle shop" }) { publicKey } }', {}, token);
    visitor = createVisitorClient({
      url: server.graphql,
      websiteKey: made.data.createWebsite.publicKey,
      storage: memoryStorage(),
      webSocketImpl: WebSocket,
      name: 'Priya Patel-Lindqvist',
    });
    // A long thread the agent has read up to a point, then more from the visitor.
    const started = await visitor.startConversation(
      'Hello! I ordered the blue kettle last week, order A-1042, and it has not come.',
    );
    conversationId = started.id;
    let last;
    for (let i = 1; i < READ; i++) {
      if (i % 2) {
        const r = await gql(
          server,
          'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
          {
            i: {
              conversationId,
              body: `Let me look into that for you (step ${i}): one moment while I check with the warehouse.`,
            },
          },
          token,
        );
        last = r.data.sendMessage.id;
      } else {
        last = (await visitor.sendMessage(conversationId, `Thanks, I will wait here (message ${i}). It was a birthday present.`))
          .id;
      }
    }
    const read = await gql(
      server,
      'mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, messageId: $m) }',
      { c: conversationId, m: last },
      token,
    );
    assert.equal(read.data.markRead, true, JSON.stringify(read));
    // The owner's first reply made the chat hers (an agent's reply takes a chat nobody has):
    // back to the line, where the tests want it (with "Assign to me" among its actions).
    const unassigned = await gql(
      server,
      'mutation($c: ID!) { assignConversation(input: { conversationId: $c }) { assignee { id } } }',
      { c: conversationId },
      token,
    );
    assert.equal(unassigned.data?.assignConversation.assignee, null, JSON.stringify(unassigned));
    await visitor.sendMessage(conversationId, 'Update: the courier says the parcel is lost.');
    for (let i = 0; i < 8; i++)
      await visitor.sendMessage(conversationId, `Can you send another one, or give me my money back? (${i + 1})`);
    await visitor.request('mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }', {
      i: { url: 'https://www.kettle.test/products/blue-kettle?ref=mail', title: 'Blue kettle – Kettle & Co' },
    });

    page = await signIn(browser, server, OWNER, { ...PHONE, locale: 'en-US' });
    await page.getByText('Priya Patel-Lindqvist').first().waitFor();
  });
  after(async () => {
    visitor?.dispose();
    await browser?.close();
    await server?.stop();
  });

  /** The header's children and the toolbar's buttons, each as one row inside the screen. */
  async function assertOneRow(width) {
    const boxes = await page.locator('.conv-head').evaluate((head) => {
      const box = (el) => {
        const r = el.getBoundingClientRect();
        return {
          name: el.getAttribute('aria-label') || el.textContent.trim(),
          top: r.top,
          bottom: r.bottom,
          left: r.left,
          right: r.right,
        };
      };
      return {
        head: box(head),
        items: [...head.children, ...head.querySelectorAll('.conv-actions button')].map(box),
        title: box(head.querySelector('h2')),
        lineHeight: parseFloat(getComputedStyle(head.querySelector('h2')).lineHeight),
      };
    });
    const { head, items } = boxes;
    assert.ok(head.bottom - head.top <= 60, `the header is one row at ${width} px: ${head.bottom - head.top} px tall`);
    for (const item of items) {
      assert.ok(item.top >= head.top && item.bottom <= head.bottom, `${item.name} inside the header row at ${width} px`);
      assert.ok(item.left >= 0 && item.right <= width, `${item.name} inside the screen at ${width} px`);
      assert.ok(item.bottom - item.top <= 44, `${item.name} on one line at ${width} px`);
    }
    assert.ok(boxes.title.bottom - boxes.title.top <= boxes.lineHeight + 1, `the name on one line at ${width} px`);
    assert.ok(boxes.title.right - boxes.title.left >= 100, `the name keeps room at ${width} px`);
  }

  test('at 390 px the header is one row and the thread opens at the first unread message', async () => {
    await page.goto(`${server.origin}/app/inbox/unassigned/${conversationId}`);
    await page.getByRole('heading', { name: 'Priya Patel-Lindqvist' }).waitFor();
    const first = page.locator('.msg', { hasText: 'the courier says the parcel is lost' });
    await first.waitFor();
    await shot(page, 'phone-390-thread-first-unread');
    await assertOneRow(390);
    // Everything fits but the lowest in rank: Resolve and the details stay, the rest is in the menu.
    const bar = page.getByRole('group', { name: 'Conversation actions' });
    await bar.getByRole('button', { name: 'Resolve' }).waitFor();
    await bar.getByRole('button', { name: 'Show visitor details' }).waitFor();
    await bar.getByRole('button', { name: 'More actions' }).waitFor();

    // The first unread message is at the top of the thread, whole, under the header, with
    // the "New" line above it; what was read before is above, scrolled out.
    const at = await page.evaluate(() => {
      const box = document.querySelector('.messages').getBoundingClientRect();
      const head = document.querySelector('.conv-head').getBoundingClientRect();
      const mark = document.querySelector('.unread-mark').getBoundingClientRect();
      const msg = [...document.querySelectorAll('.msg')].find((m) => m.textContent.includes('parcel is lost'));
      const r = msg.getBoundingClientRect();
      const centre = document.elementFromPoint(r.left + 20, r.top + 4);
      return {
        view: box.top,
        head: head.bottom,
        mark: mark.top,
        top: r.top,
        bottom: r.bottom,
        viewBottom: box.bottom,
        covered: !msg.contains(centre),
        scrolled: document.querySelector('.messages').scrollTop,
      };
    });
    assert.ok(at.scrolled > 0, 'the read part is scrolled past');
    assert.ok(at.mark >= at.view && at.mark <= at.view + 16, `the "New" line at the top (${at.mark} vs ${at.view})`);
    assert.ok(at.top >= at.head && at.bottom <= at.viewBottom, 'the first unread message is whole and below the header');
    assert.ok(!at.covered, 'nothing covers the first unread message');
    assert.match(
      await first.locator('.msg-meta').textContent(),
      /^New: Visitor/,
      'screen readers hear where the unread part starts',
    );
    // Times as the locale writes them, the hour unpadded, as the widget's `{ hour: 'numeric', minute: '2-digit' }`.
    const time = await first.locator('time').evaluate((t) => ({ text: t.textContent, iso: t.dateTime }));
    assert.equal(
      time.text,
      await page.evaluate(
        (iso) => new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit' }).format(new Date(iso)),
        time.iso,
      ),
    );
    assert.match(time.text, /^([1-9]|1[0-2]):\d\d\s[AP]M$/);
    assert.deepEqual(await accessibilityViolations(page), [], 'conversation at 390 px');
  });

  test('at 360 px the header is one row and "More actions" works by keyboard', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await until(async () => (await page.locator('.conv-head').boundingBox()).width === 360, 'the layout to follow the new width');
    await assertOneRow(360);
    const more = page.getByRole('button', { name: 'More actions' });
    assert.equal(await more.getAttribute('aria-haspopup'), 'menu');
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    await more.focus();
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu', { name: 'More actions' });
    await menu.waitFor();
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    const items = await menu.locator('[role^="menuitem"]').allInnerTexts();
    assert.deepEqual(
      items.map((t) => t.trim()),
      ['Assign to me', 'Transfer', 'Pending'],
    );
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.equal(await focused(), 'Assign to me');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'Transfer');
    await page.keyboard.press('End');
    assert.equal(await focused(), 'Pending');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'Assign to me', 'the arrows wrap around');
    // A letter moves to the item it starts, and is not an inbox shortcut ("t" is Transfer's).
    await page.keyboard.press('t');
    assert.equal(await focused(), 'Transfer');
    assert.equal(await page.getByRole('dialog', { name: 'Transfer conversation' }).isVisible(), false);
    await shot(page, 'phone-360-more-actions');
    assert.deepEqual(await accessibilityViolations(page), [], 'the open menu at 360 px');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'More actions');

    // Enter opens it on its first item; choosing "Pending" does it and closes the menu.
    await page.keyboard.press('Enter');
    await menu.waitFor();
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(), 'Pending');
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'detached' });
    await page.getByText('Set to pending').waitFor();
    await page.locator('.conv-head').getByText('pending', { exact: true }).waitFor();
    await assertOneRow(360);
    // "Transfer" by pointer opens its dialog.
    await more.click();
    await menu.getByRole('menuitem', { name: 'Transfer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Transfer conversation' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // A press outside closes an open menu.
    await more.click();
    await menu.waitFor();
    await page.locator('.messages').click({ position: { x: 10, y: 10 } });
    await menu.waitFor({ state: 'detached' });
    assert.deepEqual(page.errors, []);
  });

  test('"Now on" shows the page title with its host and path', async () => {
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    const panel = page.getByRole('complementary', { name: 'Visitor details' });
    const now = panel.locator('dt:text-is("Now on") + dd');
    await now.getByRole('link', { name: /Blue kettle – Kettle & Co/ }).waitFor();
    assert.equal(await now.locator('.page-address').innerText(), 'kettle.test/products/blue-kettle');
    assert.equal(await now.getByRole('link').getAttribute('href'), 'https://www.kettle.test/products/blue-kettle?ref=mail');
    await shot(page, 'phone-360-now-on');
    assert.deepEqual(await accessibilityViolations(page), [], 'visitor details at 360 px');
    // A page without a title: its host and path, not a bare "/".
    await visitor.request('mutation($i: TrackPageViewInput!) { trackPageView(input: $i) }', {
      i: { url: 'https://kettle.test/' },
    });
    await panel.getByRole('button', { name: 'Close visitor details' }).click();
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    await now.getByRole('link', { name: 'kettle.test', exact: true }).waitFor();
    assert.deepEqual(page.errors, []);
  });
});
