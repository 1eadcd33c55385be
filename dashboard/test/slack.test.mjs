// Settings › Slack, in Debian's Chromium against a real `chinwag serve` whose Slack Web API
// is a local stand-in (CHINWAG_SLACK_API_URL) that answers `auth.test` and
// `chat.postMessage` as Slack does. The owner sees the app manifest with this
// organization's request URLs, is refused a wrong bot token under the form (Slack's own
// error), connects with the right one (Slack gets the token and a hello in the channel),
// sees the workspace and the three URLs and never the secrets, switches to "Alerts only"
// keeping the stored credentials, and disconnects after the confirmation. An agent sees no
// Slack entry. Every screen passes axe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  DESKTOP,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  shot,
  signIn,
  signUpOwner,
  startServer,
} from './harness.mjs';

const OWNER = { org: 'Mørk Mugs', name: 'Mia Mørk', email: 'mia@mugs.test', password: 'glazed stoneware handles' };
const AGENT = { name: 'Nils Nord', email: 'nils@mugs.test', password: 'kilns and clay wheels' };
const TOKEN = 'xoxb-1-right-token';
const SIGNING_SECRET = 'f00dfeed8badf00dcafe0123456789ab';
const SLACK = 'query { slackIntegration { teamName channelId mode } }';

/**
 * Slack's Web API as far as Chinwag uses it here: `auth.test` knows one bot token, and
 * `chat.postMessage` posts only to the channel the app is in (C1). Every call is recorded.
 */
async function startSlack() {
  const calls = [];
  const http = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (req.headers['content-type'] ?? '').includes('json')
      ? JSON.parse(raw || '{}')
      : Object.fromEntries(new URLSearchParams(raw));
    const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
    calls.push({ path: req.url, authorization: req.headers.authorization, body });
    // Slack answers 200 with `ok: false` for its refusals.
    const answer =
      req.url === '/api/auth.test'
        ? authorized
          ? { ok: true, team: 'Acme', team_id: 'T1', user_id: 'UBOT', bot_id: 'B1' }
          : { ok: false, error: 'invalid_auth' }
        : req.url === '/api/chat.postMessage'
          ? !authorized
            ? { ok: false, error: 'invalid_auth' }
            : body.channel === 'C1'
              ? { ok: true, channel: body.channel, ts: '1.0001' }
              : { ok: false, error: 'not_in_channel' }
          : { ok: false, error: 'unknown_method' };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer));
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  return {
    calls,
    url: `http://127.0.0.1:${http.address().port}/api`,
    // The server keeps its connections alive: close them too.
    close: () =>
      new Promise((r) => {
        http.close(r);
        http.closeAllConnections();
      }),
  };
}

describe('Slack', () => {
  let server, browser, page, token, slack;

  before(async () => {
    slack = await startSlack();
    server = await startServer({ env: { CHINWAG_SLACK_API_URL: slack.url, CHINWAG_OUTBOUND_ALLOW_PRIVATE: 'true' } });
    browser = await launchBrowser();
    token = await signUpOwner(server, OWNER);
    page = await signIn(browser, server, OWNER, DESKTOP);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await slack?.close();
  });

  const stored = async () => (await gql(server, SLACK, {}, token)).data.slackIntegration;

  test('the manifest, a refused token, connecting, changing the mode and disconnecting', async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Slack' }).click();
    await page.getByRole('heading', { name: 'Slack', exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/app/settings/slack');

    // Step 1: the manifest, with this organization's request URLs.
    const manifest = await page.getByLabel('Slack app manifest').innerText();
    assert.match(manifest, /\/integrations\/slack\//);
    assert.match(manifest, /\/events/);
    assert.ok(manifest.includes(server.origin) || /request_url/.test(manifest), manifest);
    await shot(page, 'slack-not-connected');
    assert.deepEqual(await accessibilityViolations(page), [], 'not connected');

    // A wrong token: Slack's refusal under the form, nothing stored.
    const form = page.getByRole('form', { name: 'Connect Slack' });
    await form.getByLabel('Bot User OAuth Token').fill('xoxb-wrong');
    await form.getByLabel('Signing Secret').fill(SIGNING_SECRET);
    await form.getByLabel('Channel ID').fill('C1');
    await form.getByRole('radio', { name: 'Threads (answer from Slack)' }).check();
    await form.getByRole('button', { name: 'Connect Slack' }).click();
    const refusal = form.locator('.form-error');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /invalid_auth/);
    assert.equal(await stored(), null);

    // The right one: Slack is asked with it, and the page shows the connection.
    await form.getByLabel('Bot User OAuth Token').fill(TOKEN);
    await form.getByRole('button', { name: 'Connect Slack' }).click();
    await page.locator('.key-facts').or(form.locator('.form-error:not(:has-text("invalid_auth"))')).waitFor();
    assert.equal(await form.locator('.form-error').count(), 0, 'connected');
    const facts = page.locator('.key-facts dd');
    assert.match(await facts.first().innerText(), /^Acme/);
    assert.ok(slack.calls.some((c) => c.path === '/api/auth.test' && c.authorization === `Bearer ${TOKEN}`));
    assert.ok(
      slack.calls.some((c) => c.path === '/api/chat.postMessage' && c.body.channel === 'C1'),
      'a hello in the channel',
    );
    const text = await page.locator('.settings-body').innerText();
    assert.ok(text.includes('Threads (answer from Slack)'), 'the mode');
    const urls = await page.locator('.slack-urls').innerText();
    for (const path of ['/integrations/slack/', '/events']) assert.ok(urls.includes(path), urls);
    assert.equal((await page.locator('.slack-urls code').allInnerTexts()).length, 3);
    assert.ok(!text.includes(TOKEN) && !text.includes(SIGNING_SECRET), 'the secrets are never shown');
    assert.ok((await facts.allInnerTexts()).some((t) => t.includes('C1')));
    assert.deepEqual(await stored(), { teamName: 'Acme', channelId: 'C1', mode: 'THREADS' });
    // The whole section in one picture: a viewport as tall as it, scrolled to its top.
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.locator('.settings-body').evaluate((el) => el.scrollTo(0, 0));
    await page.screenshot({ path: '/tmp/helpers/slack-settings.png' });
    await page.setViewportSize(DESKTOP.viewport);
    await shot(page, 'slack-connected');
    assert.deepEqual(await accessibilityViolations(page), [], 'connected');

    // Alerts only, the stored token and secret kept (no credentials sent).
    const change = page.getByRole('form', { name: 'Change channel or mode' });
    await change.getByRole('radio', { name: 'Alerts only' }).check();
    await change.getByRole('button', { name: 'Save' }).click();
    await page.locator('.key-facts').getByText('Alerts only').waitFor();
    assert.deepEqual(await stored(), { teamName: 'Acme', channelId: 'C1', mode: 'ALERTS_ONLY' });

    // Another channel the app is not in: Slack's refusal, the connection unchanged.
    await change.getByLabel('Channel ID').fill('C2');
    await change.getByRole('button', { name: 'Save' }).click();
    await change.locator('.form-error').waitFor();
    assert.match(await change.locator('.form-error').innerText(), /not_in_channel/);
    assert.equal((await stored()).channelId, 'C1');

    // Disconnect, asked first.
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Slack?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('form', { name: 'Connect Slack' }).waitFor();
    assert.equal(await stored(), null);
    assert.deepEqual(page.errors, []);
  });

  test('an agent has no Slack entry', async () => {
    await addAgent(server, token, AGENT);
    const agent = await signIn(browser, server, AGENT);
    await agent.goto(`${server.origin}/app/settings/slack`);
    await agent.getByRole('heading', { name: 'Slack is for owners and admins' }).waitFor();
    assert.equal(await agent.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Slack' }).count(), 0);
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
});
