// Settings › Privacy and the visitor panel's "Their data", in Debian's Chromium against a
// real `chinwag serve`: the owner exports a person found by email and downloads the ZIP
// through the page (their messages are in visitors/<id>.json); erases them after the
// dialog (which says what goes under the erasure mode and that it cannot be undone) and
// reads the receipt; their messages are gone from the conversation, the team's reply
// stays. An admin exports and erases a visitor from the visitor panel, and the open thread
// shows it at once. The erasure mode and a website's retention are saved and shown after a
// reload; in DELETE mode an erasure deletes the conversation. The owner exports the whole
// organization, which an admin does not see; the audit log names each action. At 390 px
// nothing scrolls sideways; an agent is barred; every screen passes axe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import {
  DESKTOP,
  PHONE,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Moss Millinery', name: 'Mona Moss', email: 'mona@moss.test', password: 'felt, feathers and veils' };
const ADMIN = { name: 'Arne Aas', email: 'arne@moss.test', password: 'hat boxes on the shelf' };
const AGENT = { name: 'Siri Sand', email: 'siri@moss.test', password: 'ribbons by the metre' };
const LOCALE = { locale: 'en-GB', timezoneId: 'Europe/Oslo' };
const VERA_SAYS = 'My order 4411 never arrived';
const VERA_ADDS = 'It was a green cloche';
const REPLY = 'Sorry to hear that, we will look into it';
const WALT_SAYS = 'Please remove everything about me';
const TINA_SAYS = 'Just browsing the bowler hats';
const SESSION = 'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token visitor { id } } }';

/** The entries of a ZIP archive by name, as bytes (stored or deflated entries; no ZIP64). */
function unzip(zip) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end > 0, 'a ZIP end of central directory');
  const files = new Map();
  let at = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    files.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return files;
}

/** Clicks `link` and resolves to the downloaded file's bytes and name. */
async function download(page, link) {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { bytes: await readFile(await file.path()), name: file.suggestedFilename() };
}

describe('privacy requests', () => {
  let server, browser, page, token;
  let websites, vera, walt, tina;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    await addAgent(server, token, ADMIN, 'ADMIN');
    await addAgent(server, token, AGENT);
    websites = [];
    for (const name of ['Moss shop', 'Moss outlet']) {
      websites.push((await call(`mutation { createWebsite(input: { name: "${name}" }) { id publicKey } }`)).createWebsite);
    }
    vera = await chatter('Vera Vik', 'vera@moss.test', VERA_SAYS);
    await call(
      'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
      {
        i: { conversationId: vera.conversationId, body: VERA_ADDS },
      },
      vera.token,
    );
    await call('mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }', {
      i: { conversationId: vera.conversationId, body: REPLY },
    });
    walt = await chatter('Walt Wood', 'walt@moss.test', WALT_SAYS);
    tina = await chatter('Tina Tveit', null, TINA_SAYS);
    page = await signIn(browser, server, OWNER, { ...DESKTOP, ...LOCALE });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A GraphQL call that must succeed (as the owner unless `bearer` says otherwise). */
  async function call(query, variables = {}, bearer = token) {
    const r = await gql(server, query, variables, bearer);
    assert.ok(r.data, JSON.stringify(r));
    return r.data;
  }

  /** A visitor of the first website who starts a conversation with `says`. */
  async function chatter(name, email, says) {
    const session = (await call(SESSION, { i: { websiteKey: websites[0].publicKey, name, email } }, null)).startVisitorSession;
    const { startConversation } = await call(
      'mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }',
      { i: { body: says } },
      session.token,
    );
    return { id: session.visitor.id, token: session.token, conversationId: startConversation.id };
  }

  const openPrivacy = async (p) => {
    await p.goto(`${server.origin}/app/settings/privacy`);
    await p.getByRole('heading', { name: 'Find a person' }).waitFor();
    await p.getByRole('heading', { name: 'Retention' }).waitFor();
  };
  const erasureDialog = (p, who) => p.getByRole('dialog', { name: `Erase the data of ${who}?` });
  /** A receipt's counts, as `{ Visitors: '1', ... }`. */
  const receiptOf = async (scope) => {
    const receipt = scope.getByLabel('Receipt: what was removed');
    await receipt.waitFor();
    const terms = await receipt.locator('dt').allInnerTexts();
    const values = await receipt.locator('dd').allInnerTexts();
    return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
  };

  test('the owner finds a person by email, exports their data and downloads the archive', async () => {
    await page.goto(`${server.origin}/app/settings`);
    await page.getByRole('link', { name: 'Privacy' }).click();
    await page.getByRole('heading', { name: 'Find a person' }).waitFor();
    await page.getByRole('heading', { name: 'No exports yet' }).waitFor();
    await page.getByRole('heading', { name: 'No erasures yet' }).waitFor();
    assert.equal(await page.getByRole('radio', { name: 'Email' }).getAttribute('aria-checked'), 'true');
    assert.deepEqual(await accessibilityViolations(page), [], 'nothing asked yet');

    await page.getByLabel('Email', { exact: true }).fill('vera@moss.test');
    await page.getByRole('button', { name: 'Export their data' }).click();
    await page.getByRole('heading', { name: 'Export for vera@moss.test' }).waitFor();
    const link = page.getByRole('link', { name: 'Download the data of vera@moss.test' });
    await link.waitFor();

    const { bytes, name } = await download(page, link);
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a ZIP archive');
    assert.match(name, /\.zip$/);
    const files = unzip(bytes);
    assert.ok(files.has('chinwag-export.json'), [...files.keys()].join(', '));
    const person = files.get(`visitors/${vera.id}.json`)?.toString('utf8');
    assert.ok(person, `visitors/${vera.id}.json in ${[...files.keys()].join(', ')}`);
    assert.ok(person.includes(VERA_SAYS) && person.includes(VERA_ADDS), 'their messages are in it');

    // Listed, ready, with who and how big.
    const card = page.getByRole('list', { name: 'Exports' }).getByRole('listitem').first();
    await card.getByText('ready', { exact: true }).waitFor();
    await card.getByText("A person's data").waitFor();
    await card.getByText(vera.id).waitFor();
    const [made] = (await call('query { exports { id size url } }')).exports;
    assert.equal(made.size, bytes.length);
    assert.equal(await card.getByRole('link', { name: /^Download a person's data/ }).getAttribute('href'), made.url);
    await shot(page, 'desktop-privacy-export');
    assert.deepEqual(await accessibilityViolations(page), [], 'an export made');
    assert.deepEqual(page.errors, []);
  });

  test('erasing asks first, then shows the receipt, and the conversation keeps only the team', async () => {
    await openPrivacy(page);
    await page.getByLabel('Email', { exact: true }).fill('vera@moss.test');
    await page.getByRole('button', { name: 'Erase their data' }).click();
    const dialog = erasureDialog(page, 'vera@moss.test');
    await dialog.getByText('Every visitor who gave vera@moss.test, on all your websites.').waitFor();
    await dialog.getByText('Their messages are emptied and their files deleted.', { exact: false }).waitFor();
    await dialog.getByText('This cannot be undone.').waitFor();
    await shot(page, 'desktop-privacy-erase-dialog');
    assert.deepEqual(await accessibilityViolations(page), [], 'the erase dialog');

    // Cancel erases nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual((await call('query { erasures { id } }')).erasures, []);

    await page.getByRole('button', { name: 'Erase their data' }).click();
    await dialog.getByRole('button', { name: 'Erase their data' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const job = page.locator('.person-job').filter({ has: page.getByRole('heading', { name: 'Erasure for vera@moss.test' }) });
    const receipt = await receiptOf(job);
    assert.deepEqual(
      { visitors: receipt.Visitors, conversations: receipt.Conversations, messages: receipt.Messages },
      { visitors: '1', conversations: '1', messages: '2' },
    );
    await job.getByText('Their conversations stay for your team, without their messages.').waitFor();

    // Listed with who asked and what went.
    const card = page.getByRole('list', { name: 'Erasures' }).getByRole('listitem').first();
    await card.getByText('done', { exact: true }).waitFor();
    await card.getByText(OWNER.name).waitFor();
    await card.getByText(/^1 visitor, 1 conversation, 2 messages, 0 files, 0 page views, \d+ pending emails?$/).waitFor();
    await shot(page, 'desktop-privacy-erased');
    assert.deepEqual(await accessibilityViolations(page), [], 'an erasure made');

    // Nobody has that email any more: a new export finds no one.
    await page.getByRole('button', { name: 'Export their data' }).click();
    await page.getByText("No visitor matched: the archive holds no one's data.").waitFor();

    // The conversation stays for the team, without her words.
    await page.goto(`${server.origin}/app/inbox/all/${vera.conversationId}`);
    const thread = page.getByRole('region', { name: /^Conversation with/ });
    await thread.getByText(REPLY).waitFor();
    assert.equal(await thread.getByText(VERA_SAYS).count(), 0);
    assert.equal(await thread.getByText(VERA_ADDS).count(), 0);
    assert.deepEqual(page.errors, []);
  });

  test('from the visitor panel an admin exports and erases a visitor, and the open thread shows it', async () => {
    const admin = await signIn(browser, server, ADMIN, { ...DESKTOP, ...LOCALE });
    await admin.goto(`${server.origin}/app/inbox/all/${walt.conversationId}`);
    // Named after the visitor, who has no name once erased.
    const thread = admin.getByRole('region', { name: /^Conversation with/ });
    await thread.getByText(WALT_SAYS).waitFor();
    await admin.getByRole('button', { name: 'Show visitor details' }).click();
    const panel = admin.getByRole('complementary', { name: 'Visitor details' });
    const data = panel.getByRole('region', { name: 'Their data' });
    await data.waitFor();

    await data.getByRole('button', { name: 'Export data' }).click();
    const { bytes } = await download(admin, data.getByRole('link', { name: 'Download the data of Walt Wood' }));
    assert.ok(unzip(bytes).get(`visitors/${walt.id}.json`)?.toString('utf8').includes(WALT_SAYS), 'his message is exported');

    await data.getByRole('button', { name: 'Erase data' }).click();
    const dialog = erasureDialog(admin, 'Walt Wood');
    await dialog.getByText('This cannot be undone.').waitFor();
    await dialog.getByRole('button', { name: 'Erase their data' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const receipt = await receiptOf(data);
    assert.equal(receipt.Visitors, '1');
    assert.equal(receipt.Messages, '1');

    // The thread is read again: his words are gone without a reload, and so is his name.
    await thread.getByText(WALT_SAYS).waitFor({ state: 'detached' });
    await panel
      .getByText(`Visitor ${walt.id.slice(-4)}`)
      .first()
      .waitFor();
    await data.scrollIntoViewIfNeeded();
    await shot(admin, 'desktop-visitor-panel-erased');
    assert.deepEqual(await accessibilityViolations(admin), [], 'the panel after an erasure');
    assert.deepEqual(admin.errors, []);
    await admin.context().close();
  });

  test('the erasure mode and retention are saved and shown after a reload', async () => {
    await openPrivacy(page);
    const modes = page.getByRole('group', { name: 'When a person is erased' });
    const keep = modes.getByRole('radio', { name: "Keep the conversations, with the visitor's messages removed" });
    const remove = modes.getByRole('radio', { name: 'Delete the conversations' });
    assert.equal(await keep.isChecked(), true, 'the default');
    await remove.check();
    await page.getByRole('button', { name: 'Save erasure mode' }).click();
    await page.getByText('Erasure mode saved').waitFor();
    assert.equal((await call('query { erasureMode }')).erasureMode, 'DELETE');

    const shop = page.getByRole('form', { name: 'Moss shop' });
    const resolved = shop.getByRole('group', { name: 'Resolved conversations' });
    assert.equal(await resolved.getByRole('radio', { name: 'Keep forever' }).isChecked(), true);
    await resolved.getByRole('radio', { name: 'Delete after' }).check();
    await resolved.getByRole('spinbutton').fill('365');
    await shop.getByRole('button', { name: 'Save retention for Moss shop' }).click();
    await page.getByText('Retention saved for Moss shop').waitFor();
    const retention = async () =>
      (await call('query { websites { name retention { resolvedConversationDays idleVisitorDays } } }')).websites;
    assert.deepEqual(await retention(), [
      { name: 'Moss shop', retention: { resolvedConversationDays: 365, idleVisitorDays: null } },
      { name: 'Moss outlet', retention: { resolvedConversationDays: null, idleVisitorDays: null } },
    ]);

    await page.reload();
    await page.getByRole('heading', { name: 'Retention' }).waitFor();
    await shop.waitFor();
    assert.equal(await resolved.getByRole('radio', { name: 'Delete after' }).isChecked(), true);
    assert.equal(await resolved.getByRole('spinbutton').inputValue(), '365');
    const idle = shop.getByRole('group', { name: 'Idle visitors' });
    assert.equal(await idle.getByRole('radio', { name: 'Keep forever' }).isChecked(), true);
    await remove.waitFor();
    assert.equal(await remove.isChecked(), true, 'the saved mode');
    await shop.scrollIntoViewIfNeeded();
    await shot(page, 'desktop-privacy-settings');
    assert.deepEqual(await accessibilityViolations(page), [], 'the settings saved');

    // Keep forever again, the other way round.
    await resolved.getByRole('radio', { name: 'Keep forever' }).check();
    await idle.getByRole('radio', { name: 'Delete after' }).check();
    await idle.getByRole('spinbutton').fill('30');
    await shop.getByRole('button', { name: 'Save retention for Moss shop' }).click();
    await until(async () => (await retention())[0].retention.idleVisitorDays === 30, 'idle visitors kept 30 days');
    assert.deepEqual((await retention())[0].retention, { resolvedConversationDays: null, idleVisitorDays: 30 });
    assert.deepEqual(page.errors, []);
  });

  test('in DELETE mode, erasing a visitor by id deletes their conversation', async () => {
    assert.equal((await call('query { erasureMode }')).erasureMode, 'DELETE', 'set by the test before');
    await openPrivacy(page);
    await page.getByRole('radio', { name: 'Visitor id' }).click();
    await page.getByLabel('Visitor id', { exact: true }).fill(tina.id);
    await page.getByRole('button', { name: 'Erase their data' }).click();
    const dialog = erasureDialog(page, `visitor ${tina.id}`);
    await dialog.getByText('Their conversations are deleted whole', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Erase their data' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const job = page
      .locator('.person-job')
      .filter({ has: page.getByRole('heading', { name: `Erasure for visitor ${tina.id}` }) });
    assert.equal((await receiptOf(job)).Conversations, '1');
    await job.getByText('Their conversations were deleted.').waitFor();
    const gone = await gql(server, 'query($id: ID!) { conversation(id: $id) { id } }', { id: tina.conversationId }, token);
    assert.equal(gone.errors?.[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(gone));
    assert.deepEqual(page.errors, []);
  });

  test('the owner exports the whole organization, which an admin does not see; the audit log names it all', async () => {
    await openPrivacy(page);
    await page.getByRole('button', { name: 'Export the organization' }).click();
    const link = page.getByRole('link', { name: "Download the organization's export" });
    await link.waitFor();
    const { bytes } = await download(page, link);
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    const names = [...unzip(bytes).keys()];
    assert.ok(names.includes('chinwag-export.json'), names.join(', '));
    await page.getByRole('list', { name: 'Exports' }).getByText('The whole organization').waitFor();

    const admin = await signIn(browser, server, ADMIN, { ...DESKTOP, ...LOCALE });
    await openPrivacy(admin);
    assert.equal(await admin.getByRole('heading', { name: 'Export the whole organization' }).count(), 0);
    assert.equal(await admin.getByRole('list', { name: 'Exports' }).getByText('The whole organization').count(), 0);
    await admin.context().close();

    await page.goto(`${server.origin}/app/settings/audit`);
    const table = page.getByRole('table', { name: 'Audit log entries' });
    for (const sentence of [
      "Exported a person's data",
      "Erased a person's data",
      'Exported the whole organization',
      'Changed the erasure mode',
    ]) {
      await table.getByText(sentence).first().waitFor();
    }
    assert.deepEqual(page.errors, []);
  });

  test('at 390 px the page and the dialog fit', async () => {
    const phone = await signIn(browser, server, OWNER, { ...PHONE, ...LOCALE });
    await openPrivacy(phone);
    await phone.getByRole('list', { name: 'Exports' }).waitFor();
    const width = async () => phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await width()) <= 390, `no sideways scroll: ${await width()}`);
    for (const name of ['Find a person', 'Exports', 'Erasures', 'Retention']) {
      const box = await phone.getByRole('heading', { name, exact: true }).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${name} fits across: ${JSON.stringify(box)}`);
    }
    await shot(phone, 'phone-privacy');
    await phone.getByRole('list', { name: 'Erasures' }).scrollIntoViewIfNeeded();
    await shot(phone, 'phone-privacy-erasures');
    await phone.getByRole('form', { name: 'Moss shop' }).scrollIntoViewIfNeeded();
    await shot(phone, 'phone-privacy-retention');
    assert.deepEqual(await accessibilityViolations(phone), [], 'Privacy at 390 px');

    await phone.getByRole('heading', { name: 'Find a person' }).scrollIntoViewIfNeeded();
    await phone.getByLabel('Email', { exact: true }).fill('nobody@moss.test');
    await phone.getByRole('button', { name: 'Erase their data' }).click();
    const dialog = erasureDialog(phone, 'nobody@moss.test');
    await dialog.getByText('This cannot be undone.').waitFor();
    const box = await dialog.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog fits across: ${JSON.stringify(box)}`);
    await shot(phone, 'phone-privacy-erase-dialog');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the dialog at 390 px');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('an agent is barred: no section, its URL says who may open it, and the panel has no data actions', async () => {
    const agent = await signIn(browser, server, AGENT, DESKTOP);
    await agent.goto(`${server.origin}/app/settings`);
    await agent.getByRole('link', { name: 'Blocked visitors' }).waitFor();
    assert.equal(await agent.getByRole('link', { name: 'Privacy' }).count(), 0);
    await agent.goto(`${server.origin}/app/settings/privacy`);
    await agent.getByRole('heading', { name: 'Privacy is for owners and admins' }).waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Export their data' }).count(), 0);
    assert.deepEqual(await accessibilityViolations(agent), [], 'the barred section');

    await agent.goto(`${server.origin}/app/inbox/all/${vera.conversationId}`);
    await agent.getByRole('button', { name: 'Show visitor details' }).click();
    const panel = agent.getByRole('complementary', { name: 'Visitor details' });
    await panel.getByRole('heading', { name: 'Other conversations' }).waitFor();
    assert.equal(await panel.getByRole('region', { name: 'Their data' }).count(), 0);
    assert.equal(await panel.getByRole('button', { name: 'Erase data' }).count(), 0);
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
});
