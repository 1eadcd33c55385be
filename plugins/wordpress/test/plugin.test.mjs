// The WordPress plugin on a real WordPress (Debian's 6.1 with PHP 8.2, see wordpress.mjs)
// against a real `chinwag serve`, driven in Debian's Chromium: the owner installs the
// plugin from its zip, activates it and connects by creating a Chinwag account (the
// website is created through the API with the site's origin allowed; a key limited to it
// is kept; the password is not). An anonymous visitor gets the widget and nothing stored;
// a logged-in customer who writes is verified, and the agent sees their user id, signed
// email and profile fields in the dashboard; signing out of WordPress signs them out of
// the chat. Display rules, the hide-for-administrators switch, the site's language, the
// button, shortcode and block; a subscriber and a forged request cannot change anything;
// WordPress's exporter and eraser reach the person's chats; the status panel checks the
// connection and shows the last error; reconnecting by signing in picks the same website
// and revokes the old key; the manual key path; uninstalling removes every option. No
// page ever carries the identity secret or the API key, and WP_DEBUG logs nothing of the
// plugin's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { startServer } from '../../../sdk-js/test/server.mjs';
import { gql, launchBrowser, signIn, until } from '../../../dashboard/test/harness.mjs';
import { ADMIN, startWordPress } from './wordpress.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..');
const results = resolve(here, '..', 'test-results');
const OWNER = { org: 'Corner Shop Ltd', name: 'Olga Owner', email: 'olga@shop.test', password: 'tea, cakes and scones' };
const VERA = { login: 'vera', password: 'vera-password-1', email: 'vera@customer.test', name: 'Vera Valdez', first: 'Vera' };
const VERA_SAYS = 'Hello from WordPress: where is my order?';
const DESKTOP = { viewport: { width: 1280, height: 900 } };

let chinwag;
let wp;
let browser;
let zip;
/** Every page and response text the site sent to any browser, to look for secrets in. */
const seen = [];
let websiteKey;
let websiteId;
let veraId;
/** Every identity secret and API key the site held: no page may ever carry one. */
const secrets = new Set();

async function shot(page, name, options = {}) {
  mkdirSync(results, { recursive: true });
  await page.screenshot({ path: join(results, `${name}.png`), ...options });
}

/** A browser context whose responses from WordPress are all kept in `seen`. */
async function context(options = DESKTOP) {
  const ctx = await browser.newContext(options);
  ctx.on('response', async (r) => {
    if (!r.url().startsWith(wp.origin)) return;
    const type = r.headers()['content-type'] ?? '';
    if (/html|json|javascript|text/.test(type)) seen.push({ url: r.url(), text: await r.text().catch(() => '') });
  });
  return ctx;
}

/** A page signed in to WordPress as `user` ({ login, password }). */
async function wpLogin(user, options) {
  const ctx = await context(options);
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  await page.goto(`${wp.origin}/wp-login.php`);
  // The login page's own script focuses and selects the user field 200 ms after load:
  // wait for that before typing, so it cannot land between the fills and the click.
  await page.waitForFunction(() => document.activeElement?.id === 'user_login', null, { timeout: 5_000 }).catch(() => {});
  await page.locator('#user_login').fill(user.login);
  await page.locator('#user_pass').fill(user.password);
  await page.locator('#wp-submit').click();
  // Signed in (to the dashboard, or a subscriber's profile), or WordPress said why not.
  const refused = page.locator('#login_error');
  await Promise.race([page.waitForURL(/\/wp-admin\//), refused.waitFor()]);
  if (!/\/wp-admin\//.test(page.url())) {
    const why = (await refused.innerText().catch(() => '')).trim();
    await shot(page, `login-refused-${user.login}`);
    throw new Error(`WordPress refused ${user.login}'s login at ${page.url()}: ${why || '(no message)'}`);
  }
  return page;
}

const settingsUrl = () => `${wp.origin}/wp-admin/options-general.php?page=chinwag`;
/** The plugin's options as stored, read inside WordPress. */
async function options() {
  const stored = JSON.parse(
    await wp.php(`echo wp_json_encode([
      'settings' => get_option('chinwag_settings'),
      'secrets' => get_option('chinwag_secrets'),
      'status' => get_option('chinwag_status'),
    ]);`),
  );
  for (const value of [stored.secrets?.identity_secret, stored.secrets?.api_key]) if (value) secrets.add(value);
  return stored;
}
/** The widget's script tag on a page, or null. */
const widgetTag = (page) =>
  page.evaluate(() => {
    const s = document.querySelector('script[data-website-key]');
    return (
      s && { src: s.getAttribute('src'), key: s.dataset.websiteKey, locale: s.dataset.locale, async: s.async, api: s.dataset.api }
    );
  });
/** The inline scripts of a page, joined (identify calls live there). */
const inlineScripts = (page) =>
  page.evaluate(() => [...document.querySelectorAll('script:not([src])')].map((s) => s.textContent).join('\n'));

/** Logs in to Chinwag as the owner; resolves to an access token. */
async function ownerToken() {
  const r = await gql(chinwag, 'mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }', {
    i: { email: OWNER.email, password: OWNER.password },
  });
  assert.ok(r.data, JSON.stringify(r));
  return r.data.logIn.accessToken;
}

/** Submits the settings page's display form after `change(page)` set its fields. */
async function saveDisplay(page, change) {
  await page.goto(settingsUrl());
  await change(page);
  await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Save settings' }).click()]);
  await page.locator('.notice-success', { hasText: 'Settings saved.' }).waitFor();
}

describe('the WordPress plugin', () => {
  before(async () => {
    for (const dist of ['widget/dist/widget.js', 'dashboard/dist/index.html']) {
      if (!existsSync(join(repo, dist))) throw new Error(`No ${dist}: run \`npm run build -w ${dist.split('/')[0]}\` first.`);
    }
    zip = execFileSync(join(repo, 'plugins/wordpress/bin/package'), { encoding: 'utf8' }).trim();
    [chinwag, wp, browser] = await Promise.all([
      startServer(['--widget-dir', join(repo, 'widget/dist'), '--dashboard-dir', join(repo, 'dashboard/dist')]),
      startWordPress(),
      launchBrowser(),
    ]);
    chinwag.graphql = chinwag.url; // what the dashboard harness's gql() posts to
    veraId = (
      await wp.php(`echo wp_insert_user([
        'user_login' => '${VERA.login}', 'user_pass' => '${VERA.password}', 'user_email' => '${VERA.email}',
        'display_name' => '${VERA.name}', 'first_name' => '${VERA.first}', 'role' => 'subscriber',
      ]);`)
    ).trim();
    assert.match(veraId, /^\d+$/);
  });

  after(async () => {
    await browser?.close();
    await wp?.stop();
    await chinwag?.stop();
  });

  test('installs from its zip and activates', async () => {
    const page = await wpLogin(ADMIN);
    await page.goto(`${wp.origin}/wp-admin/plugin-install.php?tab=upload`);
    await page.locator('#pluginzip').setInputFiles(zip);
    await Promise.all([page.waitForURL(/update\.php/), page.locator('#install-plugin-submit').click()]);
    await page.getByText('Plugin installed successfully.').waitFor();
    await Promise.all([page.waitForURL(/plugins\.php/), page.getByRole('link', { name: 'Activate Plugin' }).click()]);
    await page.getByText('Plugin activated.').waitFor();
    // The plugin list links its settings.
    await page.locator('tr[data-slug="chinwag-live-chat"]').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Chinwag Live Chat' }).waitFor();
    await page.context().close();
  });

  test('connects by creating an account: the website, its secret and a limited key are kept, the password is not', async () => {
    const page = await wpLogin(ADMIN);
    await page.goto(settingsUrl());
    // Signing in fields only until "Create a Chinwag account" is chosen.
    assert.equal(await page.locator('#chinwag-name').isVisible(), false);
    await page.getByLabel('Create a Chinwag account').check();
    await page.locator('#chinwag-server').fill(chinwag.origin);
    await page.locator('#chinwag-name').fill(OWNER.name);
    await page.locator('#chinwag-organization').fill(OWNER.org);
    await page.locator('#chinwag-email').fill(OWNER.email);
    await page.locator('#chinwag-password').fill(OWNER.password);
    await shot(page, 'settings-connect', { fullPage: true });
    await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Connect', exact: true }).click()]);
    await page.locator('.notice-success', { hasText: 'Connected to "Corner Shop": the chat is live on your site.' }).waitFor();
    await page.getByRole('heading', { name: 'Status' }).waitFor();
    assert.match(await page.locator('.chinwag-status').innerText(), /By olga@shop\.test/);
    await shot(page, 'settings-status', { fullPage: true });

    // In Chinwag: one website, allowing this site's origin, without the credit link; one
    // key, limited to it, with the plugin's scopes.
    const token = await ownerToken();
    const { data } = await gql(
      chinwag,
      'query { websites { id name publicKey allowedOrigins poweredBy identitySecret } apiKeys { id name scopes websiteIds revokedAt } }',
      {},
      token,
    );
    assert.equal(data.websites.length, 1);
    const [website] = data.websites;
    assert.deepEqual(website.allowedOrigins, [wp.origin]);
    assert.equal(website.name, 'Corner Shop');
    assert.equal(website.poweredBy, false);
    assert.equal(data.apiKeys.length, 1);
    assert.deepEqual(data.apiKeys[0].websiteIds, [website.id]);
    assert.deepEqual([...data.apiKeys[0].scopes].sort(), [
      'VISITORS_ERASE',
      'VISITORS_EXPORT',
      'VISITORS_WRITE',
      'WEBSITES_MANAGE',
    ]);
    websiteKey = website.publicKey;
    websiteId = website.id;

    // On the site: the website key and id; the secret and the key apart, not autoloaded.
    const stored = await options();
    assert.equal(stored.settings.website_key, website.publicKey);
    assert.equal(stored.settings.website_id, website.id);
    assert.equal(stored.settings.server_url, chinwag.origin);
    assert.equal(stored.secrets.identity_secret, website.identitySecret);
    assert.equal(stored.secrets.api_key_id, data.apiKeys[0].id);
    const keyWorks = await gql(
      chinwag,
      'query($id: ID!) { website(id: $id) { name } }',
      { id: website.id },
      stored.secrets.api_key,
    );
    assert.equal(keyWorks.data?.website.name, 'Corner Shop');
    const autoload = await wp.sql("select option_name, autoload from wp_options where option_name like 'chinwag%' order by 1");
    assert.equal(autoload.trim(), 'chinwag_secrets\tno\nchinwag_settings\tyes');
    // Neither the password nor a session token is anywhere in the database.
    const dump = await wp.sql('select option_value from wp_options; select meta_value from wp_usermeta;');
    assert.ok(!dump.includes(OWNER.password), 'the password is not stored');
    assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(dump), 'no token (JWT) is stored');
    await page.context().close();
  });

  test('shares the chosen profile fields', async () => {
    const page = await wpLogin(ADMIN);
    await saveDisplay(page, async () => {
      await page.getByLabel('Role').check();
      await page.getByLabel('First name').check();
    });
    assert.deepEqual((await options()).settings.profile_fields, ['role', 'first_name']);
    await shot(page, 'settings-display', { fullPage: true });
    await page.context().close();
  });

  test('an anonymous visitor gets the widget, async, and nothing is stored', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${wp.origin}/`);
    assert.deepEqual(await widgetTag(page), {
      src: `${chinwag.origin}/widget.js`,
      key: websiteKey,
      locale: 'en-US',
      async: true,
      api: undefined,
    });
    // The one-line snippet and nothing else: no other attribute, no version query.
    assert.deepEqual(
      await page.evaluate(() => [...document.querySelector('script[data-website-key]').attributes].map((a) => a.name)),
      ['src', 'id', 'data-website-key', 'data-locale', 'async'],
    );
    assert.ok(!(await inlineScripts(page)).includes('identify'), 'no identify for an anonymous visitor');
    await page.locator('chinwag-widget .launcher').waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
    assert.deepEqual(await ctx.cookies(), []);
    // The snippet is at the end of the page, after the content.
    assert.ok(
      await page.evaluate(() => !!document.querySelector('footer ~ script[data-website-key], body > script[data-website-key]')),
    );
    await ctx.close();
  });

  test('a logged-in customer writes; the agent sees them verified, with their profile fields', async () => {
    // The owner opens the dashboard (and so is online): the chat is live, not an offline form.
    const agent = await signIn(browser, chinwag, OWNER);
    await until(
      async () =>
        (await gql(chinwag, 'query($k: String!) { widgetConfig(websiteKey: $k) { agentOnline } }', { k: websiteKey })).data
          ?.widgetConfig.agentOnline,
      'the agent to be online',
    );

    const page = await wpLogin(VERA);
    await page.goto(`${wp.origin}/`);
    const script = await inlineScripts(page);
    const identify = JSON.parse(script.match(/Chinwag\("identify",(\{.*?\})\);/)[1]);
    assert.equal(identify.userId, veraId);
    assert.equal(identify.name, VERA.name);
    assert.equal(identify.email, VERA.email);
    assert.match(identify.userHash, /^[0-9a-f]{64}$/);
    assert.match(identify.emailHash, /^[0-9a-f]{64}$/);

    const launcher = page.locator('chinwag-widget .launcher');
    await launcher.click();
    const composer = page.locator('chinwag-widget .composer textarea');
    await composer.fill(VERA_SAYS);
    await composer.press('Enter');
    await page.locator('chinwag-widget .row.me time').waitFor();
    await shot(page, 'site-logged-in');

    // The server holds a verified visitor with the signed email and the site's fields.
    const token = await ownerToken();
    const conversation = await until(async () => {
      const r = await gql(
        chinwag,
        'query { conversations(first: 5) { nodes { id visitor { name email externalId attributes { key value fromServer } } } } }',
        {},
        token,
      );
      return r.data?.conversations.nodes[0];
    }, 'the conversation');
    assert.equal(conversation.visitor.externalId, veraId);
    assert.equal(conversation.visitor.email, VERA.email);
    assert.equal(conversation.visitor.name, VERA.name);
    assert.deepEqual(
      conversation.visitor.attributes.filter((a) => a.fromServer).sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'first_name', value: VERA.first, fromServer: true },
        { key: 'role', value: 'subscriber', fromServer: true },
      ],
    );

    // In the dashboard: the conversation, with her email and verified user id.
    await agent.getByText(VERA_SAYS).first().click();
    await agent.getByText(VERA_SAYS).last().waitFor();
    await agent.getByRole('button', { name: 'Show visitor details' }).click();
    const details = agent.getByRole('complementary', { name: 'Visitor details' });
    await details.getByText(VERA.email).waitFor();
    await details.getByText('Verified user id').waitFor();
    assert.equal((await details.locator('dt:has-text("Verified user id") + dd').innerText()).trim(), veraId);
    await details.getByText('subscriber').waitFor();
    await shot(agent, 'dashboard-verified');
    await agent.context().close();

    // Signing out of WordPress signs her out of the chat: the next page forgets the session.
    const sessionKey = `chinwag:visitor:${websiteKey}`;
    assert.ok(await page.evaluate((k) => localStorage.getItem(k), sessionKey), 'a chat session while logged in');
    const logout = await page.locator('#wp-admin-bar-logout a').getAttribute('href');
    await page.goto(logout);
    await page.goto(`${wp.origin}/`);
    assert.match(await inlineScripts(page), /Chinwag\("identify",null\);/);
    await until(() => page.evaluate((k) => localStorage.getItem(k) === null, sessionKey), 'the chat session to be forgotten');
    // Once only: the page after that is an ordinary anonymous page.
    await page.reload();
    assert.ok(!(await inlineScripts(page)).includes('identify'));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the widget speaks the site language', async () => {
    // Straight into the database: update_option() accepts only installed languages.
    await wp.sql(
      "insert into wp_options (option_name, option_value) values ('WPLANG', 'fr_FR') on duplicate key update option_value = 'fr_FR'",
    );
    try {
      const ctx = await context();
      const page = await ctx.newPage();
      await page.goto(`${wp.origin}/`);
      assert.equal((await widgetTag(page)).locale, 'fr-FR');
      await ctx.close();
    } finally {
      await wp.sql("update wp_options set option_value = '' where option_name = 'WPLANG'");
    }
  });

  test('display rules: never on a page, a content type or an address; only on; hidden for administrators', async () => {
    const ids = JSON.parse(
      await wp.php(`echo wp_json_encode([
        'checkout' => wp_insert_post(['post_type' => 'page', 'post_title' => 'Checkout', 'post_name' => 'checkout', 'post_status' => 'publish']),
        'about' => wp_insert_post(['post_type' => 'page', 'post_title' => 'About us', 'post_name' => 'about', 'post_status' => 'publish']),
        'post' => wp_insert_post(['post_type' => 'post', 'post_title' => 'News', 'post_status' => 'publish']),
      ]);`),
    );
    const visitor = await (await context()).newPage();
    const shows = async (path) => {
      await visitor.goto(`${wp.origin}${path}`);
      return (await widgetTag(visitor)) !== null;
    };
    const admin = await wpLogin(ADMIN);

    await saveDisplay(admin, async () => {
      await admin.locator('#chinwag-exclude-posts').fill('checkout');
      await admin.locator('#chinwag-exclude-urls').fill('/?p=*');
    });
    assert.equal(await shows(`/?page_id=${ids.checkout}`), false, 'excluded by slug');
    assert.equal(await shows(`/?p=${ids.post}`), false, 'excluded by address');
    assert.equal(await shows(`/?page_id=${ids.about}`), true);
    assert.equal(await shows('/'), true);

    await saveDisplay(admin, async () => {
      await admin.locator('#chinwag-exclude-posts').fill('');
      await admin.locator('#chinwag-exclude-urls').fill('');
      await admin.locator('input[name="exclude[post_types][]"][value="post"]').check();
    });
    assert.equal(await shows(`/?p=${ids.post}`), false, 'excluded by content type');
    assert.equal(await shows(`/?page_id=${ids.checkout}`), true);

    await saveDisplay(admin, async () => {
      await admin.locator('input[name="exclude[post_types][]"][value="post"]').uncheck();
      await admin.locator('#chinwag-only-posts').fill(String(ids.about));
    });
    assert.equal(await shows(`/?page_id=${ids.about}`), true, 'only on About');
    assert.equal(await shows(`/?page_id=${ids.checkout}`), false, 'not elsewhere');

    await saveDisplay(admin, async () => {
      await admin.locator('#chinwag-only-posts').fill('');
      await admin.getByLabel('Hide the chat for logged-in administrators').check();
    });
    await admin.goto(`${wp.origin}/`);
    assert.equal(await widgetTag(admin), null, 'hidden for an administrator');
    assert.equal(await shows('/'), true, 'still shown to visitors');
    await saveDisplay(admin, async () => {
      await admin.getByLabel('Hide the chat for logged-in administrators').uncheck();
    });
    await admin.goto(`${wp.origin}/`);
    assert.notEqual(await widgetTag(admin), null);
    await admin.context().close();
    await visitor.context().close();
  });

  test('the shortcode and the block place buttons that open the chat', async () => {
    const id = (
      await wp.php(`echo wp_insert_post(['post_type' => 'page', 'post_title' => 'Contact', 'post_status' => 'publish',
        'post_content' => '<!-- wp:paragraph --><p>[chinwag_chat label="Talk to us"]</p><!-- /wp:paragraph -->'
          . '<!-- wp:chinwag/open-chat {"label":"Ask a question","style":"link"} /-->']);`)
    ).trim();
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${wp.origin}/?page_id=${id}`);
    const button = page.getByRole('button', { name: 'Talk to us' });
    const link = page.getByRole('link', { name: 'Ask a question' });
    await button.waitFor();
    await link.waitFor();
    await button.click();
    await page.locator('chinwag-widget .panel').waitFor();
    await page.locator('chinwag-widget .launcher').click(); // closes
    await page.locator('chinwag-widget .panel').waitFor({ state: 'hidden' });
    await link.click();
    await page.locator('chinwag-widget .panel').waitFor();
    await ctx.close();

    // In the editor, the block is registered from the plugin's script.
    const admin = await wpLogin(ADMIN);
    await admin.goto(`${wp.origin}/wp-admin/post-new.php?post_type=page`);
    await until(
      () => admin.evaluate(() => !!window.wp?.blocks?.getBlockType('chinwag/open-chat')),
      'the block in the editor',
      30_000,
    );
    assert.equal(await admin.evaluate(() => window.wp.blocks.getBlockType('chinwag/open-chat').title), 'Open chat');
    assert.deepEqual(admin.errors, []);
    await admin.context().close();
  });

  test('a subscriber or a forged request changes nothing', async () => {
    const before = await options();
    const vera = await wpLogin(VERA);
    const denied = await vera.goto(settingsUrl());
    assert.equal(denied.status(), 403);
    assert.ok(!(await vera.content()).includes('chinwag_save'), 'no form for her');
    // Posting the admin's form: the capability check answers first.
    for (const action of ['save', 'disconnect', 'connect_key', 'check']) {
      const r = await vera.request.post(`${wp.origin}/wp-admin/admin-post.php`, {
        form: { action: `chinwag_${action}`, hide_for_admins: '1', server_url: 'https://evil.test', website_key: 'wk_evil' },
      });
      assert.equal(r.status(), 403, action);
      assert.match(await r.text(), /not allowed to change the chat settings/);
    }
    await vera.context().close();

    // The administrator's own session, without the form's nonce, or with another form's.
    const admin = await wpLogin(ADMIN);
    await admin.goto(settingsUrl());
    const checkNonce = await admin.locator('form:has(input[value="chinwag_check"]) input[name="_wpnonce"]').inputValue();
    for (const nonce of [undefined, 'forged1234', checkNonce]) {
      const r = await admin.request.post(`${wp.origin}/wp-admin/admin-post.php`, {
        form: { action: 'chinwag_disconnect', ...(nonce ? { _wpnonce: nonce } : {}) },
        headers: { referer: settingsUrl() },
      });
      assert.equal(r.status(), 403, `nonce ${nonce}`);
    }
    await admin.context().close();
    assert.deepEqual(await options(), before);
  });

  test("WordPress's exporter and eraser reach the customer's chats", async () => {
    const exported = JSON.parse(
      await wp.php(`
        $exporter = apply_filters('wp_privacy_personal_data_exporters', [])['chinwag-live-chat'];
        $items = [];
        for ($page = 1; $page < 40; $page++) {
          $r = call_user_func($exporter['callback'], '${VERA.email}', $page);
          if (is_wp_error($r)) { echo wp_json_encode(['error' => $r->get_error_message()]); exit; }
          $items = array_merge($items, $r['data']);
          if ($r['done']) break;
        }
        echo wp_json_encode($items);`),
    );
    assert.ok(Array.isArray(exported), JSON.stringify(exported));
    const profile = exported.find((i) => i.group_id === 'chinwag-visitor');
    assert.ok(profile.data.some((d) => d.name === 'Email' && d.value === VERA.email));
    const conversation = exported.find((i) => i.group_id === 'chinwag-conversations');
    const messages = conversation.data.find((d) => d.name === 'Messages').value;
    assert.ok(messages.includes('You: Hello from WordPress: where is my order?'), messages);

    const erased = JSON.parse(
      await wp.php(`
        $eraser = apply_filters('wp_privacy_personal_data_erasers', [])['chinwag-live-chat'];
        echo wp_json_encode(call_user_func($eraser['callback'], '${VERA.email}', 1));`),
    );
    assert.equal(erased.items_removed, true);
    assert.equal(erased.done, true);
    assert.match(erased.messages[0], /Chinwag erases 1 chat profile/);
    // Within seconds her messages are gone in Chinwag.
    const token = await ownerToken();
    await until(
      async () => {
        const r = await gql(chinwag, 'query { conversations(first: 5) { nodes { visitor { externalId email } } } }', {}, token);
        const v = r.data?.conversations.nodes[0]?.visitor;
        return v && v.externalId === null && v.email === null;
      },
      'the erasure',
      20_000,
    );
  });

  test('the status panel checks the connection and shows the last error', async () => {
    const page = await wpLogin(ADMIN);
    await page.goto(settingsUrl());
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.locator('.notice-success', { hasText: 'Connected to "Corner Shop": the widget and the API key work.' }).waitFor();
    assert.match(await page.locator('.chinwag-last-check').innerText(), /Working\./);
    const link = page.getByRole('link', { name: /Open the Chinwag dashboard/ });
    assert.equal(await link.getAttribute('href'), `${chinwag.origin}/app/`);

    // The key revoked in the dashboard: the check fails and says why.
    const token = await ownerToken();
    const keyId = (await options()).secrets.api_key_id;
    await gql(chinwag, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: keyId }, token);
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.locator('.notice-error', { hasText: 'UNAUTHENTICATED' }).waitFor();
    assert.match(await page.locator('.chinwag-last-check').innerText(), /Failed\./);
    assert.match(
      await page.locator('.chinwag-last-error').innerText(),
      /Checking the connection: Chinwag said: .*UNAUTHENTICATED/,
    );
    await shot(page, 'settings-error', { fullPage: true });
    await page.context().close();
  });

  test('reconnecting by signing in picks the same website and replaces the key', async () => {
    const page = await wpLogin(ADMIN);
    await page.goto(settingsUrl());
    await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Disconnect' }).click()]);
    await page.locator('.notice-success', { hasText: 'Disconnected' }).waitFor();
    const visitor = await (await context()).newPage();
    await visitor.goto(`${wp.origin}/`);
    assert.equal(await widgetTag(visitor), null, 'no widget once disconnected');

    const connect = async (password) => {
      await page.locator('#chinwag-server').fill(chinwag.origin);
      await page.locator('#chinwag-email').fill(OWNER.email);
      await page.locator('#chinwag-password').fill(password);
      await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Connect', exact: true }).click()]);
    };
    await connect('not the password');
    await page.locator('.notice-error', { hasText: 'wrong email or password' }).waitFor();
    await connect(OWNER.password);
    await page.locator('.notice-success', { hasText: 'Connected to "Corner Shop"' }).waitFor();
    // "Last error" starts afresh with a new connection.
    assert.match(await page.locator('.chinwag-last-error').innerText(), /None\./);

    const token = await ownerToken();
    const { data } = await gql(chinwag, 'query { websites { id } apiKeys { id revokedAt } }', {}, token);
    assert.deepEqual(
      data.websites.map((w) => w.id),
      [websiteId],
    );
    const stored = await options();
    assert.equal(stored.settings.website_id, websiteId);
    const live = data.apiKeys.filter((k) => !k.revokedAt).map((k) => k.id);
    assert.deepEqual(live, [stored.secrets.api_key_id], 'only the new key works');
    await visitor.goto(`${wp.origin}/`);
    assert.equal((await widgetTag(visitor)).key, websiteKey);
    await visitor.context().close();
    await page.context().close();
  });

  test('a pasted website key connects without an account; users are then unverified', async () => {
    const token = await ownerToken();
    const { data } = await gql(chinwag, 'mutation { createWebsite(input: {name: "Second shop"}) { id publicKey } }', {}, token);
    const page = await wpLogin(ADMIN);
    await page.goto(settingsUrl());
    await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Disconnect' }).click()]);
    await page.getByText('Or paste a website key').click();
    await page.locator('#chinwag-key-server').fill(`${chinwag.origin}/app/`);
    await page.locator('#chinwag-website-key').fill(data.createWebsite.publicKey);
    await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Use this key' }).click()]);
    await page.locator('.notice-success', { hasText: 'Connected to "Second shop"' }).waitFor();
    assert.match(await page.locator('.chinwag-status').innerText(), /Not verified: no identity secret/);
    assert.equal(await page.getByLabel('Show "Powered by Chinwag" in the chat').isDisabled(), true);
    const stored = await options();
    assert.equal(stored.settings.server_url, chinwag.origin, 'the pasted /app/ address is the server');
    assert.deepEqual(stored.secrets, { identity_secret: '', api_key: '', api_key_id: '' });

    const vera = await wpLogin(VERA);
    await vera.goto(`${wp.origin}/`);
    assert.equal((await widgetTag(vera)).key, data.createWebsite.publicKey);
    const identify = JSON.parse((await inlineScripts(vera)).match(/Chinwag\("identify",(\{.*?\})\);/)[1]);
    assert.deepEqual(identify, { name: VERA.name, email: VERA.email });
    await vera.context().close();

    // A wrong key is refused and nothing is stored.
    await page.goto(settingsUrl());
    await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Disconnect' }).click()]);
    await page.getByText('Or paste a website key').click();
    await page.locator('#chinwag-key-server').fill(chinwag.origin);
    await page.locator('#chinwag-website-key').fill('wk_doesnotexist');
    await Promise.all([page.waitForURL(/page=chinwag/), page.getByRole('button', { name: 'Use this key' }).click()]);
    await page.locator('.notice-error', { hasText: 'NOT_FOUND' }).waitFor();
    assert.equal((await options()).settings.website_key, '');
    await page.context().close();
  });

  test('no page carried a secret, and WP_DEBUG logged nothing of the plugin', async () => {
    // Two connections' API keys and the website's identity secret (read from the site as stored).
    assert.equal(secrets.size, 3, 'the secrets were collected');
    assert.ok(seen.length > 40, `${seen.length} responses seen`);
    for (const { url, text } of seen) {
      for (const secret of [...secrets, OWNER.password]) assert.ok(!text.includes(secret), `a secret in ${url}`);
    }
    assert.equal(wp.pluginErrors(), '', "PHP errors, warnings, notices or deprecations from the plugin's code");
  });

  test('uninstalling removes everything the plugin stored', async () => {
    await wp.php(`
      require_once ABSPATH . 'wp-admin/includes/plugin.php';
      require_once ABSPATH . 'wp-admin/includes/file.php';
      deactivate_plugins('chinwag-live-chat/chinwag-live-chat.php');
      $r = delete_plugins(['chinwag-live-chat/chinwag-live-chat.php']);
      if ($r !== true) { echo 'failed'; }`);
    assert.equal(await wp.sql("select count(*) from wp_options where option_name like '%chinwag%'"), '0\n');
    assert.equal(existsSync(join(wp.root, 'wp-content/plugins/chinwag-live-chat')), false);
  });
});
