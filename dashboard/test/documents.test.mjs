// Every GraphQL document the dashboard sends beyond the SDK's (src/api.ts, src/privacy.ts, src/webhooks.ts, src/slack.ts, ...)
// is checked against the committed contract, schema/schema.graphql: a schema change that
// breaks the dashboard fails here, before any browser starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { transformWithEsbuild } from 'vite';

const schema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
const documents = [];
for (const file of [
  'api.ts',
  'privacy.ts',
  'automations.ts',
  'visitors.ts',
  'webhooks.ts',
  'slack.ts',
  'reports.ts',
  'articles.ts',
  'assistant.ts',
]) {
  const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
  // These files import types only: once compiled they are plain JavaScript with no imports.
  const { code } = await transformWithEsbuild(source, file);
  const module = await import(`data:text/javascript,${encodeURIComponent(code)}`);
  documents.push(...Object.entries(module).filter(([name]) => name.endsWith('Document')));
}

test('the dashboard has its own documents to check', () => {
  assert.ok(documents.length >= 15, `found ${documents.length}`);
});

for (const [name, text] of documents) {
  test(`${name} is valid against schema/schema.graphql`, () => {
    const errors = validate(schema, parse(String(text)));
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
    );
  });
}
