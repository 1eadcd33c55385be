import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('the published package', () => {
  it('is ESM, side-effect free, with graphql-ws as its only runtime dependency', () => {
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys(manifest.dependencies)).toEqual(['graphql-ws']);
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
  });

  it('exports the clients, errors and documents from its root (the built dist)', async () => {
    const sdk = await import('@chinwag/sdk');
    expect(typeof sdk.createVisitorClient).toBe('function');
    expect(typeof sdk.createAgentClient).toBe('function');
    expect(typeof sdk.ChinwagError).toBe('function');
    expect(typeof sdk.isChinwagError).toBe('function');
    expect(typeof sdk.memoryStorage).toBe('function');
    expect(sdk.SendMessageDocument).toMatch(/^mutation SendMessage\(/);
    // Documents are plain strings: no graphql AST at run time.
    expect(typeof sdk.InboxEventsDocument).toBe('string');
  });

  it('has verifyWebhook at @chinwag/sdk/webhooks, an entry point of its own', async () => {
    expect(manifest.exports['./webhooks']).toEqual({ types: './dist/webhooks.d.ts', import: './dist/webhooks.js' });
    const webhooks = await import('@chinwag/sdk/webhooks');
    expect(Object.keys(webhooks).sort()).toEqual(['WebhookVerificationError', 'verifyWebhook']);
  });

  it('has searchArticles at @chinwag/sdk/articles, an entry point of its own', async () => {
    expect(manifest.exports['./articles']).toEqual({ types: './dist/articles.d.ts', import: './dist/articles.js' });
    const articles = await import('@chinwag/sdk/articles');
    expect(Object.keys(articles).sort()).toEqual(['ChinwagError', 'isChinwagError', 'searchArticles']);
    // The same class as the root's, so `instanceof` holds across the two imports.
    expect(articles.ChinwagError).toBe((await import('@chinwag/sdk')).ChinwagError);
  });
});
