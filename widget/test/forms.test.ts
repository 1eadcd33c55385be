/**
 * The widget's forms against a real server and a real mail sink: the pre-chat form
 * (required fields, checks by kind, answers reaching agents as visitor attributes),
 * the offline form (outside business hours, and with nobody online; the team's reply
 * reaching the visitor by email), the transcript by email and "Powered by Chinwag".
 * Screenshots of each go to test-results/. (How fast the forms open is measured by
 * `npm run bench:open`, docs/benchmarks.md.)
 */
import type { AgentClient } from '@chinwag/sdk';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axe,
  confirmAddress,
  mails,
  mailTo,
  newContext,
  openShop,
  organization,
  say,
  screenshot,
  until,
  updateWebsite,
  useBrowser,
  userHash,
  widget,
} from './fixture.js';

useBrowser();

/** The element focused inside the widget's shadow root: its tag and name or class. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.querySelector('chinwag-widget')?.shadowRoot?.activeElement as HTMLInputElement | null | undefined;
    return el ? `${el.tagName.toLowerCase()}${el.name ? `[${el.name}]` : `.${el.className}`}` : 'none';
  });

/** Opens the chat and waits until `name` (as `focused` says it) has the focus. */
async function open(page: Page, name: string) {
  await widget(page).launcher.click();
  await expect.poll(() => focused(page)).toBe(name);
}

/** The visitor of the organization's latest conversation, as an agent sees it. */
async function latestVisitor(owner: AgentClient) {
  const { conversations } = await owner.request<{
    conversations: {
      nodes: {
        id: string;
        isOffline: boolean;
        visitor: { name: string | null; email: string | null; attributes: { key: string; value: string }[] };
      }[];
    };
  }>('{ conversations(first: 1) { nodes { id isOffline visitor { name email attributes { key value } } } } }');
  return conversations.nodes[0];
}

const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
/** Text as compared: any run of spaces (ICU puts a narrow one before AM) is one space. */
const flat = (s: string | null) => (s ?? '').replace(/[\s\u202f]+/g, ' ').trim();

const PRE_CHAT = [
  { key: 'name', label: 'Your name', kind: 'TEXT', required: true },
  { key: 'email', label: 'Email', kind: 'EMAIL', required: true },
  { key: 'phone', label: 'Phone', kind: 'PHONE', required: false },
  { key: 'order', label: 'Order number', kind: 'TEXT', required: false },
  { key: 'topic', label: 'What is it about?', kind: 'TEXTAREA', required: true },
];

describe('the pre-chat form', () => {
  it('asks a first-time visitor before their first message, checks the answers, and agents see them', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { preChatFields: PRE_CHAT });
    const context = await newContext();
    const page = await openShop(context, websiteKey);
    const calls: string[] = [];
    page.on('request', (r) => r.url().includes('/graphql') && calls.push(r.postData() ?? r.url()));
    const { root, composer } = widget(page);
    const form = root.locator('form.card');
    const field = (name: string) => form.locator(`[name="${name}"]`);

    // The form, not the composer, with the focus on its first field; nothing started yet.
    await open(page, 'input[name]');
    expect(await composer.count()).toBe(0);
    expect(await form.locator('label').allTextContents()).toEqual([
      'Your name *',
      'Email *',
      'Phone (optional)',
      'Order number (optional)',
      'What is it about? *',
    ]);
    expect(await field('email').getAttribute('type')).toBe('email');
    expect(await field('phone').getAttribute('type')).toBe('tel');
    expect(await field('topic').evaluate((el) => el.tagName)).toBe('TEXTAREA');
    expect(await field('name').getAttribute('required')).not.toBeNull();
    expect(await field('order').getAttribute('required')).toBeNull();
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'pre-chat');

    // Required fields are enforced: each says what is wrong, the focus goes to the first.
    await form.getByRole('button', { name: 'Start the chat' }).click();
    const errors = form.locator('.field-error');
    await expect.poll(() => errors.allTextContents()).toEqual(Array(3).fill('Please fill this in.'));
    // The focus moves on the frame after the errors render.
    await expect.poll(() => focused(page)).toBe('input[name]');
    expect(await field('name').getAttribute('aria-invalid')).toBe('true');
    const described = await field('name').getAttribute('aria-describedby');
    expect(await root.locator(`#${described}`).textContent()).toBe('Please fill this in.');
    expect(await field('order').getAttribute('aria-invalid')).toBe('false');
    // Each kind is checked.
    await field('name').fill('Ada Lovelace');
    await field('email').fill('ada@example');
    await field('phone').fill('call me maybe');
    await field('topic').fill('My grinder makes a noise');
    await form.getByRole('button', { name: 'Start the chat' }).click();
    await expect
      .poll(() => errors.allTextContents())
      .toEqual([
        'Please enter an email address, like name@example.com.',
        'Please enter a phone number: digits, spaces, +, - and brackets.',
      ]);
    await expect.poll(() => focused(page)).toBe('input[email]');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'pre-chat-errors');
    expect(calls.filter((c) => c.includes('startVisitorSession'))).toEqual([]);

    // Corrected: the error goes as it is fixed, and the answers start the session.
    await field('email').fill('ada@example.com');
    await expect.poll(() => errors.count()).toBe(1);
    await field('phone').fill('+44 20 7946 0958');
    await field('order').fill('A-1042');
    await form.getByRole('button', { name: 'Start the chat' }).click();
    await expect.poll(() => focused(page)).toBe('textarea.');
    expect(await form.count()).toBe(0);
    await say(page, 'Hello, is anyone there?');

    // An agent sees who wrote, and the other answers as visitor attributes.
    await until(async () => !!(await latestVisitor(owner)), 'the conversation');
    const visitor = (await latestVisitor(owner))!.visitor;
    expect(visitor.name).toBe('Ada Lovelace');
    expect(visitor.email).toBe('ada@example.com');
    expect(Object.fromEntries(visitor.attributes.map((a) => [a.key, a.value]))).toEqual({
      phone: '+44 20 7946 0958',
      order: 'A-1042',
      topic: 'My grinder makes a noise',
    });
    expect(calls.filter((c) => c.includes('startVisitorSession'))).toHaveLength(1);

    // A returning visitor is not asked again.
    const again = await openShop(context, websiteKey);
    await open(again, 'textarea.');
    expect(await widget(again).root.locator('form.card').count()).toBe(0);
  });

  it('is not shown to a visitor the site has identified', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { preChatFields: PRE_CHAT });
    const user = { userId: 'u-7', userHash: await userHash(owner, websiteId, 'u-7'), name: 'Bo', email: 'bo@example.com' };
    const page = await openShop(await newContext(), websiteKey, { identify: JSON.stringify(user) });
    await expect.poll(() => page.evaluate((k) => !!localStorage.getItem(`chinwag:visitor:${k}`), websiteKey)).toBe(true);
    await open(page, 'textarea.');
    expect(await widget(page).root.locator('form.card').count()).toBe(0);
  });
});

describe('a pre-chat select', () => {
  const TOPIC = { key: 'topic', label: 'What is it about?', kind: 'SELECT', required: true, options: ['Sales', 'Support'] };

  it('offers the options in a labelled select, requires one, and the answer routes the chat', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { preChatFields: [TOPIC] });
    const { createDepartment: sales } = await owner.request<{ createDepartment: { id: string } }>(
      'mutation { createDepartment(name: "Sales") { id } }',
    );
    await owner.createRoutingRule({
      name: 'Sales questions',
      conditions: [{ field: 'PRE_CHAT', operator: 'EQUALS', key: 'topic', value: 'Sales' }],
      actions: { departmentId: sales.id, tags: ['sales'] },
    });
    const page = await openShop(await newContext(), websiteKey);
    const { root } = widget(page);
    const form = root.locator('form.card');
    const select = form.locator('select[name="topic"]');
    await open(page, 'select[topic]');
    expect(await form.locator('label').allTextContents()).toEqual(['What is it about? *']);
    await expect.poll(() => select.locator('option').allTextContents()).toEqual(['', 'Sales', 'Support']);
    expect(await select.getAttribute('required')).not.toBeNull();
    expect(await axe(page)).toEqual([]);

    // Nothing chosen: refused, with the error tied to the select.
    await form.getByRole('button', { name: 'Start the chat' }).click();
    await expect.poll(() => form.locator('.field-error').allTextContents()).toEqual(['Please fill this in.']);
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await root.locator(`#${await select.getAttribute('aria-describedby')}`).textContent()).toBe('Please fill this in.');
    await screenshot(page, 'pre-chat-select-error');
    // Asking for the options started no visitor session: only the answers do.
    expect(await page.evaluate((k) => localStorage.getItem(`chinwag:visitor:${k}`), websiteKey)).toBeNull();

    await select.selectOption('Sales');
    await expect.poll(() => form.locator('.field-error').count()).toBe(0);
    await screenshot(page, 'pre-chat-select');
    await form.getByRole('button', { name: 'Start the chat' }).click();
    await say(page, 'How much is the pro plan?');
    await until(async () => (await owner.conversations({ filter: { tag: 'sales' } })).nodes.length === 1, 'the routed chat');
    const [chat] = (await owner.conversations({ filter: { tag: 'sales' } })).nodes;
    expect([chat!.department?.id, chat!.tags]).toEqual([sales.id, ['sales']]);
    expect((await latestVisitor(owner))!.visitor.attributes).toEqual([{ key: 'topic', value: 'Sales' }]);
  });

  it('speaks the visitor’s language', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { preChatFields: [{ ...TOPIC, required: false }] });
    for (const [lang, optional] of [
      ['fr', 'What is it about? (facultatif)'],
      ['es', 'What is it about? (opcional)'],
    ]) {
      const page = await openShop(await newContext(), websiteKey, { lang: lang! });
      await open(page, 'select[topic]');
      const form = widget(page).root.locator('form.card');
      await expect.poll(() => form.locator('option').allTextContents()).toEqual(['', 'Sales', 'Support']);
      expect(await form.locator('label').allTextContents()).toEqual([optional]);
      await page.close();
    }
  });
});

describe('the offline form', () => {
  it('outside business hours: says when the team is back, takes an email and a message, and the reply goes by email', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    // Open only two days from now (UTC): closed today.
    const now = new Date();
    const opening = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 2, 9));
    await updateWebsite(owner, websiteId, {
      offlineMessages: true,
      poweredBy: true,
      businessHours: { timeZone: 'UTC', intervals: [{ day: WEEKDAYS[opening.getUTCDay()], open: '09:00', close: '17:00' }] },
    });
    const page = await openShop(await newContext({ timezoneId: 'UTC' }), websiteKey);
    const { root } = widget(page);
    const card = root.locator('.card');

    await open(page, 'input[email]');
    expect(await root.locator('.composer').count()).toBe(0);
    expect(await card.locator('h3').textContent()).toBe('We are away right now');
    const when = new Intl.DateTimeFormat('en', { weekday: 'long', hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
    expect(flat(await card.locator('p').first().textContent())).toBe(flat(`We are back ${when.format(opening)}.`));
    expect(await card.textContent()).toContain('Leave us a message and we will reply by email.');
    expect(await root.locator('.foot').textContent()).toBe('Powered by Chinwag');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'offline');

    // Both fields are required; the email must be one.
    const send = card.getByRole('button', { name: 'Send' });
    await send.click();
    await expect.poll(() => card.locator('.field-error').count()).toBe(2);
    await card.locator('[name="email"]').fill('vi@example');
    await card.locator('[name="message"]').fill('Do you deliver to Bergen?\nThanks, Vi');
    await send.click();
    await expect
      .poll(() => card.locator('.field-error').allTextContents())
      .toEqual(['Please enter an email address, like name@example.com.']);
    await card.locator('[name="email"]').fill('vi@example.com');
    await send.click();

    // Confirmed: the reply will come by email.
    await expect.poll(() => root.locator('.card[role=status] h3').textContent()).toBe('Message sent');
    expect(await root.locator('.card[role=status] p').textContent()).toBe('Thank you! We will reply to vi@example.com by email.');
    expect(await focused(page)).toBe('div.card');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'offline-sent');

    // The team finds an offline conversation from vi@example.com; its reply is emailed.
    const left = (await latestVisitor(owner))!;
    expect(left.isOffline).toBe(true);
    expect(left.visitor.email).toBe('vi@example.com');
    await owner.sendNote(left.id, 'Internal: check the Bergen route');
    await owner.sendMessage(left.id, 'Yes, we deliver to Bergen in two days.');
    // The address was typed into a form: its owner confirms it first (the mail names only
    // the shop), then the conversation follows.
    const ask = await mailTo('vi@example.com', 'Acme shop replied to your message');
    expect(ask.body).not.toContain('Bergen');
    await confirmAddress(page.context(), ask);
    const mail = await mailTo('vi@example.com', 'we deliver to Bergen');
    expect(mail.subject).toBe('Your conversation with Acme shop');
    expect(mail.body).toContain('Do you deliver to Bergen?');
    // The note, written first, was not emailed.
    expect(mails().filter((m) => m.to.includes('vi@example.com'))).toEqual([ask, mail]);
  });

  it('with nobody online: takes a message, in the visitor’s language; chat as usual once someone is', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { offlineMessages: true });
    const page = await openShop(await newContext(), websiteKey, { lang: 'fr' });
    const { root } = widget(page);
    await open(page, 'input[email]');
    const card = root.locator('.card');
    expect(await card.locator('h3').textContent()).toBe('Nous sommes absents pour le moment');
    // Within business hours (none set): no opening time to give.
    expect(await card.locator('p').allTextContents()).toEqual(['Laissez-nous un message : nous vous répondrons par e-mail.']);
    expect(await card.locator('label').allTextContents()).toEqual(['Votre e-mail *', 'Votre message *']);
    await screenshot(page, 'offline-fr');

    // Someone comes online: the next page view chats as usual.
    const stop = owner.inboxEvents({ event: () => {} });
    await owner.setAgentStatus('ONLINE');
    await until(() => owner.connectionState() === 'online', 'the agent connection');
    const later = await openShop(page.context(), websiteKey, { lang: 'fr' });
    await open(later, 'textarea.');
    expect(await widget(later).root.locator('.card').count()).toBe(0);
    stop();
  });
});

describe('the transcript', () => {
  it('emails the conversation to the visitor on request', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    await updateWebsite(owner, websiteId, { poweredBy: true });
    const page = await openShop(await newContext(), websiteKey);
    const { root } = widget(page);
    const foot = root.locator('.foot');
    await open(page, 'textarea.');
    // Nothing to send before the conversation exists.
    expect(await foot.textContent()).toBe('Powered by Chinwag');
    await say(page, 'Which beans for espresso?');
    await until(async () => !!(await latestVisitor(owner)), 'the conversation');
    const { id } = (await latestVisitor(owner))!;
    await owner.sendMessage(id, 'Try the Brazil Cerrado.');
    await owner.sendNote(id, 'Private: upsell the grinder');
    await expect.poll(() => widget(page).bubbles.count()).toBe(3);

    const link = foot.getByRole('button', { name: 'Email me the transcript' });
    await link.click();
    expect(await link.getAttribute('aria-expanded')).toBe('true');
    const input = foot.locator('input[type=email]');
    await expect.poll(() => focused(page)).toBe('input.');
    // Escape closes the form (not the chat) and the focus goes back.
    await page.keyboard.press('Escape');
    expect(await input.count()).toBe(0);
    expect(await widget(page).panel.isVisible()).toBe(true);
    expect(await focused(page)).toBe('button.link');

    await link.click();
    await input.fill('not-an-email');
    await foot.getByRole('button', { name: 'Send', exact: true }).click();
    await expect
      .poll(() => foot.locator('[role=alert]').textContent())
      .toBe('Please enter an email address, like name@example.com.');
    expect(await axe(page)).toEqual([]);
    await screenshot(page, 'transcript');
    await input.fill('espresso@example.com');
    await foot.getByRole('button', { name: 'Send', exact: true }).click();
    await expect
      .poll(() => foot.locator('[role=status]').textContent())
      .toBe('Sent to espresso@example.com. If the email asks, confirm the address to get the transcript.');

    const ask = await mailTo('espresso@example.com', 'Confirm your email for Acme shop');
    expect(ask.body).not.toContain('espresso?');
    await confirmAddress(page.context(), ask);
    const mail = await mailTo('espresso@example.com', 'Your conversation with Acme shop');
    expect(mail.body).toContain('You: Which beans for espresso?');
    expect(mail.body).toContain('Acme shop: Try the Brazil Cerrado.');
    expect(mail.body).not.toContain('upsell');
  });

  it('fills in the visitor’s own email when the team has it', async () => {
    const { websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    expect(await page.evaluate(() => window.Chinwag!('identify', { name: 'Cy', email: 'cy@example.com' }))).toBeUndefined();
    await open(page, 'textarea.');
    await say(page, 'Hi');
    await expect.poll(() => widget(page).root.locator('.row.me time').count()).toBe(1);
    await widget(page).root.getByRole('button', { name: 'Email me the transcript' }).click();
    await expect.poll(() => widget(page).root.locator('.foot input').inputValue()).toBe('cy@example.com');
  });
});
