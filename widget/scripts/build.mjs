/**
 * Builds the widget into `dist/` (served by `chinwag serve`: `widget.js` at `/widget.js`,
 * everything else at `/widget/<file>`), then measures it against its budgets:
 *
 * - `widget.js`, the loader, loaded with the page: at most 3 KB gzipped;
 * - everything loaded when the chat opens (the loader, the core and panel chunks and
 *   whatever they import): at most 25 KB gzipped.
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
const names = { core: entry('src/core.ts'), panel: entry('src/panel/index.tsx') };

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
const onOpen = new Set(['widget.js', ...closure(names.core), ...closure(names.panel)]);
const sizes = {};
for (const file of onOpen) sizes[file] = await gz(file);
// A visitor whose language is not English also loads that language's chunk: count the
// largest, so the figure holds for every visitor. (Parts loaded on first use, like the
// emoji picker, are not loaded when the chat opens.)
const languages = {};
for (const [file, o] of Object.entries(outputs)) {
  if (/i18n-\w+\.ts$/.test(o.entryPoint ?? '')) languages[basename(file)] = await gz(basename(file));
}
const language = Math.max(0, ...Object.values(languages));
const loader = sizes['widget.js'];
const open = Object.values(sizes).reduce((a, b) => a + b, 0) + language;
const report = { loader, open, budgets: BUDGETS, files: sizes, languages };
await writeFile(join(dist, 'size.json'), `${JSON.stringify(report, null, 2)}\n`);

const line = (label, bytes, budget) =>
  `${label.padEnd(34)} ${String(bytes).padStart(6)} B gzipped (budget ${budget} B: ${bytes <= budget ? 'ok' : 'OVER'})`;
console.log(line('loaded with the page (widget.js)', loader, BUDGETS.loader));
console.log(line('loaded when the chat opens', open, BUDGETS.open));
for (const [file, bytes] of Object.entries(sizes)) console.log(`  ${file.padEnd(32)} ${String(bytes).padStart(6)} B`);
for (const [file, bytes] of Object.entries(languages))
  console.log(`  ${file.padEnd(32)} ${String(bytes).padStart(6)} B (a language; the largest counts)`);
if (loader > BUDGETS.loader || open > BUDGETS.open) {
  console.error('The widget is over its size budget.');
  process.exit(1);
}
