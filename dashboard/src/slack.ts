/**
 * The GraphQL documents of Settings › Slack (docs/slack.md): the connection, the app
 * manifest with this organization's request URLs, connecting and disconnecting; typed by
 * hand against `schema/schema.graphql` like `webhooks.ts` (test/documents.test.mjs checks
 * them), and kept apart from `api.ts` so that they load with the Slack page only.
 */
import type { TypedDocument } from '@chinwag/sdk';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

/** Threads: each conversation is a thread, mirrored both ways. Alerts only: announced, nothing read back. */
export type SlackMode = 'THREADS' | 'ALERTS_ONLY';

/** The organization's Slack workspace and channel; the bot token and signing secret are never sent back. */
export interface SlackIntegration {
  teamId: string;
  teamName: string;
  channelId: string;
  mode: SlackMode;
  /** The Slack app's Events API request URL. */
  eventsUrl: string;
  /** The Slack app's interactivity request URL. */
  interactionsUrl: string;
  /** The request URL of the app's `/chinwag` command. */
  commandsUrl: string;
  connectedAt: string;
  updatedAt: string;
}

/** Left-out credentials keep the stored ones (when connected). */
export interface ConnectSlackInput {
  botToken?: string;
  signingSecret?: string;
  channelId?: string;
  mode?: SlackMode;
}

const INTEGRATION = 'teamId teamName channelId mode eventsUrl interactionsUrl commandsUrl connectedAt updatedAt';

/** The connection (null when not connected) and the manifest to create the app from (owners and admins). */
export const SlackDocument = doc<{ slackIntegration: SlackIntegration | null; slackAppManifest: string }>(
  `query Slack { slackIntegration { ${INTEGRATION} } slackAppManifest }`,
);

/** Checks the token with Slack and posts a hello to the channel; Slack's refusal is `BAD_USER_INPUT`. */
export const ConnectSlackDocument = doc<{ connectSlack: SlackIntegration }, { input: ConnectSlackInput }>(
  `mutation ConnectSlack($input: ConnectSlackInput!) { connectSlack(input: $input) { ${INTEGRATION} } }`,
);

/** `true` if it was connected. */
export const DisconnectSlackDocument = doc<{ disconnectSlack: boolean }>('mutation DisconnectSlack { disconnectSlack }');

/** How the page names each mode. */
export const MODES: { value: SlackMode; label: string; hint: string }[] = [
  {
    value: 'THREADS',
    label: 'Threads (answer from Slack)',
    hint: 'Each new conversation is a thread in the channel; replies in the thread reach the visitor.',
  },
  { value: 'ALERTS_ONLY', label: 'Alerts only', hint: 'New conversations are announced in the channel; nothing is read back.' },
];
