/**
 * The GraphQL documents of the answer bot's settings (docs/assistant.md, "The answer
 * bot"): a website's settings, their change, and the preview on past questions; typed by
 * hand against `schema/schema.graphql` (test/documents.test.mjs checks them) and kept apart
 * from `api.ts` so that they load with the Help center, not with the inbox. The inbox's
 * own assistant documents (reply suggestions, bot answers) are in `api.ts`.
 */
import type { TypedDocument } from '@chinwag/sdk';

const doc = <R, V = Record<string, never>>(text: string) => text as TypedDocument<R, V>;

/** `ALWAYS`: every chat no person has taken; `AWAY`: only outside business hours or with nobody online. */
export type AnswerBotMode = 'ALWAYS' | 'AWAY';

export interface AssistantSettings {
  websiteId: string;
  /** Off by default. */
  answerBot: boolean;
  mode: AnswerBotMode;
  /** The name on its messages, 1 to 60 characters. */
  botName: string;
  /** The share of a question (0.1 to 1) the best article must cover for the bot to answer. */
  threshold: number;
  updatedAt: string | null;
}

export interface AssistantSettingsInput {
  answerBot?: boolean;
  mode?: AnswerBotMode;
  botName?: string;
  threshold?: number;
}

/** What the bot would do with one past question. */
export interface AnswerBotPreviewItem {
  conversationId: string;
  question: string;
  /** The best-matching published article; null when none matched. */
  articleId: string | null;
  articleTitle: string | null;
  /** The share of the question that article covers, 0 to 1. */
  coverage: number;
  answers: boolean;
}

const SETTINGS = 'websiteId answerBot mode botName threshold updatedAt';

/** Owners and admins. */
export const AssistantSettingsDocument = doc<{ assistantSettings: AssistantSettings }, { websiteId: string }>(
  `query AssistantSettings($websiteId: ID!) { assistantSettings(websiteId: $websiteId) { ${SETTINGS} } }`,
);

/** Owners and admins; a refused field is `BAD_USER_INPUT` with a message naming it ("botName must be …"). */
export const UpdateAssistantSettingsDocument = doc<
  { updateAssistantSettings: AssistantSettings },
  { websiteId: string; input: AssistantSettingsInput }
>(
  `mutation UpdateAssistantSettings($websiteId: ID!, $input: AssistantSettingsInput!) {
  updateAssistantSettings(websiteId: $websiteId, input: $input) { ${SETTINGS} } }`,
);

/** The bot's answer to the website's last `first` first questions at `threshold`; nothing is sent. 10 a minute per organization. */
export const AnswerBotPreviewDocument = doc<
  { answerBotPreview: AnswerBotPreviewItem[] },
  { websiteId: string; threshold: number; first: number }
>(
  `query AnswerBotPreview($websiteId: ID!, $threshold: Float, $first: Int!) {
  answerBotPreview(websiteId: $websiteId, threshold: $threshold, first: $first) {
    conversationId question articleId articleTitle coverage answers } }`,
);
