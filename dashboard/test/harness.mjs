// The browser tests' fixture: a real `chinwag serve` (the debug build of this repository,
// or $CHINWAG_BIN) serving the built dashboard on a free port with a temporary data
// directory, Debian's Chromium through playwright-core (never a downloaded browser), and
// helpers to wait on conditions, read the emails the server sent (its outbox: no SMTP is
// configured) and save screenshots under test-results/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
export const binary = process.env.CHINWAG_BIN ?? join(repo, 'target', 'debug', 'chinwag');
export const dist = resolve(here, '..', 'dist');
export const results = resolve(here, '..', 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Polls `check` until it returns something truthy; throws with `what` after `ms`. */
export async function until(check, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One `chinwag serve` process, healthy; resolves to its `stop`. */
async function launch(port, dataDir, logs) {
  const child = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--dashboard-dir', dist], {
    env: { ...process.env, CHINWAG_RATE_LIMITS: 'off', RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d) => (logs.text += d));
  let dead = false;
  const exited = new Promise((r) => child.once('exit', () => ((dead = true), r())));
  const stop = async () => {
    if (dead) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  try {
    await until(
      async () => {
        if (dead) throw new Error(`chinwag serve exited early:\n${logs.text}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'chinwag serve to answer /healthz',
      20_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}

/**
 * Starts the server. `down()` stops the process and `up()` starts it again on the same
 * port and data (a restart, as a deploy does); `stop()` ends it and removes its data.
 */
export async function startServer() {
  if (!existsSync(binary))
    throw new Error(`No server binary at ${binary}: run \`cargo build --bin chinwag\` at the repository root.`);
  if (!existsSync(join(dist, 'index.html'))) throw new Error('No dashboard/dist: run `npm run build -w dashboard` first.');
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'chinwag-dashboard-test-'));
  const logs = { text: '' };
  let stopProcess;
  try {
    stopProcess = await launch(port, dataDir, logs);
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    graphql: `${origin}/graphql`,
    dataDir,
    /** The emails sent so far, oldest first (see `readOutbox`). */
    mails: () => readOutbox(dataDir),
    /** Waits for an email to `to` whose subject matches `subject`. */
    mail: (to, subject) =>
      until(
        async () => (await readOutbox(dataDir)).find((m) => m.to.includes(to) && subject.test(m.subject)),
        `an email to ${to} with a subject like ${subject}`,
      ),
    logs: () => logs.text,
    down: () => stopProcess(),
    up: async () => void (stopProcess = await launch(port, dataDir, logs)),
    async stop() {
      await stopProcess();
      await rm(dataDir, { recursive: true, force: true });
    },
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
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
  return result.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}
