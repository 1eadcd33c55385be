/**
 * Attachments: a visitor attaches a PNG (the attach button), sees its upload's progress
 * and then its preview in the thread; the agent reads the message through the API and
 * downloads the same bytes with its signed link. A dropped text file becomes a download
 * link; the agent's reply shows their name and avatar.
 */
import { deflateSync } from 'node:zlib';
import type { CDPSession } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chinwagOrigin, newContext, openChat, openShop, organization, screenshot, until, useBrowser, widget } from './fixture.js';

useBrowser();

/** CRC-32, as PNG chunks need it. */
function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A real `size`×`size` PNG (a diagonal gradient), padded after its end to `bytes` so its upload takes a while. */
function png(size: number, bytes: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) raw.set([x * 2, 120, y * 2], y * (size * 3 + 1) + 1 + x * 3);
  const image = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return Buffer.concat([image, Buffer.alloc(Math.max(0, bytes - image.length), 7)]);
}

interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  url: string;
  isImage: boolean;
}

describe('attachments in the widget', () => {
  it('uploads a PNG with progress, shows its preview, and the agent downloads the same bytes', async () => {
    const { owner, websiteKey } = await organization();
    const context = await newContext();
    const page = await openShop(context, websiteKey);
    const { root } = widget(page);
    await openChat(page);

    // Every upload status the visitor sees, as it changes.
    await page.evaluate(() => {
      const w = window as unknown as { statuses: string[] };
      w.statuses = [];
      const shadow = document.querySelector('chinwag-widget')!.shadowRoot!;
      new MutationObserver(() => {
        const p = shadow.querySelector('.uploads p');
        if (p?.textContent && w.statuses.at(-1) !== p.textContent) w.statuses.push(p.textContent);
      }).observe(shadow, { subtree: true, childList: true, characterData: true });
    });
    // A slow upload link, so that the progress shows.
    const cdp: CDPSession = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024,
    });

    // The attach button opens the file chooser; the first file starts the conversation.
    const bytes = png(96, 3 * 1024 * 1024);
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      root.getByRole('button', { name: 'Attach a file' }).click(),
    ]);
    await chooser.setFiles({ name: 'cat.png', mimeType: 'image/png', buffer: bytes });
    await root.locator('.uploads progress').waitFor();

    // The preview, once stored and sent: the image itself, loaded through its signed link.
    const preview = root.locator('.row.me .file img');
    await preview.waitFor({ timeout: 20_000 });
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);
    expect(await preview.getAttribute('alt')).toBe('cat.png');
    await expect.poll(() => root.locator('.uploads').count()).toBe(0);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
    const percents = statuses.map((s) => Number(/^Sending cat\.png… (\d+)%$/.exec(s)?.[1] ?? NaN));
    expect(percents.every((n) => n >= 0 && n <= 100)).toBe(true);
    expect(percents.some((n) => n > 0 && n < 100)).toBe(true); // progress in between, not only the ends

    // The agent reads the message through the API and downloads the bytes.
    let id: string | undefined;
    await until(async () => !!(id = (await owner.conversations({ first: 1 })).nodes[0]?.id), 'the conversation');
    const { messages } = await owner.messages(id!);
    const sent = messages.find((m) => m.attachments.length)!;
    expect(sent.body).toBe('');
    expect(sent.senderKind).toBe('VISITOR');
    const [file] = sent.attachments as Attachment[];
    expect(file).toMatchObject({ filename: 'cat.png', contentType: 'image/png', size: bytes.length, isImage: true });
    const download = await fetch(new URL(file!.url, chinwagOrigin()));
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    // The widget shows the same file.
    expect(new URL((await preview.getAttribute('src'))!).pathname).toBe(new URL(file!.url, chinwagOrigin()).pathname);

    // A dropped text file: a download link with its name and size.
    await root.locator('.composer').evaluate((form) => {
      const data = new DataTransfer();
      data.items.add(new File(['Order #42: two mugs\n'], 'order.txt', { type: 'text/plain' }));
      form.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      form.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const link = root.locator('.row.me a.file.doc');
    await link.waitFor();
    expect(await link.textContent()).toBe('order.txt1 KB');
    const text = await fetch(new URL((await link.getAttribute('href'))!));
    expect(await text.text()).toBe('Order #42: two mugs\n');

    // The agent's reply: their name and avatar above it.
    await owner.request('mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }', {
      input: { avatarUrl: new URL(file!.url, chinwagOrigin()).href },
    });
    await owner.sendMessage(id!, 'Lovely cat! Your order is on its way.');
    const who = root.locator('.row.them .who');
    await who.waitFor();
    expect(await who.textContent()).toBe('Ann');
    await expect.poll(() => who.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(96);

    await page.waitForTimeout(300);
    await screenshot(page, 'attachments');
  });
});
