// Account emails end to end, in Debian's Chromium against a real `chinwag serve` with no
// SMTP (emails land in its outbox, which the test reads): a forgotten password is reset
// through the emailed link (other sessions end, the link works once), a new sign-in email
// changes once its owner confirms it, and "Sign out" ends the session on the server too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  PHONE,
  accessibilityViolations,
  gql,
  launchBrowser,
  linkIn,
  shot,
  signIn,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Fjord Bikes', name: 'Frida Fjord', email: 'frida@fjord.test', password: 'old password 1' };
const NEW_PASSWORD = 'new password 2';
const AUTH = 'accessToken refreshToken agent { id }';

describe('account emails', () => {
  let server, browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const r = await gql(server, `mutation($i: SignUpInput!) { signUp(input: $i) { ${AUTH} } }`, {
      i: { organizationName: OWNER.org, name: OWNER.name, email: OWNER.email, password: OWNER.password },
    });
    assert.ok(r.data?.signUp, JSON.stringify(r));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function newPage(options = DESKTOP) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    page.errors = errors;
    return page;
  }

  const logIn = (password) =>
    gql(server, `mutation($i: LogInInput!) { logIn(input: $i) { ${AUTH} } }`, { i: { email: OWNER.email, password } });
  const refresh = (refreshToken) =>
    gql(server, `mutation($t: String!) { refreshSession(refreshToken: $t) { ${AUTH} } }`, { t: refreshToken });

  test('a forgotten password is reset through the emailed link, which works once', async () => {
    // Another device is signed in: the reset signs it out.
    const elsewhere = (await logIn(OWNER.password)).data.logIn;

    const page = await newPage();
    await page.goto(`${server.origin}/app/`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    // The address typed on the sign-in page came along.
    assert.equal(await page.getByLabel('Email').inputValue(), OWNER.email);
    await shot(page, 'desktop-forgot-password');
    assert.deepEqual(await accessibilityViolations(page), [], 'forgot password page');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.getByText(`If ${OWNER.email} has a Chinwag account`).waitFor();
    await shot(page, 'desktop-forgot-password-sent');

    const mail = await server.mail(OWNER.email, /Reset your Chinwag password/);
    const link = linkIn(mail);
    assert.match(link, new RegExp(`^${server.origin}/app/reset-password\\?token=pr_[\\w-]+$`), mail.text);

    // An email without an account gets the same answer, and no email.
    await page.getByRole('button', { name: 'send it again' }).click();
    await page.getByLabel('Email').fill('nobody@fjord.test');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText('If nobody@fjord.test has a Chinwag account').waitFor();

    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await shot(page, 'desktop-reset-password');
    assert.deepEqual(await accessibilityViolations(page), [], 'reset password page');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    // Signed in, in the inbox.
    await page.getByRole('heading', { name: 'Pick a conversation' }).waitFor();
    await page.getByText('Password changed. Your other devices are signed out.').waitFor();

    // The other device's session is over; the new password works and the old one does not.
    assert.equal((await refresh(elsewhere.refreshToken)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.ok((await logIn(NEW_PASSWORD)).data?.logIn);
    assert.equal((await logIn(OWNER.password)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(
      (await server.mails()).filter((m) => m.to.includes('nobody@')).length,
      0,
      'no email for an address without an account',
    );

    // The link works once.
    const again = await newPage();
    await again.goto(link);
    await again.getByLabel('New password').fill('third password 3');
    await again.getByRole('button', { name: 'Set password and sign in' }).click();
    await again.getByText('This link has expired or was already used.').waitFor();
    await again.getByRole('link', { name: 'Ask for a new one' }).waitFor();
    await shot(again, 'desktop-reset-password-used');
    assert.deepEqual([...page.errors, ...again.errors], []);
  });

  test('a new sign-in email changes only once the link mailed to it is confirmed', async () => {
    const who = { org: 'Hill Bakery', name: 'Hana Hill', email: 'hana@hill.test', password: 'hana password 1' };
    const r = await gql(server, `mutation($i: SignUpInput!) { signUp(input: $i) { ${AUTH} } }`, {
      i: { organizationName: who.org, name: who.name, email: who.email, password: who.password },
    });
    assert.ok(r.data?.signUp, JSON.stringify(r));
    const page = await signIn(browser, server, who);
    await page.goto(`${server.origin}/app/settings/account`);
    await page.getByLabel('Email').fill('hana.new@hill.test');
    // The profile form's own password field (the password form below has one too).
    await page.locator('input[name=password]').fill(who.password);
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('To change your email, open the link we sent to hana.new@hill.test.').waitFor();
    // Nothing changed yet: the form shows the current address again.
    assert.equal(await page.getByLabel('Email').inputValue(), who.email);
    await shot(page, 'desktop-email-change-asked');

    const mail = await server.mail('hana.new@hill.test', /Confirm your new Chinwag email/);
    const warning = await server.mail(who.email, /about to change/);
    assert.match(warning.text, /hana\.new@hill\.test/);
    const link = linkIn(mail);
    assert.match(link, new RegExp(`^${server.origin}/account/confirm-email\\?token=ae_`), mail.text);
    const tab = await page.context().newPage();
    await tab.goto(link);
    await tab.getByRole('heading', { name: 'Confirm your new email' }).waitFor();
    await tab.getByRole('button', { name: 'Confirm' }).click();
    await tab.getByText('You now sign in with').waitFor();
    await shot(tab, 'desktop-email-change-done');

    const login = (email) =>
      gql(server, `mutation($i: LogInInput!) { logIn(input: $i) { ${AUTH} } }`, { i: { email, password: who.password } });
    assert.ok((await login('hana.new@hill.test')).data?.logIn);
    assert.equal((await login(who.email)).errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.deepEqual(page.errors, []);
  });

  test('a reset link without its token says so', async () => {
    const page = await newPage(PHONE);
    await page.goto(`${server.origin}/app/reset-password`);
    await page.getByRole('heading', { name: 'This reset link is incomplete' }).waitFor();
    await page.getByRole('link', { name: 'ask for a new one' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await shot(page, 'phone-forgot-password');
  });

  test('"Sign out" ends the session on the server, not only in this browser', async () => {
    const page = await newPage();
    await page.goto(`${server.origin}/app/`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pick a conversation' }).waitFor();
    const stored = await page.evaluate(() =>
      JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('chinwag:agent:'))?.[1] ?? 'null'),
    );
    assert.ok(stored?.refreshToken, 'the session is kept in localStorage');

    const loggedOut = page.waitForResponse((r) => r.url().endsWith('/graphql') && /logOut/.test(r.request().postData() ?? ''));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const answer = await (await loggedOut).json();
    assert.deepEqual(answer, { data: { logOut: true } });
    // Sent without a token (none is needed; the session here is already gone).
    assert.equal((await loggedOut).request().headers().authorization, undefined);
    await until(
      async () => (await refresh(stored.refreshToken)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
      'the refresh token to be refused after signing out',
    );
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('chinwag:agent:')).length), 0);
    assert.deepEqual(page.errors, []);
  });
});
