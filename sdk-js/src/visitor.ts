/**
 * `createVisitorClient`: everything a person on the website does, for a custom chat UI.
 */
import { createBase, type BaseClient, type CommonOptions } from './base.js';
import { rootField } from './http.js';
import { ChinwagError } from './errors.js';
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
  SetMyAttributesDocument,
  StartConversationDocument,
  StartVisitorSessionDocument,
  TrackEventsDocument,
  VisitorConversationDocument,
  VisitorConversationEventsDocument,
  VisitorConversationsDocument,
  WidgetConfigDocument,
} from './generated/documents.js';
import type { TrackEventInput } from './generated/types.js';
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
  /**
   * Hex HMAC-SHA256 of `"email:" + email` (the email exactly as given) with the website's identity secret,
   * computed on your server: the email is vouched for, so transcripts and replies reach it
   * without a confirmation link first. Needs `email`.
   */
  emailHash?: string;
  /**
   * Custom attributes agents see with the visitor (answers to your own questions, a plan
   * name), merged into the visitor's when the session starts. The object is read then,
   * so attributes added to it until then go along; once merged they are not sent again
   * (a resumed session keeps what {@link VisitorClient.setAttributes} changed since).
   */
  attributes?: Record<string, string>;
}

/** What {@link VisitorClient.introduce} tells the server about the visitor. */
export interface VisitorDetails {
  /** The visitor's name. */
  name?: string;
  /** The visitor's email (an offline message needs one; replies to it go there). */
  email?: string;
  /**
   * Custom attributes agents see with the visitor, like a pre-chat form's answers
   * (keys of 1 to 40 letters, digits, `-` or `_`; values up to 500 characters), merged
   * into the visitor's.
   */
  attributes?: Record<string, string>;
}

/**
 * An event for {@link VisitorClient.track}: `purchase`, one of the website's `goals`
 * (both recorded as conversions, unverified), or any other name (checked, not kept).
 */
export interface TrackEvent {
  /** 1 to 64 letters, digits, `_`, `-`, `.` and `:`; names compare exactly. */
  name: string;
  /** The value in major units (`19.99`), 0 to 1,000,000; needs `currency`. */
  value?: number;
  /** An ISO 4217 code (`EUR`; `eur` reads the same); needs `value`. */
  currency?: string;
  /** At most 20: keys of 1 to 40 letters, digits, `-` or `_`; values up to 200 characters. */
  properties?: Record<string, string>;
  /**
   * When it happened, if earlier than the call: at most a day ago (a clock up to a
   * minute ahead reads as now).
   * @default now
   */
  occurredAt?: Date | string;
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
   * Tells the server who the visitor is (a pre-chat form, the email for an offline
   * message): starts the session with these details, or updates the current one. Later
   * details add to earlier ones. Resolves with the visitor.
   */
  introduce(details: VisitorDetails): Promise<Visitor>;
  /**
   * Sets and removes the visitor's own attributes (a cart, the page's context), which
   * agents see as the browser's (`fromServer: false`), starting the session if needed.
   * At most 20 at once and 50 in all; keys of 1 to 40 letters, digits, `-` or `_`,
   * values up to 500 characters; else `BAD_USER_INPUT`. Rate-limited like sends
   * (`RATE_LIMITED`). Resolves with the visitor.
   *
   * @example
   * ```ts
   * await chat.setAttributes({ cart: '3 items', total: '42.00' }, ['coupon'])
   * ```
   */
  setAttributes(set: Record<string, string>, remove?: string[]): Promise<Visitor>;
  /**
   * Sends events the visitor's page tracked (one, or up to 20 at once): `purchase` and
   * the website's `goals` are recorded as the visitor's conversions (unverified: the
   * browser sent them), attributed to their latest conversation started within the
   * website's window before each; other names are checked and dropped. Resolves with
   * how many were recorded. One bad event (a name, a value without a currency, an
   * unknown currency, a property, `occurredAt` over a day ago) refuses them all with
   * `BAD_USER_INPUT`, and nothing is recorded. Rate-limited like sends (`RATE_LIMITED`).
   *
   * Like every call but {@link VisitorClient.widgetConfig}, it starts the session if
   * there is none: check {@link VisitorClient.hasSession} first to send only for a
   * visitor who has chatted, as the widget does.
   *
   * @example
   * ```ts
   * await chat.track({ name: 'purchase', value: 19.99, currency: 'EUR', properties: { order: 'A-1' } })
   * ```
   */
  track(events: TrackEvent | TrackEvent[]): Promise<number>;
  /**
   * Starts a new conversation, with its first message when `body` is given (without one
   * it stays out of agents' queues until the visitor writes).
   *
   * `offline: true` leaves a message while nobody is available (`WidgetConfig`'s
   * `businessHoursOpen` or `agentOnline` false): it needs a `body` and the visitor's
   * email (see {@link VisitorClient.introduce}), else `BAD_USER_INPUT`; the team's
   * replies reach the visitor by email.
   */
  startConversation(body?: string, options?: { offline?: boolean }): Promise<VisitorConversation>;
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
  sendMessage(
    conversationId: string,
    body: string,
    options?: { clientMessageId?: string; attachmentIds?: string[] },
  ): Promise<Message>;
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

/** Attributes (or an event's properties) as the API takes them. */
const pairs = (attributes?: Record<string, string>) =>
  attributes && Object.entries(attributes).map(([key, value]) => ({ key, value }));

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
  const { websiteKey, storage = defaultStorage(), externalId, userHash, emailHash } = options;
  const key = `chinwag:visitor:${websiteKey}`;
  let session = load<StoredSession>(storage, key);
  const details: VisitorDetails = { name: options.name, email: options.email, attributes: options.attributes };
  // Who the visitor is was given: tell the server once, even when a session is stored.
  let introduce = !!(details.name || details.email || externalId || Object.keys(details.attributes ?? {}).length);
  let starting: Promise<string> | undefined;
  let visitor: Visitor;
  let disposed = false;
  // A disposed client (signed out, replaced) neither starts a session nor stores one that
  // was on its way: a late request must not bring back whom `forget()` forgot.
  const alive = () => {
    if (disposed) throw new ChinwagError('UNAUTHENTICATED', 'Disposed');
  };

  async function start(): Promise<string> {
    alive();
    // Another tab may have resumed meanwhile: its resume token is as good.
    const resumeToken = (load<StoredSession>(storage, key) ?? session)?.resumeToken;
    const { name, email, attributes } = details;
    const input = {
      websiteKey,
      resumeToken,
      name,
      email,
      externalId,
      userHash,
      emailHash,
      attributes: pairs(attributes),
    };
    const s = await rootField(base.http(StartVisitorSessionDocument, { input }, false));
    alive();
    session = { token: s.token, resumeToken: s.resumeToken };
    save(storage, key, session);
    introduce = false;
    // Merged: a later resume must not undo what `setAttributes` changed since.
    details.attributes = undefined;
    visitor = s.visitor;
    return s.token;
  }
  const restart = () => (starting ??= start().finally(() => (starting = undefined)));

  const base = createBase(
    options,
    async (renew) => (session && !renew && !introduce ? session.token : restart()),
    () => true,
  );
  const { http, live } = base;

  const history = async (id: string, { last = PAGE, before }: HistoryOptions = {}) => {
    const { messages, readReceipts, ...conversation } = await rootField(http(VisitorConversationDocument, { id, last, before }));
    return { conversation, readReceipts, messages: messages.nodes, hasOlder: messages.pageInfo.hasPreviousPage };
  };

  return {
    ...base.api,
    hasSession: () => !!session,
    widgetConfig: () => rootField(http(WidgetConfigDocument, { websiteKey }, false)),
    visitor: () => rootField(http(CurrentVisitorDocument)),
    conversations: ({ first, after } = {}) => rootField(http(VisitorConversationsDocument, { first, after })),
    async introduce(more) {
      Object.assign(details, more, { attributes: { ...details.attributes, ...more.attributes } });
      // A start already in flight does not carry these details: let it end, then start again.
      await starting?.catch(() => {});
      await restart();
      return visitor;
    },
    setAttributes: (set, remove) => rootField(http(SetMyAttributesDocument, { attributes: pairs(set), remove })),
    // (A `Date` goes as its ISO string: JSON.stringify calls its toJSON.)
    track: (events) =>
      rootField(
        http(TrackEventsDocument, {
          input: { events: [events].flat().map((e) => ({ ...e, properties: pairs(e.properties) })) as TrackEventInput[] },
        }),
      ),
    startConversation: (body, { offline } = {}) => rootField(http(StartConversationDocument, { input: { body, offline } })),
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
    // The conversation and its read receipts come along (the same request).
    messages: history,
    sendMessage: base.send,
    rateConversation: (conversationId, rating, comment) =>
      rootField(http(RateConversationDocument, { conversationId, rating, comment })),
    dispose() {
      disposed = true;
      base.api.dispose();
    },
    forget() {
      session = null;
      save(storage, key, null);
      live.restart();
    },
  };
}
