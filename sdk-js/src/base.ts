/**
 * What the visitor and agent clients share: options, the HTTP requester, the live
 * socket, and the retrying send. Internal: each client exports its own surface.
 */
import { type ChinwagError, isChinwagError } from './errors.js';
import { AnswerDraftsDocument, MarkReadDocument, SendMessageDocument, SetTypingDocument } from './generated/documents.js';
import { createRequester, rootField, type TokenSource } from './http.js';
import { createLive, type ConnectionState, type Live, type Sink } from './live.js';
import type { SendOptions } from './conversation.js';
import type { TypedDocument } from './typed-document.js';
import type { AnswerDraft, Message } from './types.js';
import { backoff, newId, sleep } from './util.js';

/** Options both clients take. */
export interface CommonOptions {
  /** The GraphQL endpoint, like `https://chat.example.com/graphql` (or `/graphql` on the same origin). */
  url: string;
  /**
   * The WebSocket endpoint.
   * @default `url` with `http` replaced by `ws`
   */
  wsUrl?: string;
  /**
   * The `fetch` to use (tests, proxies, instrumentation).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * A WebSocket class where there is no global one (Node before 22: `import WebSocket from 'ws'`).
   * @default globalThis.WebSocket
   */
  webSocketImpl?: unknown;
  /**
   * How many times a message send is tried before it fails, on network errors,
   * `UNAVAILABLE` and `RATE_LIMITED` (always with the same `clientMessageId`).
   * @default 6
   */
  sendAttempts?: number;
}

/** The parts of a client both kinds expose. */
export interface BaseClient {
  /**
   * Runs any operation over HTTP with this client's credentials, for anything the
   * helpers do not cover. Rejects with a {@link ChinwagError}.
   *
   * @example
   * ```ts
   * const { websites } = await client.request(WebsitesDocument)
   * const data = await client.request<{ me: { id: string } }>('{ me { id } }')
   * ```
   */
  // An ad-hoc query string is as untyped as its answer (as in graphql-request);
  // `unknown` would force a type argument on every such call.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request<R = any, V = Record<string, unknown>>(document: TypedDocument<R, V> | string, variables?: V): Promise<R>;
  /**
   * Runs any subscription over the live connection; it survives reconnects (re-sent
   * with the same variables). Returns the unsubscribe.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as `request`
  subscribe<R = any, V = Record<string, unknown>>(
    document: TypedDocument<R, V> | string,
    variables: V,
    sink: Sink<R>,
  ): () => void;
  /** The live connection's state now. */
  connectionState(): ConnectionState;
  /** Calls `listener` whenever the connection state changes; returns the unsubscribe. */
  onConnectionState(listener: (state: ConnectionState) => void): () => void;
  /**
   * Calls `listener` each time the live connection came back after a drop. Message
   * streams resume by themselves; refetch anything else you show.
   */
  onReconnect(listener: () => void): () => void;
  /**
   * Shows or hides your typing indicator. Prefer `LiveConversation.typing()`, which
   * throttles.
   */
  setTyping(conversationId: string, isTyping: boolean): Promise<boolean>;
  /** Marks the conversation read up to and including `messageId`. */
  markRead(conversationId: string, messageId: string): Promise<boolean>;
  /**
   * The answer bot's answers while the model server writes them (docs/assistant.md#drafts),
   * for whoever may watch the conversation (else `onError` gets `NOT_FOUND`). `handler`
   * gets the whole text so far, at most every 120 ms, then `done` with empty text: the
   * bot's message, if there is one, has arrived on `conversationEvents` just before it.
   * Drop the draft on `done`, or when the bot's message arrives (after a reconnect a
   * `done` may be lost). A visitor's chat subscribes only when `WidgetConfig.answerDrafts`
   * says the website's bot writes with a model server. Returns the unsubscribe.
   *
   * @example
   * ```ts
   * const stop = chat.answerDrafts(conversationId, ({ text, done }) => showDraft(done ? null : text))
   * ```
   */
  answerDrafts(
    conversationId: string,
    handler: (draft: AnswerDraft) => void,
    onError?: (error: ChinwagError) => void,
  ): () => void;
  /** Closes the live connection and stops every subscription. */
  dispose(): void;
}

/** The shared machinery behind both clients. Internal. */
export interface Base {
  api: BaseClient;
  live: Live;
  http: ReturnType<typeof createRequester>;
  send(conversationId: string, body: string, options?: SendOptions): Promise<Message>;
  typingFlag(conversationId: string, isTyping: boolean, isPrivate?: boolean): Promise<boolean>;
  markRead(conversationId: string, messageId: string): Promise<boolean>;
}

/** Builds the shared machinery from the options and a client's token source. Internal. */
export function createBase(options: CommonOptions, token: TokenSource, canRetry: () => boolean): Base {
  const { fetch: fetchImpl = (...args) => globalThis.fetch(...args), webSocketImpl, sendAttempts = 6 } = options;
  // `url` resolved against the page when relative, the socket's derived from it (inline:
  // a helper returning both cost 21 B gzipped).
  const url = new URL(options.url, (globalThis as { location?: { href: string } }).location?.href).href;
  const ws = options.wsUrl ?? url.replace(/^http/, 'ws');
  const http = createRequester(url, fetchImpl, token);
  const live = createLive(ws, token, webSocketImpl, canRetry);

  const typingFlag = (conversationId: string, isTyping: boolean, isPrivate?: boolean) =>
    rootField(http(SetTypingDocument, { conversationId, isTyping, isPrivate }));

  const markRead = (conversationId: string, messageId: string) =>
    rootField(http(MarkReadDocument, { conversationId, messageId }));

  return {
    api: {
      request: (document, variables) => http(document, variables),
      subscribe: live.subscribe,
      connectionState: live.state,
      onConnectionState: live.onState,
      onReconnect: live.onReconnect,
      setTyping: (conversationId, isTyping) => typingFlag(conversationId, isTyping),
      markRead,
      answerDrafts: (conversationId, handler, error) =>
        live.subscribe(AnswerDraftsDocument, { conversationId }, { next: (d) => handler(d.answerDrafts), error }),
      dispose: live.dispose,
    },
    live,
    http,
    typingFlag,
    markRead,
    async send(conversationId, body, { clientMessageId = newId(), ...rest } = {}) {
      const input = { conversationId, body, clientMessageId, ...rest };
      for (let attempt = 1; ; attempt++) {
        try {
          return await rootField(http(SendMessageDocument, { input }));
        } catch (e) {
          // Safe to repeat: the server returns the original for a known clientMessageId.
          if (attempt >= sendAttempts || !isChinwagError(e, 'NETWORK_ERROR', 'UNAVAILABLE', 'RATE_LIMITED')) throw e;
          const wait = (e as ChinwagError).retryAfter;
          await sleep(wait ? wait * 1_000 : backoff(attempt - 1));
        }
      }
    },
  };
}
