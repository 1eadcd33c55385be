/**
 * The size report: bundles what an app pays for (minified ESM for browsers, from the
 * built `dist/`, with `graphql-ws`) and prints each figure gzipped. Fails when the
 * visitor client is over its budget.
 */
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The visitor client with its dependencies, gzipped (issue: at most 8 KB). */
const VISITOR_BUDGET = 8 * 1024;

async function gzipped(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const entries = [
  ['createVisitorClient', `export { createVisitorClient } from './dist/index.js';`, VISITOR_BUDGET],
  ['createAgentClient', `export { createAgentClient } from './dist/index.js';`],
  ['whole package', `export * from './dist/index.js';`],
];

let over = false;
for (const [name, contents, budget] of entries) {
  const { min, gz } = await gzipped(contents);
  const verdict = budget ? (gz <= budget ? ` (budget ${budget} B: ok)` : ` (budget ${budget} B: OVER)`) : '';
  console.log(`${name.padEnd(20)} ${String(gz).padStart(6)} B gzipped, ${String(min).padStart(6)} B minified${verdict}`);
  if (budget && gz > budget) over = true;
}
if (over) {
  console.error('The visitor client is over its size budget.');
  process.exit(1);
}
