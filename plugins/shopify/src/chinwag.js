/**
 * Chinwag's side, through its public GraphQL API with the operator's API key (by way of
 * `@chinwag/sdk`): the shop's website (made or linked on install), the identity secret
 * (read when a customer needs a hash, kept in memory for minutes), customers' attributes,
 * and the privacy operations the compliance webhooks call, the website's deletion included.
 */
import { createHmac } from 'node:crypto';
import { createAgentClient } from '@chinwag/sdk';

const WEBSITES = `query { websites { id name publicKey allowedOrigins } }`;
const CREATE_WEBSITE = `mutation($input: CreateWebsiteInput!) { createWebsite(input: $input) { id name publicKey } }`;
const UPDATE_WEBSITE = `mutation($id: ID!, $input: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $input) { id name publicKey } }`;
const SECRET = `query($id: ID!) { website(id: $id) { identitySecret } }`;
const SET_ATTRIBUTES = `mutation($input: SetVisitorAttributesInput!) { setVisitorAttributes(input: $input) { id } }`;
const ERASE = `mutation($input: PersonInput!) { eraseVisitor(input: $input) { id } }`;
const EXPORT = `mutation($input: PersonInput!) { exportVisitor(input: $input) { id } }`;
const VISITORS = `query($websiteId: ID!, $after: String) {
  conversations(filter: { websiteId: $websiteId }, first: 100, after: $after) {
    nodes { visitor { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** How long an identity secret is used before it is read again (a rotation takes this long to reach the shop). */
const SECRET_TTL_MS = 5 * 60_000;

/** The customer's id in Chinwag: scoped by shop, so that two shops' customers never meet. */
export const externalId = (shop, customerId) => `shopify:${shop}:${customerId}`;

/** Hex HMAC-SHA256 of `value` with the website's identity secret (docs/api.md, "Visitor sessions"). */
export const identityHash = (secret, value) => createHmac('sha256', secret).update(value).digest('hex');

export function createChinwag(config, { fetch } = {}) {
  const client = createAgentClient({ url: `${config.chinwagUrl}/graphql`, apiKey: config.chinwagApiKey, fetch });
  const request = (query, variables) => client.request(query, variables);
  const secrets = new Map();

  return {
    dispose: () => client.dispose(),

    /**
     * The website for `shop`: the one whose allowed origins hold the shop's
     * `https://<shop>` (made by an earlier install, or by hand), or a new one; its
     * origins become the shop's.
     */
    async linkWebsite(shop, name, origins) {
      const { websites } = await request(WEBSITES);
      const own = `https://${shop}`;
      const found = websites.find((w) => w.allowedOrigins.includes(own));
      if (found) {
        const merged = [...new Set([...origins, ...found.allowedOrigins])];
        if (merged.length !== found.allowedOrigins.length)
          await request(UPDATE_WEBSITE, { id: found.id, input: { allowedOrigins: merged } });
        return { websiteId: found.id, publicKey: found.publicKey, websiteName: found.name };
      }
      const { createWebsite } = await request(CREATE_WEBSITE, { input: { name, allowedOrigins: origins } });
      return { websiteId: createWebsite.id, publicKey: createWebsite.publicKey, websiteName: createWebsite.name };
    },

    async identitySecret(websiteId) {
      const cached = secrets.get(websiteId);
      if (cached && cached.until > Date.now()) return cached.secret;
      const { website } = await request(SECRET, { id: websiteId });
      if (!website.identitySecret) throw new Error('The API key cannot read the identity secret (it needs WEBSITES_MANAGE)');
      secrets.set(websiteId, { secret: website.identitySecret, until: Date.now() + SECRET_TTL_MS });
      return website.identitySecret;
    },

    /** Sets (and removes) a customer's attributes; at most 20 per call, as the server takes them. */
    async setAttributes(websiteId, id, attributes, remove = []) {
      const entries = Object.entries(attributes).map(([key, value]) => ({ key, value: String(value).slice(0, 500) }));
      for (let i = 0; i < Math.max(entries.length, 1); i += 20) {
        await request(SET_ATTRIBUTES, {
          input: { websiteId, externalId: id, attributes: entries.slice(i, i + 20), remove: i === 0 ? remove : [] },
        });
      }
    },

    erase: async (person) => (await request(ERASE, { input: person })).eraseVisitor.id,
    export: async (person) => (await request(EXPORT, { input: person })).exportVisitor.id,
    exportStatus: async (id) => (await request(`query($id: ID!) { export(id: $id) { done url expiresAt } }`, { id })).export,

    /** Every visitor with a conversation on the website (anonymous ones included). */
    async visitorsWithConversations(websiteId) {
      const ids = new Set();
      let after = null;
      for (;;) {
        const { conversations } = await request(VISITORS, { websiteId, after });
        conversations.nodes.forEach((c) => ids.add(c.visitor.id));
        if (!conversations.pageInfo.hasNextPage) return [...ids];
        after = conversations.pageInfo.endCursor;
      }
    },

    /**
     * Deletes the website of a shop that is gone, for good: its key and identity secret
     * stop working at once, and a job in Chinwag deletes its visitors, conversations and
     * files (docs/privacy.md, "Deleting a website").
     */
    async deleteWebsite(websiteId) {
      secrets.delete(websiteId);
      await client.deleteWebsite(websiteId);
    },
  };
}
