import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Run as its own process: inside vitest, `graphql` would load twice (ESM and CJS).
const script = fileURLToPath(new URL('../scripts/codegen.mjs', import.meta.url));

describe('generated types', () => {
  it('match schema/schema.graphql and src/operations, sdk-rust/graphql/operations.graphql included (run `npm run codegen` after a change)', () => {
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 60_000);
});
