// Measures the initial JavaScript of the built app, the scripts index.html loads before
// anything renders (its module entry and modulepreloads), gzipped, and fails the build
// over the budget (DESIGN.md: at most 150 KB). Lazily loaded chunks are listed apart.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 150;
const dist = new URL('../dist/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const initial = [
  ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g),
  ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
].map((m) => m[1].replace(/^\/app\//, ''));
const gz = (file) => gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1);

let total = 0;
for (const file of initial) {
  const size = gz(file);
  total += size;
  console.log(`  initial  ${file}  ${kb(size)} KB gzipped`);
}
const lazy = readdirSync(new URL('assets/', dist)).filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`));
for (const f of lazy) console.log(`  lazy     assets/${f}  ${kb(gz(`assets/${f}`))} KB gzipped`);
console.log(`Initial JavaScript of /app/: ${kb(total)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (!initial.length) {
  console.error('No initial script found in dist/index.html');
  process.exit(1);
}
if (total > BUDGET_KB * 1024) {
  console.error(`Over budget by ${kb(total - BUDGET_KB * 1024)} KB`);
  process.exit(1);
}
