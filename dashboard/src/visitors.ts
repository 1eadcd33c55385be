/**
 * The GraphQL documents of the Visitors page (who is on the websites now, from the
 * widget's presence beacon; docs/dashboard.md, "Visitors"): typed by hand against
 * `schema/schema.graphql` like `api.ts` (test/documents.test.mjs checks them), and kept
 * apart from it so that they load with the page, not with the inbox.
 */
import type { TypedDocument } from '@chinwag/sdk';
import type { LivePresence } from './api';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

/** Someone on a website now. */
export interface LiveVisitor {
  /** Random per page load, or the first-party id (`FIRST_PARTY_ID`). */
  presenceId: string;
  websiteId: string;
  url: string;
  title: string | null;
  referrer: string | null;
  /** In this visit (1 without a first-party id). */
  pagesViewed: number;
  /** Seen on an earlier visit (only with a first-party id). */
  returning: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  /** When they have chatted. */
  visitor: { id: string; name: string | null; email: string | null } | null;
}

export const LiveVisitorsDocument = doc<{ liveVisitors: LiveVisitor[] }, { websiteId: string | null }>(
  `query LiveVisitors($websiteId: ID) { liveVisitors(websiteId: $websiteId) {
  presenceId websiteId url title referrer pagesViewed returning firstSeenAt lastSeenAt visitor { id name email } } }`,
);

/** The websites, with whether each sends live presence. */
export const PresenceWebsitesDocument = doc<{ websites: { id: string; name: string; livePresence: LivePresence }[] }>(
  'query PresenceWebsites { websites { id name livePresence } }',
);

/** Shown with the visitor's next beacon; stored only if they reply. Answers the message's id. */
export const MessageLiveVisitorDocument = doc<
  { messageLiveVisitor: string },
  { websiteId: string; presenceId: string; body: string }
>(
  'mutation MessageLiveVisitor($websiteId: ID!, $presenceId: ID!, $body: String!) { messageLiveVisitor(websiteId: $websiteId, presenceId: $presenceId, body: $body) }',
);
