// Files in conversations: the agent attaches a PNG with the paperclip (it uploads with
// progress, then goes with the reply), sees its preview in the thread; a visitor (the SDK
// from Node) reads the message with its attachment and downloads the same bytes by the
// signed link. A file dropped on the composer goes with a private note the visitor never
// sees, as a download link; a pasted image uploads too; a file over the limit is refused
// with the reason, and nothing is sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { createAgentClient, createVisitorClient, memoryStorage, CreateWebsiteDocument } from '@chinwag/sdk';
import WebSocket from 'ws';
import { DESKTOP, accessibilityViolations, launchBrowser, shot, signIn, startServer, until } from './harness.mjs';

const OWNER = { organizationName: 'Files Inc', name: 'Ann Files', email: 'ann@files.test', password: 'correct horse' };

/** A real PNG (a gradient), encoded by hand: a zlib stream of RGB rows. */
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const head = Buffer.alloc(13);
  head.writeUInt32BE(width, 0);
  head.writeUInt32BE(height, 4);
  head[8] = 8; // bit depth
  head[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      rows[i] = Math.round((x / width) * 255);
      rows[i + 1] = 120;
      rows[i + 2] = Math.round((y / height) * 255);
    }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', head),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const MESSAGES = `query($id: ID!) { conversation(id: $id) { messages(last: 20) { nodes { id body isPrivate
  attachments { id filename contentType size url isImage } } } } }`;

describe('attachments', () => {
  let server, browser, page, visitor, conversationId;
  const image = png(160, 100);

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const agent = createAgentClient({ url: server.graphql, storage: memoryStorage() });
    await agent.signUp(OWNER);
    const websiteKey = (await agent.request(CreateWebsiteDocument, { input: { name: 'Files shop' } })).createWebsite.publicKey;
    agent.dispose();
    visitor = createVisitorClient({
      url: server.graphql,
      websiteKey,
      storage: memoryStorage(),
      WebSocket,
      name: 'Pia Picture',
    });
    conversationId = (await visitor.startConversation('Can you send me the chart?')).id;

    page = await signIn(browser, server, OWNER, DESKTOP);
    await page.getByText('Can you send me the chart?').first().click();
    await page.getByRole('heading', { name: 'Pia Picture' }).waitFor();
  });
  after(async () => {
    visitor?.dispose();
    await browser?.close();
    await server?.stop();
  });

  test('the agent attaches a PNG with the paperclip, sends it, and sees its preview', async () => {
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Attach files' }).click(),
    ]);
    await chooser.setFiles({ name: 'chart.png', mimeType: 'image/png', buffer: image });
    const files = page.getByRole('list', { name: 'Files to send' });
    await files.getByText('chart.png').waitFor();
    await files.getByText('Ready').waitFor();
    await page.getByLabel('Reply').fill('Here is the chart');
    await page.getByRole('button', { name: 'Send', exact: true }).click();

    const preview = page.getByRole('list', { name: 'Messages' }).getByRole('img', { name: 'chart.png' });
    await preview.waitFor();
    await until(() => preview.evaluate((img) => img.complete && img.naturalWidth === 160), 'the preview to load');
    assert.equal(await files.count(), 0, 'the composer is empty again');
    assert.deepEqual(page.errors, []);
    await shot(page, 'desktop-attachment-preview');
    assert.deepEqual(await accessibilityViolations(page), [], 'a conversation with an image');
  });

  test('the visitor reads the message with its attachment and downloads the same bytes', async () => {
    const { conversation } = await visitor.request(MESSAGES, { id: conversationId });
    const m = conversation.messages.nodes.find((n) => n.body === 'Here is the chart');
    assert.ok(m, 'the reply reached the visitor');
    assert.equal(m.attachments.length, 1);
    const [a] = m.attachments;
    assert.equal(a.filename, 'chart.png');
    assert.equal(a.contentType, 'image/png');
    assert.equal(a.size, image.length);
    assert.equal(a.isImage, true);
    assert.match(a.url, /^\/files\//);
    const r = await fetch(`${server.origin}${a.url}`);
    assert.equal(r.status, 200);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(image), 'the downloaded bytes are the uploaded ones');
  });

  test('a file dropped on the composer goes with a private note, as a download link the visitor never sees', async () => {
    await page.getByRole('radio', { name: 'Private note' }).click();
    await page.locator('.composer').evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['order 1234: refund approved\n'], 'refund.txt', { type: 'text/plain' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByRole('list', { name: 'Files to send' }).getByText('Ready').waitFor();
    // No text: a file alone is a message.
    await page.getByRole('button', { name: 'Add note' }).click();
    const link = page.locator('.msg-note').getByRole('link', { name: /refund\.txt/ });
    await link.waitFor();
    const href = await link.getAttribute('href');
    const r = await fetch(`${server.origin}${href}`);
    assert.equal(await r.text(), 'order 1234: refund approved\n');

    const { conversation } = await visitor.request(MESSAGES, { id: conversationId });
    assert.ok(
      conversation.messages.nodes.every((n) => !n.isPrivate && n.attachments.every((f) => f.filename !== 'refund.txt')),
      'the visitor never sees the note nor its file',
    );
  });

  test('a pasted image uploads; a file over the limit is refused with the reason', async () => {
    await page.getByRole('radio', { name: 'Reply' }).click();
    const box = page.getByLabel('Reply');
    await box.evaluate(
      (el, bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
        el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      },
      [...png(40, 40)],
    );
    const files = page.getByRole('list', { name: 'Files to send' });
    await files.getByText('pasted.png').waitFor();
    await files.getByText('Ready').waitFor();
    await page.getByRole('button', { name: 'Remove pasted.png' }).click();

    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Attach files' }).click(),
    ]);
    await chooser.setFiles({
      name: 'huge.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    await files.getByText(/Not uploaded: it is over the size limit/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled(), true, 'nothing to send');
    await shot(page, 'desktop-attachment-refused');
    await page.getByRole('button', { name: 'Remove huge.bin' }).click();
    assert.equal(await files.count(), 0);
    assert.deepEqual(page.errors, []);
  });
});
