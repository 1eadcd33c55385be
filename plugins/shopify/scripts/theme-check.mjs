/**
 * Runs Shopify's theme check on the theme app extension with the checks for app
 * extensions (`theme-check:theme-app-extension`: app block schema and tags, the
 * JavaScript asset under 10 KB...); fails on any offense, warnings included.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { themeCheckRun } from '@shopify/theme-check-node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'extensions', 'chinwag-chat');
const { offenses } = await themeCheckRun(root, 'theme-check:theme-app-extension', () => {});
for (const o of offenses) console.error(`${o.uri.replace(/^file:\/\//, '')}:${o.start.line + 1} ${o.check}: ${o.message}`);
console.log(`theme-check: ${offenses.length} offense(s)`);
process.exit(offenses.length ? 1 : 0);
