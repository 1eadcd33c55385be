// The browser tests' fixture: the server fixture the JavaScript suites share
// (sdk-js/test/server.mjs: a real `chinwag serve`, the debug build of this repository or
// $CHINWAG_BIN, on a free port with a temporary data directory) serving the built
// dashboard, Debian's Chromium through playwright-core (never a downloaded browser), and
// helpers to wait on conditions, read the emails the server sent (its outbox: no SMTP is
// configured) and save screenshots under test-results/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer as startChinwag, until as poll } from '../../sdk-js/test/server.mjs';

export { binary } from '../../sdk-js/test/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const dist = resolve(here, '..', 'dist');
export const results = resolve(here, '..', 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Polls `check` until it returns something truthy; throws with `what` after `ms`. */
export const until = (check, what, ms = 15_000) => poll(check, what, ms);

/**
 * Starts the server with this build of the dashboard (`args`: more flags for `chinwag
 * serve`; `env`: more environment, like `CHINWAG_OUTBOUND_ALLOW_PRIVATE`). `down()` stops
 * the process and `up()` starts it again on the same port and data (a restart, as a
 * deploy does); `stop()` ends it and removes its data.
 */
export async function startServer({ args = [], env = {} } = {}) {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('No dashboard/dist: run `npm run build -w dashboard` first.');
  const server = await startChinwag(['--dashboard-dir', dist, ...args], env);
  return {
    ...server,
    graphql: server.url,
    /** The emails sent so far, oldest first (see `readOutbox`). */
    mails: () => readOutbox(server.dataDir),
    /** Waits for an email to `to` whose subject matches `subject`. */
    mail: (to, subject) =>
      until(
        async () => (await readOutbox(server.dataDir)).find((m) => m.to.includes(to) && subject.test(m.subject)),
        `an email to ${to} with a subject like ${subject}`,
      ),
  };
}

/** A GraphQL call as any client makes it (`token`: a Bearer token); resolves to the JSON answer. */
export async function gql(server, query, variables = {}, token) {
  const r = await fetch(server.graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return r.json();
}

/** Signs up `owner` ({ org, name, email, password }): a new organization; resolves to its access token. */
export async function signUpOwner(server, owner) {
  const r = await gql(server, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
    i: { organizationName: owner.org, name: owner.name, email: owner.email, password: owner.password },
  });
  if (!r.data) throw new Error(`signUp: ${JSON.stringify(r)}`);
  return r.data.signUp.accessToken;
}

/** Adds the website `name` with `token` (an owner's or admin's); resolves to its `{ id, publicKey }`. */
export async function createWebsite(server, token, name) {
  const r = await gql(
    server,
    'mutation($n: String!) { createWebsite(input: { name: $n }) { id publicKey } }',
    { n: name },
    token,
  );
  if (!r.data) throw new Error(`createWebsite: ${JSON.stringify(r)}`);
  return r.data.createWebsite;
}

/** Logs `who` ({ email, password }) in through the API; resolves to their access token. */
export async function logInToken(server, who) {
  const r = await gql(server, 'mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }', {
    i: { email: who.email, password: who.password },
  });
  if (!r.data) throw new Error(`logIn: ${JSON.stringify(r)}`);
  return r.data.logIn.accessToken;
}

/**
 * Invites `agent` ({ name, email, password }) with `token` (an owner's or admin's) and
 * accepts through the emailed link, as they would; resolves to the invite's id.
 */
export async function addAgent(server, token, agent, role = 'AGENT') {
  const invited = await gql(
    server,
    'mutation($i: InviteAgentInput!) { inviteAgent(input: $i) { id } }',
    {
      i: { email: agent.email, role },
    },
    token,
  );
  if (!invited.data) throw new Error(`inviteAgent: ${JSON.stringify(invited)}`);
  const inviteToken = new URL(linkIn(await server.mail(agent.email, /invited you/))).searchParams.get('token');
  const accepted = await gql(server, 'mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { accessToken } }', {
    i: { token: inviteToken, name: agent.name, password: agent.password },
  });
  if (!accepted.data) throw new Error(`acceptInvite: ${JSON.stringify(accepted)}`);
  return invited.data.inviteAgent.id;
}

/**
 * The emails a server without SMTP wrote to `<data dir>/outbox/*.eml`, oldest first, as
 * `{ to, subject, text }` with the body decoded (7bit, quoted-printable or base64).
 */
export async function readOutbox(dataDir) {
  const dir = join(dataDir, 'outbox');
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort() : [];
  return Promise.all(files.map(async (f) => parseMail(await readFile(join(dir, f), 'utf8'))));
}

function parseMail(raw) {
  const cut = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, cut).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(cut + 4);
  const header = (name) => head.match(new RegExp(`^${name}:\\s*(.*)$`, 'im'))?.[1] ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8')
        : body;
  // Encoded words (RFC 2047), as a non-ASCII subject comes.
  const words = (v) =>
    v.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind, data) =>
      kind.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
  return { to: words(header('To')), subject: words(header('Subject')), text: text.replace(/\r\n/g, '\n') };
}

/** The first link in an email's text. */
export const linkIn = (mail) => mail.text.match(/https?:\/\/\S+/)?.[0] ?? null;

export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
};

/**
 * A page in a new browser context (`options`: its viewport, locale and the like), signed
 * in as `who` ({ email, password }) and on the inbox; its uncaught errors collect in
 * `page.errors`, for `assert.deepEqual(page.errors, [])`.
 */
export async function signIn(browser, server, who, options = DESKTOP) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  await page.goto(`${server.origin}/app/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Settings', exact: true }).waitFor();
  return page;
}

/** The owner and the agent of the knowledge-base suites' shop (Fjord & Fern). */
export const FJORD_OWNER = {
  org: 'Fjord & Fern',
  name: 'Frida Fjord',
  email: 'frida@fjordfern.test',
  password: 'ferns by the fjord',
};
export const FJORD_AGENT = { name: 'Ola Nordmann', email: 'ola@fjordfern.test', password: 'moss on the rocks' };

/**
 * A team of two in the browser: starts a server and Chromium, signs up `owner`'s
 * organization, runs `prepare(server, token)` (the owner's API token) for what the suite
 * needs before anyone signs in, adds `agent` and signs both in on the desktop (en-US).
 * Resolves to `{ server, browser, token, owner, agent, prepared }` (`owner` and `agent`:
 * their pages; `prepared`: what `prepare` returned) and `stop()` for `after`.
 */
export async function teamOfTwo({ owner = FJORD_OWNER, agent = FJORD_AGENT, prepare = async () => undefined } = {}) {
  const server = await startServer();
  const browser = await launchBrowser();
  const stop = async () => {
    await browser.close();
    await server.stop();
  };
  try {
    const token = await signUpOwner(server, owner);
    const prepared = await prepare(server, token);
    await addAgent(server, token, agent);
    const options = { ...DESKTOP, locale: 'en-US' };
    return {
      server,
      browser,
      token,
      prepared,
      owner: await signIn(browser, server, owner, options),
      agent: await signIn(browser, server, agent, options),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * On Settings › Departments (open in `page`), creates the department `name` and adds the
 * agent `member` (their name) to it.
 */
export async function createDepartment(page, name, member) {
  await page.getByLabel('New department').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name }).waitFor();
  await page.getByLabel(`Add a member to ${name}`).selectOption({ label: member });
  await page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name }) })
    .getByRole('button', { name: 'Add' })
    .click();
  await page.getByRole('button', { name: `Remove ${member} from ${name}` }).waitFor();
}

/** Saves a screenshot as test-results/NAME.png (of a page, or of one element: a locator). */
export async function shot(target, name) {
  mkdirSync(results, { recursive: true });
  await target.screenshot({ path: join(results, `${name}.png`) });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core's WCAG 2 A/AA rules on the page as it is now and returns the violations
 * (rule, impact, a few offending elements), for `assert.deepEqual(..., [])`.
 */
export async function accessibilityViolations(page) {
  // Evaluated over the DevTools protocol, which the page's Content-Security-Policy (no
  // inline scripts) does not govern, as a <script> tag would be.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  return result.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}
