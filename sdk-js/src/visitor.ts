/**
 * `createVisitorClient`: everything a person on the website does, for a custom chat UI.
 */
import { createBase, type BaseClient, type CommonOptions } from './base.js';
import {
  conversationEvents,
  liveConversation,
  type ConversationEventsOptions,
  type ConversationHandlers,
  type LiveConversation,
} from './conversation.js';
import {
  CurrentVisitorDocument,
  RateConversationDocument,
  StartConversationDocument,
  StartVisitorSessionDocument,
  VisitorConversationDocument,
  VisitorConversationEventsDocument,
  VisitorConversationsDocument,
  WidgetConfigDocument,
} from './generated/documents.js';
import type { Message, Page, Visitor, VisitorConversation, WidgetConfig } from './types.js';
import { defaultStorage, load, save, type TokenStorage } from './util.js';

/** Options of {@link createVisitorClient}. */
export interface VisitorClientOptions extends CommonOptions {
  /** The website's public widget key (`Website.publicKey`). */
  websiteKey: string;
  /**
   * Where the visitor's session is kept, so a returning visitor sees their history.
   * @default localStorage (memory where the page may not use it)
   */
  storage?: TokenStorage;
  /** The visitor's name, when you know it (a pre-chat form, your own user). */
  name?: string;
  /** The visitor's email, when you know it. */
  email?: string;
  /** Your own user id for a signed-in user; needs `userHash`. */
  externalId?: string;
  /** Hex HMAC-SHA256 of `externalId` with the website's identity secret, computed on your server. */
  userHash?: string;
}

/** Options of a history page. */
export interface HistoryOptions {
  /**
   * How many messages, counting back from `before` (or from the newest).
   * @default 50
   */
  last?: number;
  /** Only messages older than this message id. */
  before?: string;
}

/** A page of history, oldest first. */
export interface History {
  messages: Message[];
  /** Older messages exist. */
  hasOlder: boolean;
}

/** A visitor's client: see {@link createVisitorClient}. */
export interface VisitorClient extends BaseClient {
  /** What the chat shows before a session exists: appearance, greeting, whether an agent is online. No session needed. */
  widgetConfig(): Promise<WidgetConfig>;
  /**
   * Whether a session is stored (a returning visitor): check it before calling anything
   * that would start one, so a page view alone creates no visitor.
   */
  hasSession(): boolean;
  /** The visitor, starting or resuming the session if needed. */
  visitor(): Promise<Visitor>;
  /** The visitor's conversations, newest activity first (a returning visitor finds theirs here). */
  conversations(options?: { first?: number; after?: string }): Promise<Page<VisitorConversation>>;
  /**
   * Starts a new conversation, with its first message when `body` is given (without one
   * it stays out of agents' queues until the visitor writes).
   */
  startConversation(body?: string): Promise<VisitorConversation>;
  /**
   * The conversation kept live for a UI: history, optimistic sends, typing, receipts,
   * resumed across reconnects. `close()` it when done.
   */
  openConversation(conversationId: string): LiveConversation<VisitorConversation>;
  /** The raw event stream: each message once, in order, across reconnects. Returns the unsubscribe. */
  conversationEvents(
    conversationId: string,
    handlers: ConversationHandlers<VisitorConversation>,
    options?: ConversationEventsOptions,
  ): () => void;
  /** A page of a conversation's history. */
  messages(conversationId: string, options?: HistoryOptions): Promise<History>;
  /**
   * Sends a message, retried on network failure, `UNAVAILABLE` and `RATE_LIMITED` with
   * the same `clientMessageId` (generated when absent), so it is stored once.
   */
  sendMessage(conversationId: string, body: string, options?: { clientMessageId?: string }): Promise<Message>;
  /** Rates a resolved conversation, 1 to 5, once per resolution. */
  rateConversation(conversationId: string, rating: number, comment?: string): Promise<VisitorConversation>;
  /** Forgets the session (a shared computer): the next call starts a new visitor. */
  forget(): void;
}

interface StoredSession {
  token: string;
  resumeToken: string;
}

const PAGE = 50;

/**
 * Creates the client a visitor's chat UI runs on. Nothing goes over the network until
 * you call something; the session is started (or resumed from `storage`) on first use.
 *
 * @example
 * ```ts
 * const chat = createVisitorClient({ url: 'https://chat.example.com/graphql', websiteKey: 'wk_...' })
 * const [latest] = (await chat.conversations()).nodes
 * const conversation = chat.openConversation(latest?.id ?? (await chat.startConversation()).id)
 * conversation.subscribe((state) => render(state.messages))
 * await conversation.send('Hello!')
 * ```
 */
export function createVisitorClient(options: VisitorClientOptions): VisitorClient {
  const { websiteKey, storage = defaultStorage(), name, email, externalId, userHash } = options;
  const key = `chinwag:visitor:${websiteKey}`;
  let session = load<StoredSession>(storage, key);
  // Who the visitor is was given: tell the server once, even when a session is stored.
  let introduce = !!(name || email || externalId);
  let starting: Promise<string> | undefined;

  async function start(): Promise<string> {
    // Another tab may have resumed meanwhile: its resume token is as good.
    const resumeToken = (load<StoredSession>(storage, key) ?? session)?.resumeToken;
    const input = { websiteKey, resumeToken, name, email, externalId, userHash };
    const { startVisitorSession: s } = await base.http(StartVisitorSessionDocument, { input }, false);
    session = { token: s.token, resumeToken: s.resumeToken };
    save(storage, key, session);
    introduce = false;
    return s.token;
  }

  const base = createBase(
    options,
    async (renew) =>
      session && !renew && !introduce ? session.token : (starting ??= start().finally(() => (starting = undefined))),
    () => true,
  );
  const { http, live } = base;

  const history = async (id: string, { last = PAGE, before }: HistoryOptions = {}) => {
    const { messages, readReceipts, ...conversation } = (await http(VisitorConversationDocument, { id, last, before }))
      .conversation;
    return { conversation, readReceipts, messages: messages.nodes, hasOlder: messages.pageInfo.hasPreviousPage };
  };

  return {
    ...base.api,
    hasSession: () => !!session,
    widgetConfig: async () => (await http(WidgetConfigDocument, { websiteKey }, false)).widgetConfig,
    visitor: async () => (await http(CurrentVisitorDocument)).currentVisitor,
    conversations: async ({ first, after } = {}) => (await http(VisitorConversationsDocument, { first, after })).conversations,
    startConversation: async (body) => (await http(StartConversationDocument, { input: { body } })).startConversation,
    openConversation: (id) =>
      liveConversation(
        {
          live,
          events: VisitorConversationEventsDocument,
          load: (conversationId, before) => history(conversationId, { before }),
          send: base.send,
          setTyping: base.typingFlag,
          markRead: base.markRead,
          self: () => ({ kind: 'VISITOR', id: null }),
        },
        id,
      ),
    conversationEvents: (id, handlers, opts) => conversationEvents(live, VisitorConversationEventsDocument, id, handlers, opts),
    messages: async (id, opts) => {
      const { messages, hasOlder } = await history(id, opts);
      return { messages, hasOlder };
    },
    sendMessage: (conversationId, body, opts) => base.send(conversationId, body, opts),
    rateConversation: async (conversationId, rating, comment) =>
      (await http(RateConversationDocument, { conversationId, rating, comment })).rateConversation,
    forget() {
      session = null;
      save(storage, key, null);
      live.restart();
    },
  };
}
