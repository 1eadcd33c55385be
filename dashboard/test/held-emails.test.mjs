// Held email replies, in Debian's Chromium against a real `chinwag serve` with a reply
// domain and a signed `POST /inbound/email` (docs/email.md), no SMTP: emails land in the
// outbox. A visitor whose address the site vouches for (emailHash) leaves an offline
// message; the agent's reply is emailed with a `Reply-To: reply+…@reply.example.test`. An
// answer to it from another address is held (the server says "held"): the conversation
// shows it in a banner (sender, reason, subject, text as plain text with its line breaks),
// and "Post as the visitor's message" posts it as the visitor's and clears the banner. A
// second one, arriving while the conversation is open, shows without a reload (the
// server's SYSTEM note is the cue) and "Discard" drops it without posting anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DESKTOP,
  accessibilityViolations,
  gql,
  launchBrowser,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Pine Pens', name: 'Pia Pine', email: 'pia@pens.test', password: 'fountain nibs and ink' };
const VISITOR = 'vera@visitor.test';
const SECRET = 's3cret';
const hex = (key, text) => createHmac('sha256', key).update(text).digest('hex');

describe('Held email replies', () => {
  let server, browser, page, token, conversationId, replyTo;

  before(async () => {
    server = await startServer({ env: { CHINWAG_REPLY_DOMAIN: 'reply.example.test', CHINWAG_INBOUND_EMAIL_SECRET: SECRET } });
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    const website = (
      await gql(server, 'mutation { createWebsite(input: { name: "Pine shop" }) { id publicKey identitySecret } }', {}, token)
    ).data.createWebsite;
    // A visitor whose address the site's server vouches for.
    const session = await gql(server, 'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }', {
      i: {
        websiteKey: website.publicKey,
        name: 'Vera Vale',
        email: VISITOR,
        emailHash: hex(website.identitySecret, `email:${VISITOR}`),
      },
    });
    assert.ok(session.data, JSON.stringify(session));
    const started = await gql(
      server,
      'mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }',
      { i: { body: 'Do you ship pens to Norway?', offline: true } },
      session.data.startVisitorSession.token,
    );
    assert.ok(started.data, JSON.stringify(started));
    conversationId = started.data.startConversation.id;
    const sent = await gql(
      server,
      'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
      { i: { conversationId, body: 'We do: five days by post.' } },
      token,
    );
    assert.ok(sent.data, JSON.stringify(sent));
    // The emailed reply's Reply-To: where the visitor's answer goes.
    replyTo = await until(async () => {
      for (const head of await outboxHeads(server.dataDir)) {
        const address = head.match(/^Reply-To:.*?(reply\+[^\s<>@]+@reply\.example\.test)/im)?.[1];
        if (address) return address;
      }
    }, 'the emailed reply with its Reply-To');
    page = await signIn(browser, server, OWNER, DESKTOP);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Posts an email to the conversation's reply address from `from`, signed as an MTA would; the server's answer. */
  async function deliver(from, subject, text, id) {
    const body = [
      `From: Somebody Else <${from}>`,
      `To: ${replyTo}`,
      `Subject: ${subject}`,
      `Message-ID: <${id}@elsewhere.test>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      ...text.split('\n'),
      '',
      'On Monday, Pine Pens wrote:',
      '> We do: five days by post.',
      '',
    ].join('\r\n');
    const ts = String(Math.floor(Date.now() / 1000));
    const r = await fetch(`${server.origin}/inbound/email`, {
      method: 'POST',
      headers: {
        'content-type': 'message/rfc822',
        'Chinwag-Timestamp': ts,
        'Chinwag-Signature': `v1=${hex(SECRET, `${ts}.${body}`)}`,
        'Chinwag-Envelope-To': replyTo,
      },
      body,
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  const banner = () => page.getByRole('region', { name: 'Held email replies' });
  const visitorMessages = () => page.locator('.msg-theirs .msg-body').allInnerTexts();

  test('a reply from another address is held, shown as plain text, and posted as the visitor’s', async () => {
    const answer = await deliver(
      'other@elsewhere.test',
      'Re: Pens',
      'Great, thanks!\nTwo of the <b>blue</b> ones, please.',
      'one',
    );
    assert.equal(answer.status, 200, JSON.stringify(answer));
    assert.equal(answer.body?.status, 'held', JSON.stringify(answer));

    await page.goto(`${server.origin}/app/inbox/all/${conversationId}`);
    await page.getByRole('heading', { name: 'Vera Vale' }).waitFor();
    const item = banner().getByRole('article', { name: 'Held email from other@elsewhere.test' });
    await item.waitFor();
    const shown = await item.innerText();
    assert.match(shown, /not from the visitor’s address/);
    assert.match(shown, /Re: Pens/);
    // Its line breaks kept, its markup shown as text.
    assert.equal(await item.getByLabel('Its text').innerText(), 'Great, thanks!\nTwo of the <b>blue</b> ones, please.');
    assert.equal(await item.locator('b').count(), 0);
    assert.ok(!(await visitorMessages()).some((t) => t.includes('Great, thanks!')), 'not posted yet');
    await page.screenshot({ path: '/tmp/helpers/held-email.png' });
    await shot(page, 'held-email');
    assert.deepEqual(await accessibilityViolations(page), []);

    await item.getByRole('button', { name: 'Post as the visitor’s message' }).click();
    await until(async () => (await visitorMessages()).some((t) => t.startsWith('Great, thanks!')), 'the visitor’s message');
    await banner().waitFor({ state: 'detached' });
    const held = await gql(server, 'query($id: ID!) { heldEmails(conversationId: $id) { id } }', { id: conversationId }, token);
    assert.deepEqual(held.data.heldEmails, []);
    assert.deepEqual(page.errors, []);
  });

  test('one arriving while the conversation is open shows at once, and Discard drops it', async () => {
    const before = (await visitorMessages()).length;
    const answer = await deliver('spoof@elsewhere.test', 'Re: Pens', 'Send the money here instead.', 'two');
    assert.equal(answer.body?.status, 'held', JSON.stringify(answer));
    const item = banner().getByRole('article', { name: 'Held email from spoof@elsewhere.test' });
    await item.waitFor();
    await item.getByRole('button', { name: 'Discard' }).click();
    await banner().waitFor({ state: 'detached' });
    assert.equal((await visitorMessages()).length, before, 'nothing posted');
    const held = await gql(server, 'query($id: ID!) { heldEmails(conversationId: $id) { id } }', { id: conversationId }, token);
    assert.deepEqual(held.data.heldEmails, []);
    assert.deepEqual(page.errors, []);
  });
});

/** The header block of each email in the outbox (folded lines unfolded), oldest first. */
async function outboxHeads(dataDir) {
  const dir = join(dataDir, 'outbox');
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(
    files.map(async (f) => {
      const raw = await readFile(join(dir, f), 'utf8');
      return raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
    }),
  );
}
