// A website's visitor deletion switch (docs/privacy.md, "A visitor deleting their own
// data"), in Debian's Chromium against a real `chinwag serve`: off by default; an owner
// turns it on in the website's settings, the server and the public `widgetConfig` say so,
// a reload shows it on; turned off again, both say off. A screenshot of the switch goes to
// test-results/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessibilityViolations, gql, launchBrowser, shot, signIn, signUpOwner, startServer } from './harness.mjs';

const OWNER = { org: 'Heron Teas', name: 'Hana Heron', email: 'hana@heron.test', password: 'steep five minutes' };
const LABEL = 'Visitors can delete their data';

describe('visitor deletion', () => {
  let server, browser, token, page, website;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Heron shop" }) { id publicKey } }', {}, token)).data
      .createWebsite;
    page = await signIn(browser, server, OWNER);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Visitor deletion as the owner's API and as the widget's anonymous configuration see it. */
  async function saved() {
    const { data } = await gql(server, 'query($id: ID!) { website(id: $id) { visitorDeletion } }', { id: website.id }, token);
    const widget = await gql(server, 'query($k: String!) { widgetConfig(websiteKey: $k) { visitorDeletion } }', {
      k: website.publicKey,
    });
    return { website: data.website.visitorDeletion, widget: widget.data.widgetConfig.visitorDeletion };
  }

  test('an owner turns visitor deletion on and off in the website’s settings', async () => {
    assert.deepEqual(await saved(), { website: false, widget: false });
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const section = page.locator('section.panel', { has: page.getByRole('heading', { name: 'Visitor deletion' }) });
    const toggle = section.getByRole('switch', { name: LABEL });
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    // The hint, read with the switch, says what the widget shows and what it erases.
    const hint = await toggle.getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent());
    assert.match(hint, /Delete my conversations/);
    assert.match(hint, /erases the visitor’s conversations and details/);

    await section.scrollIntoViewIfNeeded();
    await shot(section, 'visitor-deletion-off');

    await toggle.click();
    await page.getByText('Visitor deletion on').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    assert.deepEqual(await saved(), { website: true, widget: true });
    await shot(section, 'visitor-deletion-on');
    assert.deepEqual(await accessibilityViolations(page), []);

    // Kept: on after a reload.
    await page.reload();
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');

    // And off again, with the keyboard.
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.getByText('Visitor deletion off').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    assert.deepEqual(await saved(), { website: false, widget: false });
    assert.deepEqual(page.errors, []);
  });
});
