/**
 * `@chinwag/sdk`: build your own chat UI, dashboard or bot on Chinwag's public API.
 *
 * - {@link createVisitorClient} for a website visitor's chat;
 * - {@link createAgentClient} for the support team (and bots with an API key);
 * - every operation as a typed document (`...Document`) and every type the schema
 *   defines for them, for `request` and your own code.
 *
 * @packageDocumentation
 */
export { createVisitorClient } from './visitor.js';
export type { VisitorClient, VisitorClientOptions, VisitorDetails, TrackEvent, History, HistoryOptions } from './visitor.js';
export { createAgentClient } from './agent.js';
export type { AgentClient, AgentClientOptions, AgentSession, InboxHandlers, ReportInput } from './agent.js';
export type { ArticleMethods } from './knowledge-base.js';
export type { ArticleSearchOptions, HelpCenter } from './articles.js';
export type { BaseClient, CommonOptions } from './base.js';
export type {
  ChatMessage,
  ConversationEvent,
  ConversationEventsOptions,
  ConversationHandlers,
  ConversationState,
  LiveConversation,
  SendOptions,
} from './conversation.js';
export type { ConnectionState, Sink } from './live.js';
export { ChinwagError, isChinwagError } from './errors.js';
export type { ErrorCode, GraphQLErrorEntry } from './errors.js';
export { memoryStorage } from './util.js';
export type { TokenStorage } from './util.js';
export type { TypedDocument, ResultOf, VariablesOf } from './typed-document.js';
export type * from './types.js';
export type * from './generated/types.js';
export * from './generated/documents.js';
