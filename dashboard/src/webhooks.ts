/**
 * The GraphQL documents of Settings › Webhooks (docs/webhooks.md): endpoints, their
 * delivery log, test events, replays, recovery and secret rotation; typed by hand against
 * `schema/schema.graphql` like `api.ts` (test/documents.test.mjs checks them), and kept
 * apart from it so that they load with the settings, not with the inbox.
 */
import type { TypedDocument } from '@chinwag/sdk';
import type { Connection } from './api';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

export type WebhookEventType =
  | 'CONVERSATION_CREATED'
  | 'CONVERSATION_ASSIGNED'
  | 'CONVERSATION_RESOLVED'
  | 'MESSAGE_CREATED'
  | 'RATING_RECEIVED'
  | 'VISITOR_IDENTIFIED'
  | 'SLA_BREACHED'
  | 'ENDPOINT_DISABLED'
  | 'WEBHOOK_TEST';

/** How an attempt ended: 2xx, another answer or none (retried), the schedule's last failure, 410 Gone. */
export type WebhookAttemptOutcome = 'SUCCEEDED' | 'FAILED' | 'EXHAUSTED' | 'GONE';

/** Where the organization's events go, signed per the Standard Webhooks specification. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  /** Empty: every event. */
  eventTypes: WebhookEventType[];
  /** `whsec_…`: what receivers verify `webhook-signature` with. */
  secret: string;
  /** After a rotation, the previous secret also signs until then. */
  previousSecretExpiresAt: string | null;
  /** Deliveries per second at most; null: no limit. */
  rateLimit: number | null;
  enabled: boolean;
  disabledAt: string | null;
  /** By hand, 410 Gone, five days of failures, or its backlog: the server's words. */
  disabledReason: string | null;
  /** Every attempt since then failed; null when the last one succeeded. */
  failingSince: string | null;
  createdAt: string;
}

/** One delivery attempt of an event to an endpoint. */
export interface WebhookAttempt {
  id: string;
  /** The `webhook-id` header: the same on every attempt of an event. */
  eventId: string;
  eventType: WebhookEventType | null;
  /** 1 for the schedule's first. */
  attempt: number;
  outcome: WebhookAttemptOutcome;
  /** The receiver's HTTP status; null when it did not answer. */
  status: number | null;
  latencyMs: number;
  /** The start of the answer (at most 1,000 characters), or why there was none. */
  response: string;
  nextAttemptAt: string | null;
  /** Sent by hand (replay or recover). */
  manual: boolean;
  createdAt: string;
}

export interface WebhookEndpointInput {
  url?: string;
  description?: string;
  eventTypes?: WebhookEventType[];
  rateLimit?: number;
  clearRateLimit?: boolean;
  enabled?: boolean;
}

const ENDPOINT =
  'id url description eventTypes secret previousSecretExpiresAt rateLimit enabled disabledAt disabledReason failingSince createdAt';
const ATTEMPT = 'id eventId eventType attempt outcome status latencyMs response nextAttemptAt manual createdAt';

/** The organization's endpoints and every event type one can receive (owners and admins). */
export const WebhookEndpointsDocument = doc<{ webhookEndpoints: WebhookEndpoint[]; webhookEventTypes: WebhookEventType[] }>(
  `query WebhookEndpoints { webhookEndpoints { ${ENDPOINT} } webhookEventTypes }`,
);

/** An endpoint and a page of its delivery log, newest first (30 days). */
export const WebhookEndpointDocument = doc<
  { webhookEndpoint: WebhookEndpoint & { attempts: Connection<WebhookAttempt> } },
  { id: string; first: number; after?: string }
>(
  `query WebhookEndpoint($id: ID!, $first: Int, $after: String) { webhookEndpoint(id: $id) { ${ENDPOINT}
  attempts(first: $first, after: $after) { edges { cursor node { ${ATTEMPT} } } pageInfo { hasNextPage endCursor } } } }`,
);

/** At most 20 per organization (`PLAN_LIMIT`); a public http(s) URL (`BAD_USER_INPUT`). */
export const CreateWebhookEndpointDocument = doc<
  { createWebhookEndpoint: WebhookEndpoint },
  { input: { url: string; description: string; eventTypes: WebhookEventType[]; rateLimit?: number } }
>(`mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ${ENDPOINT} } }`);

export const UpdateWebhookEndpointDocument = doc<
  { updateWebhookEndpoint: WebhookEndpoint },
  { id: string; input: WebhookEndpointInput }
>(
  `mutation UpdateWebhookEndpoint($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT} } }`,
);

export const DeleteWebhookEndpointDocument = doc<{ deleteWebhookEndpoint: boolean }, { id: string }>(
  'mutation DeleteWebhookEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }',
);

/** A new secret; the previous one keeps signing too for `overlapHours` (24 when left out). */
export const RotateWebhookSecretDocument = doc<{ rotateWebhookSecret: WebhookEndpoint }, { id: string; overlapHours?: number }>(
  `mutation RotateWebhookSecret($id: ID!, $overlapHours: Int) { rotateWebhookSecret(id: $id, overlapHours: $overlapHours) { ${ENDPOINT} } }`,
);

/** A `webhook.test` event, sent now whatever the endpoint's filter: the event's id. */
export const TestWebhookEndpointDocument = doc<{ testWebhookEndpoint: string }, { id: string }>(
  'mutation TestWebhookEndpoint($id: ID!) { testWebhookEndpoint(id: $id) }',
);

/** Sends the attempt's event again, now, as one manual attempt (it shows in the log). */
export const ReplayWebhookAttemptDocument = doc<{ replayWebhookAttempt: WebhookAttempt }, { id: string }>(
  `mutation ReplayWebhookAttempt($id: ID!) { replayWebhookAttempt(id: $id) { ${ATTEMPT} } }`,
);

/** Sends again the events since `since` (within 30 days) the endpoint never received: how many. */
export const RecoverWebhookEndpointDocument = doc<{ recoverWebhookEndpoint: number }, { id: string; since: string }>(
  'mutation RecoverWebhookEndpoint($id: ID!, $since: DateTime!) { recoverWebhookEndpoint(id: $id, since: $since) }',
);

/** The name an event has on the wire (`message.created`): the enum's first `_` is a dot. */
export const eventName = (type: WebhookEventType | string) => type.toLowerCase().replace('_', '.');

/** What each event type means, for the filter's checkboxes; an unknown one reads as its name. */
export const EVENT_HINTS: Partial<Record<WebhookEventType, string>> = {
  CONVERSATION_CREATED: 'A chat entered the queue (its first visitor message).',
  CONVERSATION_ASSIGNED: 'A chat’s assignee changed (or it was put back in line).',
  CONVERSATION_RESOLVED: 'A chat was resolved.',
  MESSAGE_CREATED: 'A message, private note or bot message was stored.',
  RATING_RECEIVED: 'A visitor rated a resolved chat.',
  VISITOR_IDENTIFIED: 'A visitor was identified by your website’s server (signed identity).',
  SLA_BREACHED: 'A chat missed an SLA target.',
  ENDPOINT_DISABLED: 'One of your endpoints was disabled (failures, backlog or 410 Gone).',
};
