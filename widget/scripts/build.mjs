/**
 * Builds the widget into `dist/` (served by `chinwag serve`: `widget.js` at `/widget.js`,
 * everything else at `/widget/<file>`), then measures it against its budgets:
 *
 * - `widget.js`, the loader, loaded with the page: at most 3 KB gzipped;
 * - everything loaded once the chat is open: at most 25 KB gzipped, for every kind of
 *   visitor (see `SCENARIOS`): the loader, the core and panel chunks and what they
 *   import, the largest language, and what that visitor's chat needs at opening (the
 *   live connection for a returning visitor with a conversation, the pre-chat or the
 *   offline form for a visitor without one on a website that shows one). Parts loaded
 *   on first use (the emoji picker...) are reported apart.
 *
 * The chunks carry a content hash in their names (`panel-<hash>.js`), so the server
 * can cache them for a year; the loader, whose name never changes, learns their names
 * at build time. Exits non-zero when a budget is exceeded.
 */
import { build, transform } from 'esbuild';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
export const BUDGETS = { loader: 3 * 1024, open: 25 * 1024 };

/** `import css from './x.css'`: the stylesheet, minified, as a string. */
const cssText = {
  name: 'css-text',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async ({ path }) => {
      const { code } = await transform(await readFile(path, 'utf8'), { loader: 'css', minify: true });
      return { contents: `export default ${JSON.stringify(code.trim())}`, loader: 'js' };
    });
  },
};

/**
 * The SDK's `graphql-ws/client` becomes `src/live.ts`, which loads the real one (its own
 * chunk) with the first subscription.
 */
const lazyLive = {
  name: 'lazy-live',
  setup(b) {
    const shim = join(root, 'src/live.ts');
    b.onResolve({ filter: /^graphql-ws\/client$/ }, ({ importer }) => (importer === shim ? undefined : { path: shim }));
  },
};

const common = {
  bundle: true,
  minify: true,
  // Browsers from 2022 on: modern syntax stays as written (smaller than lowered code).
  target: ['chrome100', 'edge100', 'firefox100', 'safari16'],
  platform: 'browser',
  legalComments: 'none',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  plugins: [cssText],
  metafile: true,
  logLevel: 'warning',
};

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

// The chunks: ES modules, loaded with import() relative to widget.js.
const chunks = await build({
  ...common,
  plugins: [...common.plugins, lazyLive],
  entryPoints: { core: join(root, 'src/core.ts'), panel: join(root, 'src/panel/index.tsx') },
  outdir: dist,
  format: 'esm',
  splitting: true,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
});
const outputs = chunks.metafile.outputs;
const entry = (name) => {
  const [file] = Object.entries(outputs).find(([, o]) => o.entryPoint?.endsWith(name)) ?? [];
  if (!file) throw new Error(`no output for ${name}`);
  return basename(file);
};
// The core again, with the live connection's client built in rather than loaded with the
// first subscription: a returning visitor, whose conversations are followed live from
// the start, loads this one (one file compresses better than two).
const returning = await build({
  ...common,
  entryPoints: { returning: join(root, 'src/core.ts') },
  outdir: dist,
  format: 'esm',
  entryNames: '[name]-[hash]',
});
const names = {
  core: entry('src/core.ts'),
  returning: basename(Object.keys(returning.metafile.outputs).find((f) => f.endsWith('.js'))),
  panel: entry('src/panel/index.tsx'),
};

// The loader: a classic script (the snippet loads it with async), named for good.
await build({
  ...common,
  entryPoints: [join(root, 'src/loader.ts')],
  outfile: join(dist, 'widget.js'),
  format: 'iife',
  define: { CHUNKS: JSON.stringify(names) },
});
await copyFile(join(root, 'demo/demo.html'), join(dist, 'demo.html'));

// The size report.
const gz = async (file) => gzipSync(await readFile(join(dist, file)), { level: 9 }).length;
/** A chunk and every chunk it imports statically, by file name. */
function closure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const i of outputs[`dist/${file}`]?.imports ?? []) if (i.kind === 'import-statement') closure(basename(i.path), seen);
  return seen;
}
/** The chunk loaded by `import()` of the module whose path ends with `name`. */
const lazyChunk = (name) => {
  const [file] = Object.entries(outputs).find(([, o]) => o.entryPoint?.endsWith(name)) ?? [];
  if (!file) throw new Error(`no chunk for ${name}`);
  return basename(file);
};
const sizes = {};
const size = async (files) => {
  let total = 0;
  for (const file of files) total += sizes[file] ??= await gz(file);
  return total;
};
/** What `file` adds to `base`: the chunk and its static imports not already in it. */
const extra = (base, file) => [...closure(file)].filter((f) => !base.has(f));

const panel = closure(names.panel);
const base = new Set(['widget.js', ...closure(names.core), ...panel]);
// A visitor whose language is not English also loads that language's chunk: count the
// largest, so the figure holds for every visitor.
const languages = {};
for (const [file, o] of Object.entries(outputs)) {
  if (/i18n-\w+\.ts$/.test(o.entryPoint ?? '')) languages[basename(file)] = await gz(basename(file));
}
const language = Math.max(0, ...Object.values(languages));
const returningBase = new Set(['widget.js', names.returning, ...panel]);
/** Who opens the chat, and everything they have loaded once it is open. */
const SCENARIOS = {
  'first visit': base,
  // Their core, loaded once the page is idle, follows their conversations live.
  'returning visitor': returningBase,
  'first visit, pre-chat form': [...base, ...extra(base, lazyChunk('src/panel/PreChat.tsx'))],
  'first visit, offline form': [...base, ...extra(base, lazyChunk('src/panel/Offline.tsx'))],
  // A stored session without a conversation yet (a customer the site identified, say)
  // while nobody is available: the loader gives them the first visit's core (nothing to
  // follow live: see `talkedKey` in src/loader.ts), then the offline form.
  'returning visitor with no conversation yet, offline form': [...base, ...extra(base, lazyChunk('src/panel/Offline.tsx'))],
};
const scenarios = {};
for (const [name, files] of Object.entries(SCENARIOS)) scenarios[name] = (await size(files)) + language;
/** Loaded on first use, never at opening. */
const ON_USE = {
  // A first-time visitor's first message starts the live connection.
  'live connection (first visit)': 'graphql-ws/dist/client.js',
  'emoji picker': 'src/panel/Emoji.tsx',
  'rating prompt': 'src/panel/Rating.tsx',
  'conversation list': 'src/panel/List.tsx',
  'transcript form': 'src/panel/Transcript.tsx',
  attachments: 'src/panel/Files.tsx',
};
const onUse = {};
for (const [name, module] of Object.entries(ON_USE)) onUse[name] = await size(extra(base, lazyChunk(module)));

const loader = sizes['widget.js'];
const open = Math.max(...Object.values(scenarios));
const report = { loader, open, budgets: BUDGETS, scenarios, onUse, files: sizes, languages };
await writeFile(join(dist, 'size.json'), `${JSON.stringify(report, null, 2)}\n`);

const line = (label, bytes, budget) =>
  `${label.padEnd(34)} ${String(bytes).padStart(6)} B gzipped (budget ${budget} B: ${bytes <= budget ? 'ok' : 'OVER'})`;
console.log(line('loaded with the page (widget.js)', loader, BUDGETS.loader));
console.log(line('loaded once the chat is open (max)', open, BUDGETS.open));
for (const [name, bytes] of Object.entries(scenarios)) console.log(`  ${name.padEnd(32)} ${String(bytes).padStart(6)} B`);
console.log('loaded on first use, each');
for (const [name, bytes] of Object.entries(onUse)) console.log(`  ${name.padEnd(32)} ${String(bytes).padStart(6)} B`);
console.log('files');
for (const [file, bytes] of Object.entries(sizes))
  console.log(`  ${file.padEnd(32)} ${String(bytes).padStart(6)} B${base.has(file) ? '' : ' (not for every visitor)'}`);
for (const [file, bytes] of Object.entries(languages))
  console.log(`  ${file.padEnd(32)} ${String(bytes).padStart(6)} B (a language; the largest counts)`);
if (loader > BUDGETS.loader || open > BUDGETS.open) {
  console.error('The widget is over its size budget.');
  process.exit(1);
}
