// The website settings' live preview, in Debian's Chromium against a real `chinwag serve`
// that serves the built widget: the preview is the real `/widget.js` in a sandboxed frame
// (the dashboard's static /app/preview.html, given the settings by `postMessage`),
// it follows settings as they are typed (before they are saved), never takes the focus from
// the form, and never starts a visitor session.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DESKTOP, PHONE, accessibilityViolations, gql, launchBrowser, shot, signIn, startServer, until } from './harness.mjs';

const OWNER = { org: 'Fika Bakery', name: 'Frida Fika', email: 'frida@fika.test', password: 'cinnamon buns' };
const widgetDist = resolve(import.meta.dirname, '..', '..', 'widget', 'dist');
const APPEARANCE = `query($k: String!) { widgetConfig(websiteKey: $k) { websiteName appearance { color position launcherText greeting } } }`;

describe('website settings: live preview', () => {
  let server, browser, page, website, token;

  before(async () => {
    if (!existsSync(resolve(widgetDist, 'widget.js'))) throw new Error('No widget/dist: run `npm run build -w widget` first.');
    // The server serves the widget from the repository's build, whatever directory the tests run in.
    process.env.CHINWAG_WIDGET_DIR = widgetDist;
    server = await startServer();
    browser = await launchBrowser();
    const { data } = await gql(server, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
      i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
    });
    token = data.signUp.accessToken;
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Fika shop" }) { id publicKey } }', {}, token)).data
      .createWebsite;
    page = await newPage(DESKTOP);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function newPage(options) {
    const p = await signIn(browser, server, OWNER, { ...options, locale: 'en-US' });
    await p.goto(`${server.origin}/app/settings/websites/${website.id}`);
    return p;
  }

  const saved = async () => (await gql(server, APPEARANCE, { k: website.publicKey })).data.widgetConfig;
  /** The preview's frame; Playwright's locators reach into the widget's open shadow root. */
  const preview = (p = page) => p.frameLocator('iframe[title="Widget preview"]');

  test('the preview is the real widget, drawn with the saved settings and open on the greeting', async () => {
    const before = await saved();
    const frame = preview();
    const launcher = frame.locator('chinwag-widget button.launcher');
    await launcher.waitFor();
    assert.equal((await launcher.locator('.text').textContent()).trim(), before.appearance.launcherText);
    await frame.getByRole('dialog', { name: 'Fika shop' }).waitFor();
    await frame.locator('.bubble', { hasText: before.appearance.greeting }).waitFor();
    // It came from the server's built file, the one websites load, in the dashboard's
    // static preview page (no srcdoc, no inline script), on an origin of its own.
    assert.equal(await frame.locator('script[data-website-key]').getAttribute('src'), `${server.origin}/widget.js`);
    const iframe = page.locator('iframe[title="Widget preview"]');
    assert.equal(await iframe.getAttribute('src'), '/app/preview.html');
    assert.equal(await iframe.getAttribute('srcdoc'), null);
    assert.equal(await iframe.getAttribute('sandbox'), 'allow-scripts');
    assert.equal(await frame.locator(':root').evaluate(() => self.origin), 'null');
    assert.deepEqual(page.errors, []);
  });

  test('unsaved changes show in the preview at once, without taking the focus from the form', async () => {
    const frame = preview();
    const greeting = page.getByLabel('Greeting');
    await greeting.fill('');
    await greeting.pressSequentially('Hej! Fresh buns until four.');
    await frame.locator('.bubble', { hasText: 'Hej! Fresh buns until four.' }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      await greeting.getAttribute('id'),
      'focus stays in the form',
    );

    await page.getByLabel('Launcher text').fill('Ask the baker');
    await page.getByLabel('Accent colour as hex').fill('#b45309');
    await page.getByLabel('Position').selectOption('LEFT');
    await page.getByLabel('Website name').fill('Fika bakery');
    const launcher = frame.locator('chinwag-widget button.launcher');
    await until(
      async () => (await launcher.locator('.text').textContent()).trim() === 'Ask the baker',
      'the new launcher text in the preview',
    );
    await until(
      async () => (await launcher.evaluate((b) => getComputedStyle(b).backgroundColor)) === 'rgb(180, 83, 9)',
      'the new accent colour in the preview',
    );
    await frame.getByRole('dialog', { name: 'Fika bakery' }).waitFor();
    // On the left: the launcher sits in the frame's left half.
    const [box, frameBox] = [await launcher.boundingBox(), await page.locator('iframe[title="Widget preview"]').boundingBox()];
    assert.ok(box.x + box.width / 2 < frameBox.x + frameBox.width / 2, 'the launcher moved to the left');
    await page.locator('.widget-preview figcaption').scrollIntoViewIfNeeded();
    await shot(page, 'desktop-website-preview');

    // Nothing was saved by previewing.
    const now = await saved();
    assert.notEqual(now.appearance.greeting, 'Hej! Fresh buns until four.');
    assert.equal(now.appearance.position, 'RIGHT');
    assert.deepEqual(await accessibilityViolations(page), [], 'website settings with the preview');

    // Saved, the real configuration says what the preview showed.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    assert.deepEqual(await saved(), {
      websiteName: 'Fika bakery',
      appearance: { color: '#b45309', position: 'LEFT', launcherText: 'Ask the baker', greeting: 'Hej! Fresh buns until four.' },
    });
    assert.deepEqual(page.errors, []);
  });

  test('a message typed in the preview starts no session and no conversation', async () => {
    const frame = preview();
    const box = frame.getByRole('textbox').first();
    await box.fill('Is this a real chat?');
    await box.press('Enter');
    await frame.getByText('The chat is not available on this page.').waitFor();
    const list = await gql(server, '{ conversations(first: 5) { nodes { id } } }', {}, token);
    assert.deepEqual(list.data.conversations.nodes, []);
  });

  test('on a phone the preview fits the screen and opens as on a phone', async () => {
    const phone = await newPage(PHONE);
    const frame = preview(phone);
    const iframe = phone.locator('iframe[title="Widget preview"]');
    // Narrower than the widget's phone breakpoint: the launcher shows, and opens the full-frame panel.
    const launcher = frame.locator('chinwag-widget button.launcher');
    await launcher.waitFor();
    const right = await iframe.evaluate((f) => f.getBoundingClientRect().right);
    assert.ok(right <= PHONE.viewport.width, `the preview inside the screen (${right} px)`);
    await iframe.scrollIntoViewIfNeeded();
    await shot(phone, 'phone-website-preview');
    await launcher.click();
    await frame.locator('.bubble', { hasText: 'Hej! Fresh buns until four.' }).waitFor();
    const panel = frame.locator('chinwag-widget .panel');
    await until(async () => (await panel.evaluate((p) => getComputedStyle(p).opacity)) === '1', 'the panel to finish opening');
    await shot(phone, 'phone-website-preview-open');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });
});
