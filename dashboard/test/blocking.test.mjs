// Blocking a visitor, in Debian's Chromium against a real `chinwag serve`: an agent blocks
// a visitor from the visitor panel with a reason (the network left alone); the visitor's
// open socket is closed with 4403, its token is refused and its resume token starts no
// session; the panel says "Blocked" with the reason; Settings › Blocked visitors lists the
// block (25 at a time, Unblock per row); Unblock in the panel lets the visitor back in with
// the same resume token. At 390 px the dialog and the blocked state fit, and every screen
// passes axe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { DESKTOP, PHONE, accessibilityViolations, gql, launchBrowser, shot, signIn, startServer, until } from './harness.mjs';

const OWNER = { org: 'Fjord Bakery', name: 'Frida Fjord', email: 'frida@fjord.test', password: 'cinnamon buns daily' };
const REASON = 'Abusive language towards the team, twice.';
const SESSION = `mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token resumeToken visitor { id } } }`;
const BLOCKS = 'query($v: ID) { visitorBlocks(visitorId: $v, first: 100) { edges { node { id reason coversNetwork } } } }';

describe('blocking a visitor', () => {
  let server, browser, page, token, websiteKey, vera, conversationId;
  const sockets = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = (
      await gql(server, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
        i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
      })
    ).data.signUp.accessToken;
    websiteKey = (await gql(server, 'mutation { createWebsite(input: { name: "Fjord shop" }) { publicKey } }', {}, token)).data
      .createWebsite.publicKey;
    vera = await startVisitor('Vera Visitor');
    conversationId = (
      await gql(server, 'mutation { startConversation(input: { body: "You are all useless!" }) { id } }', {}, vera.token)
    ).data.startConversation.id;
    page = await signInAs(DESKTOP);
  });
  after(async () => {
    for (const s of sockets) s.terminate();
    await browser?.close();
    await server?.stop();
  });

  /** A visitor session as the widget starts it (`resumeToken`: come back as the same visitor). */
  async function startVisitor(name, resumeToken) {
    const r = await gql(server, SESSION, { i: { websiteKey, name, resumeToken } });
    return r.data ? { ...r.data.startVisitorSession, id: r.data.startVisitorSession.visitor.id } : r;
  }

  /** A live socket as the widget holds it, acknowledged; `code()` is its close code once closed. */
  async function openSocket(bearer) {
    const ws = new WebSocket(server.graphql.replace(/^http/, 'ws'), 'graphql-transport-ws');
    sockets.push(ws);
    let code = null;
    ws.on('close', (c) => (code = c));
    const acked = new Promise((resolve, reject) => {
      ws.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve());
      ws.once('error', reject);
      ws.once('close', (c) => reject(new Error(`closed with ${c} before connection_ack`)));
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${bearer}` } })));
    await acked;
    return { code: () => code };
  }

  const signInAs = (options) => signIn(browser, server, OWNER, { ...options, locale: 'en-GB', timezoneId: 'Europe/Oslo' });

  /** Opens a conversation and its visitor details; resolves to the panel. */
  async function openPanel(p, id) {
    await p.goto(`${server.origin}/app/inbox/all/${id}`);
    await p.getByRole('button', { name: 'Show visitor details' }).click();
    const panel = p.getByRole('complementary', { name: 'Visitor details' });
    await panel.waitFor();
    return panel;
  }

  const focused = (p) =>
    p.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName.toLowerCase()}: ${el.textContent?.trim()}` : null;
    });

  test('an agent blocks a visitor from the panel with a reason: its socket closes with 4403 and its tokens are refused', async () => {
    const socket = await openSocket(vera.token);
    const panel = await openPanel(page, conversationId);
    const block = panel.getByRole('button', { name: 'Block visitor' });
    await block.waitFor();

    // The dialog is labelled, takes the focus, and Escape closes it back onto its opener.
    await block.click();
    const dialog = page.getByRole('dialog', { name: 'Block Vera Visitor?' });
    await dialog.waitFor();
    assert.equal(await dialog.evaluate((d) => d.contains(document.activeElement)), true, 'the focus is in the dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await focused(page), 'button: Block visitor', 'the focus is back on the button');
    assert.equal(socket.code(), null, 'nothing happened');

    await block.click();
    await dialog.getByLabel('Reason (optional)').fill(REASON);
    const network = dialog.getByLabel("Also block new chats from this visitor's network");
    assert.equal(await network.isChecked(), false);
    assert.match(
      await network.evaluate((i) => document.getElementById(i.getAttribute('aria-describedby')).textContent),
      /Everyone else on that network .* is blocked too/,
    );
    assert.equal(await dialog.getByLabel('Reason (optional)').getAttribute('maxlength'), '500');
    await shot(page, 'desktop-block-dialog');
    assert.deepEqual(await accessibilityViolations(page), [], 'the block dialog');
    await dialog.getByRole('button', { name: 'Block visitor' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The panel says so, with the reason, and the focus is on what replaced the button.
    const status = panel.getByRole('region', { name: 'Blocked' });
    await status.waitFor();
    await status.getByText(REASON).waitFor();
    await status.getByText(`By ${OWNER.name}`, { exact: false }).waitFor();
    await status.getByText('New chats from them are refused.').waitFor();
    assert.equal(await focused(page), 'h3: Blocked');
    await page.getByText('Vera Visitor is blocked').waitFor();

    // The server did it: the open socket is closed with 4403, the token and the resume token are refused.
    await until(() => socket.code(), 'the visitor socket to close');
    assert.equal(socket.code(), 4403);
    const read = await gql(server, 'query($id: ID!) { conversation(id: $id) { id } }', { id: conversationId }, vera.token);
    assert.equal(read.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(read));
    const back = await startVisitor('Vera Visitor', vera.resumeToken);
    assert.equal(back.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(back));
    const { edges } = (await gql(server, BLOCKS, { v: vera.id }, token)).data.visitorBlocks;
    assert.deepEqual(
      edges.map((e) => e.node),
      [{ id: edges[0].node.id, reason: REASON, coversNetwork: false }],
    );

    await shot(page, 'desktop-blocked-panel');
    await shot(panel, 'desktop-blocked-panel-only');
    assert.deepEqual(await accessibilityViolations(page), [], 'the blocked visitor panel');
    // A reload reads the block from the server.
    await page.reload();
    await page.getByRole('button', { name: 'Show visitor details' }).click();
    await panel.getByRole('region', { name: 'Blocked' }).getByText(REASON).waitFor();
    assert.deepEqual(page.errors, []);
  });

  test('at 390 px the dialog and the blocked state fit the screen', async () => {
    const phone = await signInAs(PHONE);
    // Another visitor, not blocked, for the dialog.
    const other = await startVisitor('Oskar Olsen-Haraldsrud');
    const otherChat = (
      await gql(server, 'mutation { startConversation(input: { body: "Do you bake on Sundays?" }) { id } }', {}, other.token)
    ).data.startConversation.id;
    let panel = await openPanel(phone, otherChat);
    await panel.getByRole('button', { name: 'Block visitor' }).click();
    const dialog = phone.getByRole('dialog', { name: 'Block Oskar Olsen-Haraldsrud?' });
    await dialog.waitFor();
    await dialog.getByLabel('Reason (optional)').fill('Testing the layout');
    const box = await dialog.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog fits across: ${JSON.stringify(box)}`);
    await shot(phone, 'phone-block-dialog');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the block dialog at 390 px');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await focused(phone), 'button: Block visitor');

    panel = await openPanel(phone, conversationId);
    const status = panel.getByRole('region', { name: 'Blocked' });
    await status.getByText(REASON).waitFor();
    const unblock = await status.getByRole('button', { name: 'Unblock' }).boundingBox();
    assert.ok(unblock.x + unblock.width <= 390, 'Unblock is on screen');
    await shot(phone, 'phone-blocked-panel');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the blocked visitor panel at 390 px');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('Settings › Blocked visitors lists the blocks 25 at a time, with Unblock per row', async () => {
    // 26 more blocks, made with the API, after Vera's: hers is on the second page.
    const made = [];
    for (let i = 1; i <= 26; i++) {
      const v = await startVisitor(`Spammer ${String(i).padStart(2, '0')}`);
      const r = await gql(
        server,
        'mutation($i: BlockVisitorInput!) { blockVisitor(input: $i) { id } }',
        { i: { visitorId: v.id, reason: i === 26 ? null : `Spam, round ${i}` } },
        token,
      );
      assert.ok(r.data, JSON.stringify(r));
      made.push(v);
    }

    await page.goto(`${server.origin}/app/settings`);
    await page.getByRole('link', { name: 'Blocked visitors' }).click();
    await page.getByRole('heading', { name: 'Blocked visitors' }).waitFor();
    const list = page.getByRole('list', { name: 'Blocks in force' });
    const rows = list.getByRole('listitem');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 25);
    // Newest first: the last one made, without a reason.
    assert.match(await rows.first().innerText(), /Spammer 26[\s\S]*No reason given\.[\s\S]*by Frida Fjord/);
    assert.equal(await list.getByText('Vera Visitor').count(), 0, 'the oldest block is on the next page');
    await page.getByRole('button', { name: 'Show more' }).click();
    const veraRow = rows.filter({ hasText: 'Vera Visitor' });
    await veraRow.waitFor();
    assert.equal(await rows.count(), 27);
    assert.match(await veraRow.innerText(), new RegExp(REASON.replace(/\./g, '\\.')));
    assert.equal(await page.getByRole('button', { name: 'Show more' }).count(), 0, 'no third page');
    await veraRow.scrollIntoViewIfNeeded();
    await shot(page, 'desktop-blocked-visitors');
    assert.deepEqual(await accessibilityViolations(page), [], 'the blocked visitors list');

    // Unblock on a row lifts that block only.
    await list.getByRole('button', { name: 'Unblock Spammer 26' }).click();
    await page.getByText('Spammer 26 was unblocked').waitFor();
    await until(async () => (await rows.count()) === 26, 'the row to go');
    assert.equal(await list.getByText('Spammer 26').count(), 0);
    assert.equal((await gql(server, BLOCKS, {}, token)).data.visitorBlocks.edges.length, 26);
    const again = await startVisitor('Spammer 26', made[25].resumeToken);
    assert.equal(again.id, made[25].id, JSON.stringify(again));

    const phone = await signInAs(PHONE);
    await phone.goto(`${server.origin}/app/settings/blocks`);
    await phone.getByRole('list', { name: 'Blocks in force' }).getByRole('listitem').first().waitFor();
    await shot(phone, 'phone-blocked-visitors');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the blocked visitors list at 390 px');
    await phone.context().close();
    assert.deepEqual(page.errors, []);
  });

  test('Unblock in the panel lets the visitor back in with the same resume token', async () => {
    const panel = await openPanel(page, conversationId);
    const status = panel.getByRole('region', { name: 'Blocked' });
    await status.getByRole('button', { name: 'Unblock' }).click();
    await page.getByText('Vera Visitor was unblocked').waitFor();
    await panel.getByRole('button', { name: 'Block visitor' }).waitFor();
    assert.equal(await status.count(), 0);
    assert.equal(await focused(page), 'button: Block visitor');
    assert.deepEqual((await gql(server, BLOCKS, { v: vera.id }, token)).data.visitorBlocks.edges, []);

    // The old token stays revoked; the resume token starts a new session as the same visitor.
    const old = await gql(server, 'query($id: ID!) { conversation(id: $id) { id } }', { id: conversationId }, vera.token);
    assert.equal(old.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const back = await startVisitor('Vera Visitor', vera.resumeToken);
    assert.equal(back.id, vera.id, JSON.stringify(back));
    const read = await gql(server, 'query($id: ID!) { conversation(id: $id) { id } }', { id: conversationId }, back.token);
    assert.deepEqual(read.data, { conversation: { id: conversationId } });
    const socket = await openSocket(back.token);
    assert.equal(socket.code(), null);
    assert.deepEqual(page.errors, []);
  });
});
