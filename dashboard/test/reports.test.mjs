// Reports, in Debian's Chromium against a real `chinwag serve`: the owner seeds two agents'
// chats through the API (answers, resolutions, a 5 with a comment and a 2, a reopening,
// tags, an unanswered chat) with the organization in Europe/Oslo, then opens Reports. The
// page asks for the last 7 days of Oslo's calendar, and its cards, agents' table and
// charts' tables show exactly what the `analytics` query answers for the same input;
// filters and presets change the request; both CSV downloads hold what the query says.
// An agent sees no Reports and its URL says who may open it. Axe passes, at 390 px too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  DESKTOP,
  PHONE,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  logInToken,
  shot,
  signIn,
  signUpOwner,
  startServer,
} from './harness.mjs';

const OWNER = { org: 'Nordlys Knits', name: 'Nora Nordlys', email: 'nora@knits.test', password: 'wool and needles' };
const ANN = { name: 'Ann Arnesen', email: 'ann@knits.test', password: 'cable stitch pattern' };
const BOB = { name: 'Bob Berg', email: 'bob@knits.test', password: 'purl two together' };
const ZONE = 'Europe/Oslo';

const DURATION = 'count averageSeconds p50Seconds p90Seconds';
const FIGURES = `conversations reopened episodes missed resolved firstResponseTime { ${DURATION} } resolutionTime { ${DURATION} }
  csat { ratings average distribution responseRate comments } conversions { conversions chatAssisted revenue { amount currency } }`;
const ANALYTICS = `query($i: AnalyticsInput!) { analytics(input: $i) { totals { ${FIGURES} } groups { key label figures { ${FIGURES} } } } }`;

/** A date in `ZONE`, `days` from today: `2026-12-06`. */
const osloDate = (days = 0) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(Date.now() + days * 86_400_000);
/** An instant as Oslo's wall clock: `2026-12-06 00:00:00`. */
const osloClock = (iso) => new Date(iso).toLocaleString('sv-SE', { timeZone: ZONE });

describe('reports', () => {
  let server, browser, page, token, annId, bobId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const call = async (query, variables, bearer) => {
      const r = await gql(server, query, variables, bearer);
      assert.ok(r.data, JSON.stringify(r));
      return r.data;
    };
    token = await signUpOwner(server, OWNER);
    await call('mutation { updateOrganizationSchedule(timeZone: "Europe/Oslo", holidays: []) { timeZone } }', {}, token);
    await addAgent(server, token, ANN);
    await addAgent(server, token, BOB);
    const agents = (await call('{ agents { id name } }', {}, token)).agents;
    annId = agents.find((a) => a.name === ANN.name).id;
    bobId = agents.find((a) => a.name === BOB.name).id;
    const { id: departmentId } = (await call('mutation { createDepartment(name: "Shop floor") { id } }', {}, token))
      .createDepartment;
    await call(
      'mutation($d: ID!, $a: ID!) { addDepartmentMember(departmentId: $d, agentId: $a) { id } }',
      { d: departmentId, a: annId },
      token,
    );
    const ann = await logInToken(server, ANN);
    const bob = await logInToken(server, BOB);
    const website = (await call('mutation { createWebsite(input: { name: "Yarn shop" }) { id publicKey } }', {}, token))
      .createWebsite;
    const { publicKey } = website;
    // Purchases tracked in the browser count in revenue here.
    await call(
      'mutation($id: ID!) { updateWebsite(id: $id, input: { browserRevenue: true }) { id } }',
      { id: website.id },
      token,
    );

    /** A visitor's new chat: its id and the visitor's token. */
    const chat = async (name, body) => {
      const v = (
        await call('mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }', {
          i: { websiteKey: publicKey, name },
        })
      ).startVisitorSession.token;
      const c = (await call('mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }', { i: { body } }, v))
        .startConversation;
      return { id: c.id, visitor: v };
    };
    const say = (c, body, bearer) =>
      call('mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }', { i: { conversationId: c.id, body } }, bearer);
    const resolve = (c, bearer) =>
      call('mutation($c: ID!) { setConversationStatus(conversationId: $c, status: RESOLVED) { id } }', { c: c.id }, bearer);
    const rate = (c, rating, comment) =>
      call(
        'mutation($c: ID!, $r: Int!, $m: String) { rateConversation(conversationId: $c, rating: $r, comment: $m) { id } }',
        { c: c.id, r: rating, m: comment },
        c.visitor,
      );
    const tag = (c, tags) =>
      call(
        'mutation($c: ID!, $t: [String!]!) { setConversationTags(conversationId: $c, tags: $t) { id } }',
        { c: c.id, t: tags },
        token,
      );

    // Ann: a happy knitter (5, with a comment), and one who comes back after the resolution.
    const happy = await chat('Hege', 'Do you ship to Bergen?');
    await say(happy, 'We do, in two days.', ann);
    await resolve(happy, ann);
    await rate(happy, 5, 'Quick and kind');
    await tag(happy, ['shipping']);
    // She buys after the chat: a chat-assisted conversion of Ann's.
    await call(
      'mutation($i: TrackEventsInput!) { trackEvents(input: $i) }',
      { i: { events: [{ name: 'purchase', value: 120.5, currency: 'NOK' }] } },
      happy.visitor,
    );
    const back = await chat('Ivar', 'Which needles for mohair?');
    await say(back, 'Bamboo, 4 mm.', ann);
    await resolve(back, ann);
    await say(back, 'And for cotton?', back.visitor);
    await say(back, 'Steel, 3.5 mm.', ann);
    await tag(back, ['needles', 'advice']);
    // Bob: an unhappy one (2, no comment), and another he answers without resolving.
    const unhappy = await chat('Jon', 'My order is late');
    await say(unhappy, 'Sorry, checking now.', bob);
    await resolve(unhappy, bob);
    await rate(unhappy, 2);
    const open = await chat('Kari', 'Do you have merino?');
    await say(open, 'Yes, in twelve colours.', bob);
    // And nobody answers this one.
    await chat('Lars', 'Hello?');

    page = await signIn(browser, server, OWNER, { ...DESKTOP, locale: 'en-GB', timezoneId: 'America/New_York' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const analytics = async (input) => {
    const r = await gql(server, ANALYTICS, { i: input }, token);
    assert.ok(r.data, JSON.stringify(r));
    return r.data.analytics;
  };

  /**
   * Runs `act` and resolves to the variables of the `Report` request it made (the page's
   * one request for the whole report) once its answer is shown.
   */
  async function reportRequest(p, act) {
    const [request] = await Promise.all([
      p.waitForRequest((r) => r.url().endsWith('/graphql') && r.postData()?.includes('query Report(')),
      act(),
    ]);
    await request.response();
    await p.locator('.report-range').getByText('computed', { exact: false }).waitFor();
    return JSON.parse(request.postData()).variables;
  }

  /** A summary figure's exact value, from its `<data value>`: a number, or null for none. */
  const figure = async (p, name) => {
    const v = await p.locator(`.stats data[data-figure="${name}"]`).getAttribute('value');
    return v === '' ? null : Number(v);
  };

  /** The agents' (or departments') table as { name: conversations }. */
  async function agentsTable(p, name = 'Agents table') {
    const table = p.getByRole('region', { name }).getByRole('table');
    const rows = await table.locator('tbody tr').all();
    const out = {};
    for (const r of rows)
      out[await r.locator('th').innerText()] = Number(await r.locator('data[data-figure="conversations"]').getAttribute('value'));
    return out;
  }

  /** The sum of a column of the volume chart's table (1: new, 2: reopened): the periods' keys matched the server's. */
  const volumeSum = async (p, column = 1) =>
    (
      await p
        .getByRole('figure', { name: 'Conversations over time' })
        .locator(`tbody tr td:nth-of-type(${column})`)
        .allInnerTexts()
    )
      .map(Number)
      .reduce((a, b) => a + b, 0);

  let shown;
  test('the owner opens Reports: the last 7 days of the organization’s calendar, with what the query answers', async () => {
    const vars = await reportRequest(page, () => page.getByRole('link', { name: 'Reports' }).click());
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    shown = vars.time;
    // Oslo's midnights, whatever the browser's zone (New York here), and Oslo's zone sent along.
    assert.equal(osloClock(shown.from), `${osloDate(-6)} 00:00:00`);
    assert.equal(osloClock(shown.to), `${osloDate(1)} 00:00:00`);
    assert.equal(shown.timeZone, ZONE);
    assert.equal(shown.groupBy, 'DAY');
    assert.equal(vars.hours.groupBy, 'HOUR_OF_DAY');
    assert.equal(vars.agents.groupBy, 'AGENT');
    assert.equal(vars.withDepartments, true, 'the organization has a department');
    assert.equal(vars.departments.groupBy, 'DEPARTMENT');
    assert.equal(await page.getByLabel('Range').inputValue(), '7d');
    assert.equal(await page.getByLabel('Range').locator('option:checked').innerText(), 'Last 7 days');

    const { totals, groups } = await analytics({ ...shown, groupBy: 'AGENT' });
    // What the seeds make, so that the comparisons below compare something.
    assert.equal(totals.conversations, 5);
    assert.equal(totals.reopened, 1);
    assert.equal(totals.csat.ratings, 2);
    for (const name of ['conversations', 'reopened', 'missed', 'resolved'])
      assert.equal(await figure(page, name), totals[name], name);
    assert.equal(await figure(page, 'firstResponseTime.p50Seconds'), totals.firstResponseTime.p50Seconds);
    assert.equal(await figure(page, 'firstResponseTime.p90Seconds'), totals.firstResponseTime.p90Seconds);
    assert.equal(await figure(page, 'firstResponseTime.averageSeconds'), totals.firstResponseTime.averageSeconds);
    assert.equal(await figure(page, 'resolutionTime.p50Seconds'), totals.resolutionTime.p50Seconds);
    assert.equal(await figure(page, 'csat.average'), totals.csat.average);
    assert.equal(await figure(page, 'csat.ratings'), totals.csat.ratings);
    assert.equal(await figure(page, 'csat.responseRate'), totals.csat.responseRate);
    assert.equal(await figure(page, 'conversions.chatAssisted'), totals.conversions.chatAssisted);
    // The words around them.
    const card = async (name) => (await page.getByRole('group', { name, exact: true }).innerText()).replace(/\n+/g, '\n');
    assert.match(await card('Conversations'), /^Conversations\n5\n1 reopened · 6 in all$/);
    assert.match(await card('Satisfaction'), /3\.5 \/ 5\n2 ratings · \d+% of resolved rated/);
    assert.match(await card('First response (median)'), /(under 1 s|\d+ s)\n90% within .+ · average .+/);
    assert.equal(totals.conversions.chatAssisted, 1);
    assert.deepEqual(totals.conversions.revenue, [{ amount: 120.5, currency: 'NOK' }]);
    assert.match(await card('Chat-assisted conversions'), /\n1\nNOK\s120\.50 · 1 conversion in all$/);

    // The agents' table: both agents, and the unanswered chat, with the query's counts.
    const expected = Object.fromEntries(groups.map((g) => [g.key ? g.label : 'Unassigned', g.figures.conversations]));
    assert.deepEqual(await agentsTable(page), expected);
    assert.ok(expected[ANN.name] >= 1 && expected[BOB.name] >= 1, JSON.stringify(expected));
    assert.deepEqual(
      groups
        .map((g) => g.key)
        .filter(Boolean)
        .sort(),
      [annId, bobId].sort(),
    );

    // Each chart's table says its numbers: today's bar holds the week's chats, ratings are 1 × 2 and 1 × 5.
    const volume = page.getByRole('figure', { name: 'Conversations over time' });
    const volumeRows = await volume.locator('tbody tr').allInnerTexts();
    assert.equal(volumeRows.length, 7, 'a row for each day, empty days too');
    assert.match(volumeRows[6].replace(/\s+/g, ' '), / 5 1$/);
    assert.equal(await volumeSum(page), 5);
    const ratings = await page.getByRole('figure', { name: 'Satisfaction ratings' }).locator('tbody tr').allInnerTexts();
    assert.deepEqual(
      ratings.map((r) => r.replace(/\s+/g, ' ').trim()),
      ['1 (worst) 0', '2 1', '3 0', '4 0', '5 (best) 1'],
    );
    const hours = await page.getByRole('figure', { name: 'Busiest hours' }).locator('tbody tr').count();
    assert.equal(hours, 24);
    await page.getByRole('figure', { name: 'First response time' }).locator('svg path').first().waitFor({ state: 'attached' });

    await shot(page, 'desktop-reports');
    await page.getByRole('figure', { name: 'Busiest hours' }).scrollIntoViewIfNeeded();
    await shot(page, 'desktop-reports-charts');
    await page.getByRole('region', { name: 'Agents table' }).scrollIntoViewIfNeeded();
    await shot(page, 'desktop-reports-agents');
    assert.deepEqual(await accessibilityViolations(page), [], 'the report');
    assert.deepEqual(page.errors, []);
  });

  test('filters and presets change the request, and the page follows the query for it', async () => {
    // One agent: the conversations card is that agent's count.
    let vars = await reportRequest(page, () => page.getByLabel('Agent', { exact: true }).selectOption({ label: BOB.name }));
    assert.deepEqual(vars.time.agentIds, [bobId]);
    const bob = await analytics({ ...vars.time });
    assert.equal(await figure(page, 'conversations'), bob.totals.conversations);
    assert.equal(bob.totals.conversations, 2);
    assert.deepEqual(await agentsTable(page), { [BOB.name]: 2 });
    assert.match(page.url(), new RegExp(`agent=${bobId}`), 'the filter is in the URL');

    // The URL holds it all: a reload shows the same report.
    vars = await reportRequest(page, () => page.reload());
    assert.deepEqual(vars.time.agentIds, [bobId]);
    assert.equal(await page.getByLabel('Agent', { exact: true }).locator('option:checked').innerText(), BOB.name);

    // Back to everyone, today by hour: Oslo's today, in 24 hours.
    await reportRequest(page, () => page.getByLabel('Agent', { exact: true }).selectOption({ label: 'All agents' }));
    vars = await reportRequest(page, () => page.getByLabel('Range').selectOption({ label: 'Today' }));
    assert.equal(vars.time.agentIds, undefined);
    assert.equal(osloClock(vars.time.from), `${osloDate()} 00:00:00`);
    assert.equal(osloClock(vars.time.to), `${osloDate(1)} 00:00:00`);
    assert.equal(vars.time.groupBy, 'HOUR');
    const today = await analytics(vars.time);
    assert.equal(await figure(page, 'conversations'), today.totals.conversations);
    const volume = page.getByRole('figure', { name: 'Conversations over time' });
    assert.equal(await volume.locator('tbody tr').count(), 24);
    assert.equal(await volumeSum(page), today.totals.conversations, 'the hours hold today’s conversations');
    await shot(volume, 'desktop-reports-today-by-hour');

    // A year by month.
    vars = await reportRequest(page, () => page.getByLabel('Range').selectOption({ label: 'Last 12 months' }));
    assert.equal(vars.time.groupBy, 'MONTH');
    // The first of the month eleven months back.
    const [year, month] = osloDate().split('-').map(Number);
    const first = new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10);
    assert.equal(osloClock(vars.time.from), `${first} 00:00:00`);
    assert.equal(await page.getByRole('figure', { name: 'Conversations over time' }).locator('tbody tr').count(), 12);
    assert.equal(await volumeSum(page), (await analytics(vars.time)).totals.conversations, 'the months hold the conversations');

    // Business hours only, and email alone: the page says what the query says.
    vars = await reportRequest(page, () => page.getByRole('switch', { name: 'Business hours only' }).click());
    assert.equal(vars.time.businessHoursOnly, true);
    assert.equal(await figure(page, 'conversations'), (await analytics(vars.time)).totals.conversations);
    vars = await reportRequest(page, () => page.getByLabel('Channel').selectOption({ label: 'Email' }));
    assert.deepEqual(vars.time.channels, ['EMAIL']);
    const email = await analytics(vars.time);
    assert.equal(email.totals.episodes, 0, 'every seeded chat was a chat');
    // Conversions follow the channel too (those of its conversations, docs/analytics.md): by email, nothing at all.
    assert.equal(email.totals.conversions.conversions, 0);
    await page.getByRole('heading', { name: 'No conversations in this range' }).waitFor();
    // The owner answered nothing: the empty state, and nothing to download.
    vars = await reportRequest(page, () => page.getByLabel('Agent', { exact: true }).selectOption({ label: OWNER.name }));
    assert.equal((await analytics(vars.time)).totals.episodes, 0);
    await page.getByRole('heading', { name: 'No conversations in this range' }).waitFor();
    await shot(page, 'desktop-reports-empty');
    assert.equal(await page.getByRole('button', { name: 'Download report CSV' }).count(), 0);
    assert.deepEqual(await accessibilityViolations(page), [], 'the empty report');

    // A custom range that ends before it starts is said, not asked.
    await page.getByLabel('Range').selectOption({ label: 'Custom' });
    await page.getByLabel('From').fill(osloDate(1));
    await page.getByLabel('To').fill(osloDate(-1));
    await page.getByText('The range ends before it starts', { exact: false }).waitFor();
    vars = await reportRequest(page, () => page.getByLabel('From').fill(osloDate(-2)));
    assert.equal(osloClock(vars.time.from), `${osloDate(-2)} 00:00:00`);
    assert.equal(osloClock(vars.time.to), `${osloDate()} 00:00:00`);
    assert.deepEqual(page.errors, []);
  });

  test('a failed request shows the error with a retry that works', async () => {
    await page.route('**/graphql', (route) =>
      route.request().postData()?.includes('query Report(') ? route.abort() : route.continue(),
    );
    await page.goto(`${server.origin}/app/reports`);
    await page.getByRole('alert').filter({ hasText: 'Something went wrong' }).waitFor({ timeout: 30_000 });
    await page.unroute('**/graphql');
    await reportRequest(page, () => page.getByRole('button', { name: 'Try again' }).click());
    assert.equal(await figure(page, 'conversations'), 5);
    assert.deepEqual(page.errors, []);
  });

  test('both CSV downloads hold what the query says', async () => {
    const vars = await reportRequest(page, () => page.goto(`${server.origin}/app/reports?range=30d&group=WEEK`));
    assert.equal(vars.time.groupBy, 'WEEK');
    const report = await analytics(vars.time);
    assert.equal(await volumeSum(page), report.totals.conversations, 'the weeks hold the conversations');
    assert.equal(await volumeSum(page, 2), report.totals.reopened);
    const download = async (name) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
      assert.equal(await file.failure(), null);
      const lines = (await readFile(await file.path(), 'utf8')).trimEnd().split('\n');
      return { name: file.suggestedFilename(), header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
    };
    const byWeek = await download('Download report CSV');
    assert.match(byWeek.name, /^report-by-week-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.equal(byWeek.rows.length, 1 + report.groups.length, 'the total row, then one per week');
    const total = Object.fromEntries(byWeek.header.map((h, i) => [h, byWeek.rows[0][i]]));
    assert.equal(total.group, 'total');
    for (const name of ['conversations', 'reopened', 'episodes', 'missed', 'resolved'])
      assert.equal(Number(total[name]), report.totals[name], name);
    assert.equal(Number(total.csat_ratings), report.totals.csat.ratings);
    await page.getByText('Downloaded 2 rows', { exact: false }).waitFor();

    const conversations = await download('Download conversations CSV');
    assert.match(conversations.name, /^conversations-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.equal(conversations.header[0], 'conversation_id');
    assert.equal(conversations.rows.length, report.totals.episodes, 'a row per episode');
    assert.deepEqual(page.errors, []);
  });

  test('at 390 px the cards stack and the tables scroll inside their box', async () => {
    const phone = await signIn(browser, server, OWNER, { ...PHONE, locale: 'en-GB' });
    await reportRequest(phone, () => phone.goto(`${server.origin}/app/reports`));
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scroll: ${width}`);
    const cards = await phone.locator('.stat').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    assert.ok(
      cards.every((c, i) => i === 0 || c.top >= cards[i - 1].bottom),
      'one card under another',
    );
    const box = await phone.getByRole('region', { name: 'Agents table' }).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    const scrolls = await phone.getByRole('region', { name: 'Agents table' }).evaluate((e) => e.scrollWidth > e.clientWidth);
    assert.ok(scrolls, 'the table scrolls inside its box');
    await shot(phone, 'phone-reports');
    await phone.getByRole('figure', { name: 'Busiest hours' }).scrollIntoViewIfNeeded();
    await shot(phone, 'phone-reports-charts');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the report at 390 px');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('an agent has no Reports, and its URL says who may open it', async () => {
    const agent = await signIn(browser, server, ANN, DESKTOP);
    assert.equal(await agent.getByRole('link', { name: 'Reports' }).count(), 0);
    await agent.goto(`${server.origin}/app/reports`);
    await agent.getByRole('heading', { name: 'Reports are for owners and admins' }).waitFor();
    assert.equal(await agent.getByRole('button', { name: 'Download report CSV' }).count(), 0);
    await shot(agent, 'desktop-reports-agent');
    assert.deepEqual(await accessibilityViolations(agent), [], 'the refusal');
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
});
