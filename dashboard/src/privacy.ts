/**
 * The GraphQL documents of privacy work (docs/privacy.md): a person's export and erasure,
 * the organization's export, the erasure mode and each website's retention. Typed by hand
 * against `schema/schema.graphql` like those in `api.ts` (kept apart to keep that file
 * readable), and checked against the schema by test/documents.test.mjs.
 */
import type { TypedDocument } from '@chinwag/sdk';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

/** Names the person of a request: exactly one of the three. */
export type PersonInput = { visitorId: string } | { externalId: string } | { email: string };

/** A ZIP archive of a person's (`VISITOR`) or the whole organization's (`ORGANIZATION`) data. */
export interface Export {
  id: string;
  kind: 'VISITOR' | 'ORGANIZATION' | (string & {});
  /** The archive is built (then `url` is set), until it expires. */
  done: boolean;
  /** The archive was deleted, 7 days after it was built. */
  expired: boolean;
  /** The visitors a person's export found. */
  visitorIds: string[];
  requestedAt: string;
  completedAt: string | null;
  expiresAt: string | null;
  /** Bytes of the archive. */
  size: number | null;
  /** A signed path on this server, no token needed; null until done and once expired. */
  url: string | null;
}

/** What erasing does to the visitor's conversations. */
export type ErasureMode = 'TOMBSTONE' | 'DELETE';

/** What an erasure removed: counts only. */
export interface ErasureReceipt {
  visitors: number;
  conversations: number;
  messages: number;
  files: number;
  pageViews: number;
  /** Pending emails about them, cancelled. */
  jobs: number;
}

export interface Erasure {
  id: string;
  /** Everything was removed; until then a job is at work (seconds). */
  done: boolean;
  mode: ErasureMode;
  visitorIds: string[];
  requestedByKind: 'agent' | 'api_key' | (string & {});
  /** The agent (`agt_…`) or API key (`key_…`) that asked. */
  requestedBy: string;
  requestedAt: string;
  completedAt: string | null;
  receipt: ErasureReceipt;
}

/** Days (1 to 3,650) after which data goes; null keeps it forever. */
export interface Retention {
  resolvedConversationDays: number | null;
  idleVisitorDays: number | null;
}

const EXPORT = 'id kind done expired visitorIds requestedAt completedAt expiresAt size url';
const ERASURE = `id done mode visitorIds requestedByKind requestedBy requestedAt completedAt
receipt { visitors conversations messages files pageViews jobs }`;

export const ExportVisitorDocument = doc<{ exportVisitor: Export }, { input: PersonInput }>(
  `mutation ExportVisitor($input: PersonInput!) { exportVisitor(input: $input) { ${EXPORT} } }`,
);
/** Owners only, 3 times a day. */
export const ExportOrganizationDocument = doc<{ exportOrganization: Export }>(
  `mutation ExportOrganization { exportOrganization { ${EXPORT} } }`,
);
/** Newest first (an organization's export for owners only). */
export const ExportsDocument = doc<{ exports: Export[] }, { first: number }>(
  `query Exports($first: Int!) { exports(first: $first) { ${EXPORT} } }`,
);
export const ExportDocument = doc<{ export: Export }, { id: string }>(`query Export($id: ID!) { export(id: $id) { ${EXPORT} } }`);

export const EraseVisitorDocument = doc<{ eraseVisitor: Erasure }, { input: PersonInput }>(
  `mutation EraseVisitor($input: PersonInput!) { eraseVisitor(input: $input) { ${ERASURE} } }`,
);
/** Newest first, at most 100. */
export const ErasuresDocument = doc<{ erasures: Erasure[] }, { first: number }>(
  `query Erasures($first: Int!) { erasures(first: $first) { ${ERASURE} } }`,
);
export const ErasureDocument = doc<{ erasure: Erasure }, { id: string }>(
  `query Erasure($id: ID!) { erasure(id: $id) { ${ERASURE} } }`,
);

export const ErasureModeDocument = doc<{ erasureMode: ErasureMode }>('query ErasureMode { erasureMode }');
export const SetErasureModeDocument = doc<{ setErasureMode: ErasureMode }, { mode: ErasureMode }>(
  'mutation SetErasureMode($mode: ErasureMode!) { setErasureMode(mode: $mode) }',
);

const RETENTION = 'retention { resolvedConversationDays idleVisitorDays }';
export const WebsitesRetentionDocument = doc<{ websites: { id: string; name: string; retention: Retention }[] }>(
  `query WebsitesRetention { websites { id name ${RETENTION} } }`,
);
/** Both periods are set together. */
export const UpdateRetentionDocument = doc<
  { updateWebsite: { id: string; name: string; retention: Retention } },
  { id: string; retention: Retention }
>(
  `mutation UpdateRetention($id: ID!, $retention: RetentionInput!) { updateWebsite(id: $id, input: { retention: $retention }) {
  id name ${RETENTION} } }`,
);
