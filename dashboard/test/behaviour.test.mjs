// A website's behaviour end to end, in Debian's Chromium against a real `chinwag serve`:
// an owner sets business hours in a time zone, a pre-chat form and offline messages, the
// server's validation messages show, and the public `widgetConfig` reflects what was
// saved; then a visitor leaves an offline message with pre-chat answers, the inbox marks
// it, the sidebar shows the answers, and the reply reaches the visitor by email.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, accessibilityViolations, gql, launchBrowser, linkIn, shot, startServer } from './harness.mjs';

const OWNER = { org: 'Nordlys Tea', name: 'Nora Lys', email: 'nora@nordlys.test', password: 'green tea leaves' };
const CONFIG = `query($k: String!) { widgetConfig(websiteKey: $k) { businessHoursOpen businessHours { timeZone intervals { day open close } }
  preChatFields { key label kind required } offlineMessages poweredBy } }`;

describe('website behaviour', () => {
  let server, browser, page, website;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const { data } = await gql(server, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
      i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
    });
    const made = await gql(
      server,
      'mutation { createWebsite(input: { name: "Nordlys shop" }) { id publicKey } }',
      {},
      data.signUp.accessToken,
    );
    website = made.data.createWebsite;
    page = await newPage();
    await page.goto(`${server.origin}/app/`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pick a conversation' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function newPage(options = DESKTOP) {
    const context = await browser.newContext({ ...options, timezoneId: 'Europe/Oslo' });
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e));
    p.errors = errors;
    return p;
  }

  const config = async () => (await gql(server, CONFIG, { k: website.publicKey })).data.widgetConfig;
  const panel = () =>
    page.locator('section.panel', { has: page.getByRole('heading', { name: 'Availability and pre-chat form' }) });

  test('business hours, a pre-chat form and offline messages round-trip to widgetConfig', async () => {
    const before = await config();
    assert.equal(before.businessHours, null);
    assert.deepEqual(before.preChatFields, []);

    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const form = panel();
    await form.waitFor();
    await form.getByLabel('Open on a weekly schedule').check();
    // The browser's own zone comes first; any zone Intl knows can be chosen.
    assert.equal(await form.getByLabel('Time zone').inputValue(), 'Europe/Oslo');
    await form.getByLabel('Time zone').selectOption('America/New_York');
    // Weekdays nine to five to start with; Monday until six, copied to the other weekdays.
    await form.getByLabel('Monday closes').fill('18:00');
    await form.getByRole('button', { name: 'Copy Monday to Tuesday–Friday' }).click();
    assert.equal(await form.getByLabel('Thursday closes').inputValue(), '18:00');
    // Saturday from ten until midnight.
    await form.getByRole('button', { name: 'Add hours on Saturday' }).click();
    await form.getByLabel('Saturday opens').fill('10:00');
    await form.getByLabel('Saturday closes').fill('00:00');

    // The pre-chat form: name, email, then an order number moved up between them.
    await form.getByRole('button', { name: 'Name', exact: true }).click();
    await form.getByRole('button', { name: 'Email', exact: true }).click();
    await form.getByRole('button', { name: 'Add a field' }).click();
    const third = form.getByRole('group', { name: 'Field 3' });
    await third.getByLabel('Label').fill('Order number');
    assert.equal(await third.getByLabel('Key').inputValue(), 'order_number', 'the key follows the label');
    await form.getByRole('button', { name: 'Move Order number up' }).click();
    await form.getByLabel('Take messages').check();
    await form.getByLabel('Show “Powered by Chinwag” in the widget').uncheck();

    // The server's validation message is shown, and nothing is saved.
    await form.getByLabel('Friday opens').fill('19:00');
    await form.getByRole('button', { name: 'Save availability and form' }).click();
    await form.getByRole('alert').getByText('Opening hours must be HH:MM with open before close, got 19:00-18:00').waitFor();
    assert.equal((await config()).businessHours, null);
    await form.getByLabel('Friday opens').fill('09:00');
    await form.getByRole('group', { name: 'Field 2' }).getByLabel('Key').fill('order number');
    await form.getByRole('button', { name: 'Save availability and form' }).click();
    await form.getByRole('alert').getByText("'order number' is not a key: 1 to 40 letters, digits, '-' or '_'").waitFor();
    await form.getByRole('group', { name: 'Field 2' }).getByLabel('Key').fill('order_number');
    await form.getByRole('button', { name: 'Save availability and form' }).click();
    await page.getByText('Behaviour saved').waitFor();
    assert.equal(await form.getByRole('alert').count(), 0);

    const weekday = (day) => ({ day, open: '09:00', close: '18:00' });
    const saved = await config();
    assert.deepEqual(saved.businessHours, {
      timeZone: 'America/New_York',
      intervals: [
        ...['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map(weekday),
        { day: 'SATURDAY', open: '10:00', close: '24:00' },
      ],
    });
    assert.deepEqual(saved.preChatFields, [
      { key: 'name', label: 'Your name', kind: 'TEXT', required: true },
      { key: 'order_number', label: 'Order number', kind: 'TEXT', required: false },
      { key: 'email', label: 'Your email', kind: 'EMAIL', required: true },
    ]);
    assert.equal(saved.offlineMessages, true);
    assert.equal(saved.poweredBy, false);

    // What the page shows after a reload is what was saved (midnight shown as 00:00).
    await page.reload();
    await panel().waitFor();
    assert.equal(await panel().getByLabel('Time zone').inputValue(), 'America/New_York');
    assert.equal(await panel().getByLabel('Saturday closes').inputValue(), '00:00');
    assert.equal(await panel().getByRole('group', { name: 'Field 2' }).getByLabel('Label').inputValue(), 'Order number');
    assert.equal(await panel().getByLabel('Take messages').isChecked(), true);
    await panel()
      .getByText(/It is \w+ .+ in America\/New York: (open|closed) now\./)
      .waitFor();
    // Tall enough for the whole section (the settings pane scrolls inside the page).
    await page.setViewportSize({ width: 1280, height: 2100 });
    await shot(panel(), 'desktop-website-behaviour');
    await page.setViewportSize(DESKTOP.viewport);
    assert.deepEqual(await accessibilityViolations(page), [], 'website behaviour editor');

    const phone = await newPage(PHONE);
    await phone.goto(`${server.origin}/app/`);
    await phone.getByLabel('Email').fill(OWNER.email);
    await phone.getByLabel('Password').fill(OWNER.password);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('link', { name: 'Settings', exact: true }).waitFor();
    await phone.goto(`${server.origin}/app/settings/websites/${website.id}`);
    const phoneForm = phone.getByRole('heading', { name: 'Availability and pre-chat form' });
    await phoneForm.scrollIntoViewIfNeeded();
    await shot(phone, 'phone-website-behaviour');
    await phone.getByText('Pre-chat form', { exact: true }).scrollIntoViewIfNeeded();
    await shot(phone, 'phone-website-prechat');
    assert.deepEqual(await accessibilityViolations(phone), [], 'website behaviour editor on a phone');
    await phone.context().close();
    assert.deepEqual(page.errors, []);
  });

  test('an offline message is marked in the queue and the header, with the pre-chat answers in the sidebar and the reply emailed', async () => {
    // A visitor who found nobody there: pre-chat answers, an email, and an offline message.
    const session = await gql(server, `mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }`, {
      i: {
        websiteKey: website.publicKey,
        name: 'Olga Offline',
        email: 'olga@example.com',
        attributes: [
          { key: 'name', value: 'Olga Offline' },
          { key: 'order_number', value: 'A-1042' },
          { key: 'favourite_tea', value: 'Lapsang' },
        ],
      },
    });
    const token = session.data.startVisitorSession.token;
    const started = await gql(
      server,
      'mutation($i: StartConversationInput!) { startConversation(input: $i) { id isOffline } }',
      { i: { body: 'Is my order A-1042 on its way?', offline: true } },
      token,
    );
    assert.deepEqual(started.data.startConversation.isOffline, true, JSON.stringify(started));
    const offlineId = started.data.startConversation.id;
    // And an ordinary chat, for contrast.
    const other = (
      await gql(
        server,
        'mutation { startVisitorSession(input: { websiteKey: "' + website.publicKey + '", name: "Oscar Online" }) { token } }',
      )
    ).data.startVisitorSession.token;
    const live = (await gql(server, 'mutation { startConversation(input: { body: "Hello there" }) { id } }', {}, other)).data
      .startConversation.id;

    await page.goto(`${server.origin}/app/inbox/unassigned`);
    const row = page.locator(`[data-conversation="${offlineId}"]`);
    await row.getByText('Offline', { exact: true }).waitFor();
    await page.locator(`[data-conversation="${live}"]`).waitFor();
    assert.equal(await page.locator(`[data-conversation="${live}"]`).getByText('Offline', { exact: true }).count(), 0);
    await shot(page, 'desktop-inbox-offline');

    await row.click();
    await page.getByRole('heading', { name: 'Olga Offline' }).waitFor();
    await page.locator('.conv-head').getByText('Offline message').waitFor();
    await page.getByRole('note').getByText('your reply is emailed to olga@example.com').waitFor();
    await shot(page, 'desktop-conversation-offline-composer');
    await page.keyboard.press('i');
    const sidebar = page.getByRole('complementary', { name: 'Visitor details' });
    const told = sidebar.getByRole('region', { name: 'What they told us' });
    await told.waitFor();
    // Under the form's labels and in its order; others after, their key made readable; the name is not repeated.
    assert.equal(
      await told
        .locator('dt')
        .allInnerTexts()
        .then((t) => t.join(' | ')),
      'Order number | Favourite tea',
    );
    assert.equal(
      await told
        .locator('dd')
        .allInnerTexts()
        .then((t) => t.join(' | ')),
      'A-1042 | Lapsang',
    );
    await sidebar.getByText('Nordlys shop').waitFor();
    await shot(page, 'desktop-conversation-offline');
    assert.deepEqual(await accessibilityViolations(page), [], 'offline conversation with visitor details');

    // The reply goes out by email.
    await page.getByLabel('Reply', { exact: true }).fill('Yes, it left the warehouse today.');
    await page.keyboard.press('Enter');
    await page.locator('.msg-ours .msg-body', { hasText: 'left the warehouse' }).waitFor();
    // The address was typed into the offline form: its owner confirms it first (the mail
    // carries no text of the conversation), then the conversation follows.
    const ask = await server.mail('olga@example.com', /Nordlys shop replied to your message/);
    assert.doesNotMatch(ask.text, /warehouse/);
    const tab = await page.context().newPage();
    await tab.goto(linkIn(ask));
    await tab.getByRole('button', { name: 'Confirm' }).click();
    await tab.getByText('is confirmed').waitFor();
    await tab.close();
    const mail = await server.mail('olga@example.com', /Your conversation with Nordlys shop/);
    assert.match(mail.text, /Yes, it left the warehouse today\./);
    // A private note stays private: in note mode the email notice is gone.
    await page.getByRole('radio', { name: 'Private note' }).click();
    assert.equal(await page.getByRole('note').count(), 0);
    assert.deepEqual(page.errors, []);
  });

  test('back to always open clears the business hours', async () => {
    await page.goto(`${server.origin}/app/settings/websites/${website.id}`);
    await panel().getByLabel('Always open').check();
    await panel().getByRole('button', { name: 'Save availability and form' }).click();
    await page.getByText('Behaviour saved').waitFor();
    const c = await config();
    assert.equal(c.businessHours, null);
    assert.equal(c.businessHoursOpen, true);
    assert.equal(c.preChatFields.length, 3, 'the form stays');
  });
});
