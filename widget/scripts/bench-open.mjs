/**
 * How fast the chat opens: from the click on the launcher to a panel the visitor can type
 * in (the composer, or the form's first field, focused in the visible panel), measured in
 * Debian's Chromium against a real `chinwag serve` on loopback, as the browser tests set
 * them up (`sdk-js/test/server.mjs`, `test/pages.mjs`). Prints the median of `--runs` (5)
 * for each kind of visitor, with every run, the machine's cores and load, and the commit.
 *
 * The figures go to docs/benchmarks.md ("Opening the chat"). They are not a test: timings
 * on a shared machine vary with its load, so nothing fails over a threshold here; the
 * tests check only that the chat becomes interactive.
 *
 *   npm run bench:open                  # builds dist/, then measures
 *   node scripts/bench-open.mjs --runs 9 --json
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAgentClient, CreateWebsiteDocument } from '@chinwag/sdk';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { startServer } from '../../sdk-js/test/server.mjs';
import { startPages } from '../test/pages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean' } } });
const runs = Number(args.runs);
if (!(runs >= 1)) throw new Error(`--runs takes a number of runs, not ${args.runs}`);
if (!existsSync(join(dist, 'widget.js'))) throw new Error('Build the widget first: npm run build -w widget');

/**
 * From the click on the launcher to `tag` (TEXTAREA: the composer; INPUT: a form's first
 * field) focused inside the visible panel, in the page's own clock.
 */
/* global document, requestAnimationFrame -- the function below runs in the page */
const measure = (page, tag) =>
  page.evaluate(
    (tag) =>
      new Promise((resolve) => {
        const root = document.querySelector('chinwag-widget').shadowRoot;
        const start = performance.now();
        root.querySelector('.launcher').click();
        const check = () =>
          root.activeElement?.tagName === tag && !root.querySelector('.panel').hidden
            ? resolve(performance.now() - start)
            : requestAnimationFrame(check);
        check();
      }),
    tag,
  );
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const load = () => loadavg().map((x) => x.toFixed(2));
const started = { load: load() };
const server = await startServer(['--widget-dir', dist]);
const pages = await startPages(server.origin);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const owners = [];
try {
  let n = 0;
  /** A new organization's website with `settings` (`updateWebsite`); its public key. */
  async function website(settings) {
    const owner = createAgentClient({ url: server.url, webSocketImpl: WebSocket });
    owners.push(owner);
    await owner.signUp({
      organizationName: 'Acme',
      name: 'Ann',
      email: `ann-${n++}@example.com`,
      password: 'correct horse battery',
    });
    const { createWebsite } = await owner.request(CreateWebsiteDocument, { input: { name: 'Acme shop' } });
    await owner.request('mutation($id: ID!, $input: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $input) { id } }', {
      id: createWebsite.id,
      input: settings,
    });
    return createWebsite.publicKey;
  }
  // As in the tests: a desktop window, reduced motion (the panel shows at rest).
  const newContext = () => browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  /** The shop with the widget for `key`, in `context`, once the launcher is on it. */
  async function shop(context, key) {
    const page = await context.newPage();
    const url = new URL('/shop', pages.url);
    url.searchParams.set('key', key);
    await page.goto(url.href);
    await page.locator('chinwag-widget .launcher').waitFor();
    return page;
  }
  /** A first visit: a new browser profile each time, nothing cached, nothing prefetched. */
  async function firstVisit(key, tag) {
    const context = await newContext();
    try {
      return await measure(await shop(context, key), tag);
    } finally {
      await context.close();
    }
  }

  // Nobody is online on any of them: the chat websites take no offline messages.
  const chat = await website({ offlineMessages: false });
  const preChat = await website({
    offlineMessages: false,
    preChatFields: [
      { key: 'name', label: 'Your name', kind: 'TEXT', required: true },
      { key: 'email', label: 'Email', kind: 'EMAIL', required: true },
      { key: 'topic', label: 'What is it about?', kind: 'TEXTAREA', required: false },
    ],
  });
  const offline = await website({ offlineMessages: true });

  const times = { 'first visit': [], 'returning visitor': [], 'pre-chat form': [], 'offline form': [] };
  for (let i = 0; i < runs; i++) times['first visit'].push(await firstVisit(chat, 'TEXTAREA'));
  // A returning visitor with a conversation: their latest one is fetched before the
  // composer shows, and their core follows it live.
  const context = await newContext();
  const page = await shop(context, chat);
  await measure(page, 'TEXTAREA');
  const composer = page.locator('chinwag-widget .composer textarea');
  await composer.fill('Hello');
  await composer.press('Enter');
  await page.locator('chinwag-widget .row.me time').waitFor();
  await page.close();
  for (let i = 0; i < runs; i++) {
    const again = await shop(context, chat);
    times['returning visitor'].push(await measure(again, 'TEXTAREA'));
    await again.close();
  }
  await context.close();
  for (let i = 0; i < runs; i++) {
    times['pre-chat form'].push(await firstVisit(preChat, 'INPUT'));
    times['offline form'].push(await firstVisit(offline, 'INPUT'));
  }

  const revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const machine = { cores: cpus().length, loadBefore: started.load, loadAfter: load() };
  const medians = Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, Math.round(median(xs))]));
  if (args.json) console.log(JSON.stringify({ revision, runs, machine, medians, times }, null, 2));
  else {
    console.log(`open to interactive, median of ${runs} (ms), at ${revision}`);
    for (const [k, xs] of Object.entries(times))
      console.log(`  ${k.padEnd(18)} ${String(medians[k]).padStart(5)}   [${xs.map((x) => x.toFixed(0)).join(', ')}]`);
    console.log(
      `${machine.cores} cores; load average (1, 5, 15 min) ${machine.loadBefore.join(' ')} before, ${machine.loadAfter.join(' ')} after`,
    );
  }
} finally {
  owners.forEach((o) => o.dispose());
  await browser.close();
  await pages.close();
  await server.stop();
}
