// Visitors' mood in Reports (docs/analytics.md, "Sentiment"), in Debian's Chromium against a
// real `chinwag serve`: one visitor writes "The lamp arrived broken" (negative) to Ann,
// another "THIS IS RIDICULOUS, my parcel is STILL missing!!" (angry) to Bob, a third asks
// about shipping; the agents' own gloomy words and a furious note never count. First the
// `analytics` query says what the server counts, then the Reports page shows exactly that,
// in the summary card and in the agents' table. Axe passes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  accessibilityViolations,
  addAgent,
  gql,
  launchBrowser,
  logInToken,
  shot,
  signIn,
  signUpOwner,
  startServer,
  until,
} from './harness.mjs';

const OWNER = { org: 'Lampelys', name: 'Live Lampe', email: 'live@lampelys.test', password: 'light in the window' };
const ANN = { name: 'Ann Arnesen', email: 'ann@lampelys.test', password: 'warm white bulbs' };
const BOB = { name: 'Bob Berg', email: 'bob@lampelys.test', password: 'brass and linen' };

const MOOD = 'conversations episodes negativeConversations angryConversations negativeMessages';
const ANALYTICS = `query($i: AnalyticsInput!) { analytics(input: $i) { totals { ${MOOD} } groups { key label figures { ${MOOD} } } } }`;

describe('sentiment in reports', () => {
  let server, browser, token, page;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const call = async (query, variables, bearer) => {
      const r = await gql(server, query, variables, bearer);
      assert.ok(r.data, JSON.stringify(r));
      return r.data;
    };
    token = await signUpOwner(server, OWNER);
    await addAgent(server, token, ANN);
    await addAgent(server, token, BOB);
    const ann = await logInToken(server, ANN);
    const bob = await logInToken(server, BOB);
    const { publicKey } = (await call('mutation { createWebsite(input: { name: "Lamp shop" }) { publicKey } }', {}, token))
      .createWebsite;
    const chat = async (name, body) => {
      const v = (
        await call('mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { token } }', {
          i: { websiteKey: publicKey, name },
        })
      ).startVisitorSession.token;
      return (await call('mutation($i: StartConversationInput!) { startConversation(input: $i) { id } }', { i: { body } }, v))
        .startConversation.id;
    };
    const say = (conversationId, body, bearer, isPrivate = false) =>
      call(
        'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
        { i: { conversationId, body, isPrivate } },
        bearer,
      );

    const broken = await chat('Hege', 'The lamp arrived broken');
    // The agent's own words about it are not the visitor's mood.
    await say(broken, 'Sorry, that is terrible: it should never arrive broken.', ann);
    const missing = await chat('Ivar', 'THIS IS RIDICULOUS, my parcel is STILL missing!!');
    await say(missing, 'I am on it.', bob);
    await say(missing, 'THIS COURIER IS USELESS, AWFUL!!', bob, true);
    await chat('Kari', 'Hi, do you ship to Norway?');

    page = await signIn(browser, server, OWNER, { ...DESKTOP, locale: 'en-GB' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the server counts two negative conversations, one angry, and two negative messages; Reports shows them', async () => {
    // The range the page asks for first: the last 7 days, in the organization's zone (UTC here).
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/graphql') && r.postData()?.includes('query Report(')),
      page.getByRole('link', { name: 'Reports' }).click(),
    ]);
    const { time } = JSON.parse(request.postData()).variables;
    const input = { from: time.from, to: time.to, timeZone: time.timeZone, groupBy: 'AGENT' };
    const report = await until(async () => {
      const r = await gql(server, ANALYTICS, { i: input }, token);
      assert.ok(r.data, JSON.stringify(r));
      return r.data.analytics.totals.conversations === 3 && r.data.analytics;
    }, 'the three conversations in the report');
    assert.deepEqual(report.totals, {
      conversations: 3,
      episodes: 3,
      negativeConversations: 2,
      angryConversations: 1,
      negativeMessages: 2,
    });
    const byAgent = Object.fromEntries(report.groups.map((g) => [g.key ? g.label : 'Unassigned', g.figures]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(byAgent).map(([name, f]) => [name, [f.negativeConversations, f.angryConversations]])),
      { [ANN.name]: [1, 0], [BOB.name]: [1, 1], Unassigned: [0, 0] },
    );

    // The page: the summary card, with its exact figures in <data>.
    await page.locator('.report-range').getByText('computed', { exact: false }).waitFor();
    const figure = async (name) => Number(await page.locator(`.stats data[data-figure="${name}"]`).getAttribute('value'));
    for (const name of ['negativeConversations', 'angryConversations', 'negativeMessages'])
      assert.equal(await figure(name), report.totals[name], name);
    const card = (await page.getByRole('group', { name: 'Negative conversations' }).innerText()).replace(/\n+/g, '\n');
    assert.equal(card, 'Negative conversations\n2\n1 of them angry · 2 negative messages · 67% of 3');

    // The agents' table: a column of each agent's negative conversations, the angry ones beside.
    const table = page.getByRole('region', { name: 'Agents table' }).getByRole('table');
    const headers = await table.locator('thead th').allTextContents();
    const column = headers.indexOf('Negative conversations');
    assert.ok(column > 0, JSON.stringify(headers));
    const shown = {};
    for (const row of await table.locator('tbody tr').all()) {
      const cell = row.locator('th, td').nth(column);
      const value = async (name) => {
        const data = cell.locator(`data[data-figure="${name}"]`);
        return (await data.count()) ? Number(await data.getAttribute('value')) : 0;
      };
      shown[await row.locator('th').innerText()] = {
        text: (await cell.innerText()).trim(),
        counts: [await value('negativeConversations'), await value('angryConversations')],
      };
    }
    assert.deepEqual(shown, {
      [ANN.name]: { text: '1', counts: [1, 0] },
      [BOB.name]: { text: '1 (1 angry)', counts: [1, 1] },
      Unassigned: { text: '0', counts: [0, 0] },
    });

    await shot(page, 'desktop-reports-sentiment');
    await page.getByRole('region', { name: 'Agents table' }).scrollIntoViewIfNeeded();
    await shot(page, 'desktop-reports-sentiment-agents');
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(page.errors, []);
  });
});
