// The audit log, in Debian's Chromium against a real `chinwag serve`: the owner makes
// audited changes through the API (departments, an invite, an API key, a website, and a
// block made with that key), then reads Settings › Audit log: newest first, 25 at a time
// with "Show more", each entry as a sentence with who, the target and the address;
// filters it by action; exports it as CSV (fetched with the token, saved through a blob:
// URL) and the file holds what the filter selects. An agent (not an admin) sees no such
// section, and its URL says who may open it. Every screen passes axe, at 390 px too.
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
  shot,
  signIn,
  signUpOwner,
  startServer,
} from './harness.mjs';

const OWNER = { org: 'Lindqvist Lamps', name: 'Lena Lindqvist', email: 'lena@lamps.test', password: 'brass and glass shades' };
const AGENT = { name: 'Ola Olsen', email: 'ola@lamps.test', password: 'switches and sockets' };
const HEADER = 'time,action,actor_kind,actor_id,target_id,ip';
const LOG = `query($f: AuditLogFilter, $first: Int) { auditLog(filter: $f, first: $first) {
  edges { node { action actorKind actorId actorName targetId ip } } pageInfo { hasNextPage } } }`;

describe('the audit log', () => {
  let server, browser, page, token;
  const departments = [];
  let inviteId, keyId, visitorId, websiteId;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const call = async (query, variables = {}, bearer = token) => {
      const r = await gql(server, query, variables, bearer);
      assert.ok(r.data, JSON.stringify(r));
      return r.data;
    };
    token = await signUpOwner(server, OWNER);
    // Oldest to newest: 26 departments (cheap entries for a second page), an invite, which
    // Ola accepts, a website, an API key, and a block made with that key.
    for (let i = 1; i <= 26; i++) {
      departments.push(
        (await call('mutation($n: String!) { createDepartment(name: $n) { id } }', { n: `Shelf ${i}` })).createDepartment.id,
      );
    }
    inviteId = await addAgent(server, token, AGENT);
    const website = (await call('mutation { createWebsite(input: { name: "Lamp shop" }) { id publicKey } }')).createWebsite;
    websiteId = website.id;
    const key = (await call('mutation { createApiKey(name: "Moderation bot") { apiKey { id } secret } }')).createApiKey;
    keyId = key.apiKey.id;
    const visitor = (
      await call(
        'mutation($i: StartVisitorSessionInput!) { startVisitorSession(input: $i) { visitor { id } } }',
        { i: { websiteKey: website.publicKey, name: 'Sven Spam' } },
        null,
      )
    ).startVisitorSession.visitor;
    visitorId = visitor.id;
    await call(
      'mutation($i: BlockVisitorInput!) { blockVisitor(input: $i) { id } }',
      { i: { visitorId: visitor.id, reason: 'Spam' } },
      key.secret,
    );
    page = await signIn(browser, server, OWNER, { ...DESKTOP, locale: 'en-GB', timezoneId: 'Europe/Oslo' });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rowsOf = (p) => p.getByRole('table', { name: 'Audit log entries' }).getByRole('row');
  /** The table's body rows as text, cells joined by ' | ' (header row left out). */
  const texts = async (p) =>
    (await rowsOf(p).all())
      .slice(1)
      .map(async (r) => (await r.getByRole('cell').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).join(' | '));

  async function openAuditLog(p) {
    await p.goto(`${server.origin}/app/settings`);
    await p.getByRole('link', { name: 'Audit log' }).click();
    await p.getByRole('heading', { name: 'Audit log' }).waitFor();
    await rowsOf(p).nth(1).waitFor();
  }

  test('the owner reads the log newest first, 25 at a time, as sentences with who, the target and the address', async () => {
    await openAuditLog(page);
    const rows = await Promise.all(await texts(page));
    assert.equal(rows.length, 25);
    // The time, in the dashboard's format, then the action, its target, who and from where.
    const time = /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}/;
    for (const r of rows) assert.match(r, time, r);
    const strip = (r) => r.replace(time, '').replace(/^ \| /, '');
    assert.deepEqual(rows.slice(0, 5).map(strip), [
      `Blocked a visitor Target ${visitorId} | An API key IP 127.0.0.1`,
      `Created an API key Target ${keyId} | ${OWNER.name} IP 127.0.0.1`,
      `Created a website Target ${websiteId} | ${OWNER.name} IP 127.0.0.1`,
      `Invited an agent Target ${inviteId} | ${OWNER.name} IP 127.0.0.1`,
      `Created a department Target ${departments[25]} | ${OWNER.name} IP 127.0.0.1`,
    ]);
    // What the page shows is what the API says, in its order.
    const api = (await gql(server, LOG, { first: 25 }, token)).data.auditLog.edges.map((e) => e.node);
    assert.deepEqual(
      rows.map((r) =>
        strip(r)
          .split(' | ')[0]
          .replace(/ Target .*/, ''),
      ),
      api.map((e) => e.action).map((a) => LABELS[a] ?? a),
    );
    assert.equal(rows.filter((r) => r.includes('Created a department')).length, 21);
    await page.getByText('Showing the newest 25 entries.').waitFor();
    await shot(page, 'desktop-audit-log');
    assert.deepEqual(await accessibilityViolations(page), [], 'the audit log');

    // Show more, by keyboard: the next page follows, the oldest department last among them.
    const more = page.getByRole('button', { name: 'Show more' });
    await more.focus();
    await page.keyboard.press('Enter');
    await page.getByText(/^Showing all 30 entries\.$/).waitFor();
    const all = await Promise.all(await texts(page));
    assert.equal(all.length, 30, '26 departments, the invite, the website, the key and the block');
    assert.deepEqual(all.slice(0, 25), rows);
    const shelves = all.filter((r) => r.includes('Created a department')).map((r) => r.match(/Target (\S+)/)[1]);
    assert.deepEqual(shelves, [...departments].reverse(), 'every department, newest first');
    assert.equal(await more.count(), 0, 'no third page');
    assert.deepEqual(page.errors, []);
  });

  test('a filter by action lists only those entries', async () => {
    await openAuditLog(page);
    const select = page.getByLabel('Action');
    assert.equal(await select.inputValue(), '');
    assert.equal(await select.locator('option:checked').innerText(), 'All actions');
    await select.selectOption({ label: 'Invited an agent' });
    await page.getByText('Showing all 1 entry.').waitFor();
    const rows = await Promise.all(await texts(page));
    assert.equal(rows.length, 1);
    assert.match(rows[0], new RegExp(`Invited an agent Target ${inviteId} \\| ${OWNER.name} IP 127\\.0\\.0\\.1$`));
    await select.selectOption({ label: 'Revoked an invite' });
    await page.getByRole('heading', { name: 'Nothing recorded for this action' }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], 'the audit log, filtered to nothing');
    assert.deepEqual(page.errors, []);
  });

  test('Export CSV downloads what the filter selects, and the export is itself recorded', async () => {
    await openAuditLog(page);
    const select = page.getByLabel('Action');
    await select.selectOption({ label: 'Created a department' });
    await page.getByText('Showing the newest 25 entries.').waitFor();
    const csv = async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      assert.equal(await download.failure(), null);
      return { name: download.suggestedFilename(), lines: (await readFile(await download.path(), 'utf8')).trimEnd().split('\n') };
    };
    const departmentsOnly = await csv();
    assert.match(departmentsOnly.name, /^audit-log-department\.create-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.equal(departmentsOnly.lines[0], HEADER);
    assert.equal(departmentsOnly.lines.length, 27, 'the header and 26 departments');
    const fields = departmentsOnly.lines.slice(1).map((l) => l.split(','));
    assert.deepEqual(
      fields.map((f) => f[4]),
      [...departments].reverse(),
    );
    for (const f of fields) {
      assert.match(f[0], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
      assert.deepEqual(f.slice(1, 4).concat(f[5]), ['department.create', 'agent', f[3], '127.0.0.1']);
    }
    await page.getByText('Exported 26 entries').waitFor();

    // No filter: everything, the export just recorded first.
    await select.selectOption({ label: 'All actions' });
    await page.getByText('Showing the newest 25 entries.').waitFor();
    const everything = await csv();
    assert.match(everything.name, /^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.equal(everything.lines[0], HEADER);
    const actions = everything.lines.slice(1).map((l) => l.split(',')[1]);
    assert.deepEqual(actions.slice(0, 6), [
      'audit.export',
      'audit.export',
      'visitor.block',
      'api_key.create',
      'website.create',
      'agent.invite',
    ]);
    assert.equal(everything.lines[3].split(',')[2], 'api_key', 'the block was made with the key');
    assert.equal(actions.filter((a) => a === 'department.create').length, 26);
    // The list shows the exports too, once reloaded.
    await rowsOf(page).filter({ hasText: 'Exported the audit log' }).first().waitFor();
    assert.equal(await rowsOf(page).filter({ hasText: 'Exported the audit log' }).count(), 2);
    assert.deepEqual(page.errors, []);
  });

  test('at 390 px the log fits the screen', async () => {
    const phone = await signIn(browser, server, OWNER, { ...PHONE, locale: 'en-GB', timezoneId: 'Europe/Oslo' });
    await phone.goto(`${server.origin}/app/settings/audit`);
    await rowsOf(phone).nth(1).waitFor();
    const table = await phone.getByRole('table', { name: 'Audit log entries' }).boundingBox();
    assert.ok(table.x >= 0 && table.x + table.width <= 390, `the table fits across: ${JSON.stringify(table)}`);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scroll: ${width}`);
    const exportButton = await phone.getByRole('button', { name: 'Export CSV' }).boundingBox();
    assert.ok(exportButton.x + exportButton.width <= 390, 'Export CSV is on screen');
    await shot(phone, 'phone-audit-log');
    assert.deepEqual(await accessibilityViolations(phone), [], 'the audit log at 390 px');
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('an agent sees no audit log: no section, and its URL says who may open it', async () => {
    const agent = await signIn(browser, server, AGENT, DESKTOP);
    await agent.goto(`${server.origin}/app/settings`);
    await agent.getByRole('link', { name: 'Blocked visitors' }).waitFor();
    assert.equal(await agent.getByRole('link', { name: 'Audit log' }).count(), 0);
    await agent.goto(`${server.origin}/app/settings/audit`);
    await agent.getByRole('heading', { name: 'Audit log is for owners and admins' }).waitFor();
    await agent.getByText('Only owners and admins of your organization can open it.', { exact: false }).waitFor();
    assert.equal(await agent.getByRole('table').count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Export CSV' }).count(), 0);
    await shot(agent, 'desktop-audit-log-agent');
    assert.deepEqual(await accessibilityViolations(agent), [], 'the barred section');
    assert.deepEqual(agent.errors, []);
    await agent.context().close();
  });
});

/** The sentences the page shows for the actions this test makes. */
const LABELS = {
  'agent.invite': 'Invited an agent',
  'api_key.create': 'Created an API key',
  'department.create': 'Created a department',
  'website.create': 'Created a website',
  'visitor.block': 'Blocked a visitor',
  'audit.export': 'Exported the audit log',
};
