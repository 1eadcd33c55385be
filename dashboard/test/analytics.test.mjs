// A website's page analytics switch (docs/integrations.md, "Page analytics"), in Debian's
// Chromium against a real `chinwag serve`: off by default; an owner turns it on in the
// website's settings, the server and the public `widgetConfig` say so, a reload shows it
// on; turned off again, both say off. A screenshot of the switch goes to test-results/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessibilityViolations, gql, launchBrowser, shot, signIn, signUpOwner, startServer } from './harness.mjs';

const OWNER = { org: 'Fjord Bikes', name: 'Frida Fjord', email: 'frida@fjord.test', password: 'two wheels good' };
const LABEL = 'Send chat events to Google Tag Manager (dataLayer)';

describe('page analytics', () => {
  let server, browser, token, page, website;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    website = (await gql(server, 'mutation { createWebsite(input: { name: "Fjord shop" }) { id publicKey } }', {}, token)).data
      .createWebsite;
    page = await signIn(browser, server, OWNER);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Page analytics as the owner's API and as the widget's anonymous configuration see it. */
  async function saved() {
    const { data } = await gql(
      server,
      'query($k: String!) { websites { pageAnalytics } widgetConfig(websiteKey: $k) { pageAnalytics } }',
      { k: website.publicKey },
      token,
    );
    return { website: data.websites[0].pageAnalytics, widget: data.widgetConfig.pageAnalytics };
  }

  test('an owner turns page analytics on and off in the website’s settings', async () => {
    assert.deepEqual(await saved(), { website: false, widget: false });
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const section = page.locator('section.panel', { has: page.getByRole('heading', { name: 'Page analytics' }) });
    const toggle = section.getByRole('switch', { name: LABEL });
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    // The hint, read with the switch, names the events and says what never goes.
    const hint = await toggle.getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent());
    assert.match(hint, /chinwag_opened.*chinwag_conversation_started.*chinwag_message_sent.*chinwag_rating_given/);
    assert.match(hint, /never a message’s text, a name or an email/);

    await section.scrollIntoViewIfNeeded();
    await shot(section, 'page-analytics-off');

    await toggle.click();
    await page.getByText('Page analytics on').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    assert.deepEqual(await saved(), { website: true, widget: true });
    await shot(section, 'page-analytics-on');
    await shot(page, 'page-analytics-settings');
    assert.deepEqual(await accessibilityViolations(page), []);

    // Kept: on after a reload.
    await page.reload();
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');

    // And off again, with the keyboard.
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.getByText('Page analytics off').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    assert.deepEqual(await saved(), { website: false, widget: false });
    assert.deepEqual(page.errors, []);
  });
});
