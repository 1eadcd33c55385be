/** Clients for tests: every one made here is disposed after its test. */
import { afterEach, inject } from 'vitest';
import WebSocket from 'ws';
import {
  createAgentClient,
  createVisitorClient,
  CreateWebsiteDocument,
  memoryStorage,
  type AgentClient,
  type AgentClientOptions,
  type VisitorClient,
  type VisitorClientOptions,
} from '../src/index.js';

export { until } from './server.mjs';

/** The shared server of this run. */
export const serverUrl = (): string => inject('chinwagUrl');

const made: Array<{ dispose(): void }> = [];
afterEach(() => {
  made.splice(0).forEach((c) => c.dispose());
});

let n = 0;
/** A fresh, unique email address. */
export const email = (who: string) => `${who}-${process.pid}-${Date.now()}-${n++}@example.com`;

export function agentClient(options: Partial<AgentClientOptions> = {}): AgentClient {
  const c = createAgentClient({ url: serverUrl(), webSocketImpl: WebSocket, ...options });
  made.push(c);
  return c;
}

export function visitorClient(websiteKey: string, options: Partial<VisitorClientOptions> = {}): VisitorClient {
  const c = createVisitorClient({ url: serverUrl(), websiteKey, storage: memoryStorage(), webSocketImpl: WebSocket, ...options });
  made.push(c);
  return c;
}

/** A new organization: its owner's client (signed in) and a website's key. */
export async function organization(options: Partial<AgentClientOptions> = {}) {
  const owner = agentClient(options);
  const me = await owner.signUp({
    organizationName: 'Acme',
    name: 'Ann',
    email: email('ann'),
    password: 'correct horse battery',
  });
  const { createWebsite } = await owner.request(CreateWebsiteDocument, { input: { name: 'Acme shop' } });
  return { owner, me, websiteKey: createWebsite.publicKey, websiteId: createWebsite.id };
}
