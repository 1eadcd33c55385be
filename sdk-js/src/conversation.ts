/**
 * One conversation, live: the resumable event stream (each message once, in order,
 * across reconnects) and, on top of it, the state a chat UI renders (history,
 * optimistic sends, typing, read receipts).
 */
import type { ChinwagError } from './errors.js';
import type { SenderKind } from './generated/types.js';
import type { Live } from './live.js';
import type { TypedDocument } from './typed-document.js';
import type { Message, ReadReceipt, TypingEvent } from './types.js';
import { listen, newId } from './util.js';

/** One event of a conversation; `C` is the conversation as the caller sees it. */
export type ConversationEvent<C> =
  | { __typename: 'MessageAdded'; message: Message }
  | ({ __typename: 'TypingChanged' } & TypingEvent)
  | ({ __typename: 'ReadReceipt' } & ReadReceipt)
  | { __typename: 'ConversationUpdated'; conversation: C };

/** Callbacks of {@link VisitorClient.conversationEvents} / {@link AgentClient.conversationEvents}. */
export interface ConversationHandlers<C> {
  /**
   * Each message exactly once and in `seq` order, including those sent while the
   * connection was down (replayed after a reconnect).
   */
  message?(message: Message): void;
  /** Someone (including yourself) started or stopped typing. */
  typing?(event: TypingEvent): void;
  /** Someone read up to a message. */
  receipt?(receipt: ReadReceipt): void;
  /**
   * Status, assignment, priority, place in line or rating changed; with `current`, also
   * first, with the conversation as it is when the stream starts (and again after each
   * reconnect). Without `current`, changes are not replayed after a reconnect: refetch then.
   */
  updated?(conversation: C): void;
  /** The stream failed for good (for example `NOT_FOUND`); it is over. */
  error?(error: ChinwagError): void;
}

/** Options of a conversation event stream. */
export interface ConversationEventsOptions {
  /**
   * The id of the last message you hold: every later one is replayed first.
   * @default undefined (live events only)
   */
  after?: string | null;
  /**
   * Instead of `after`, for a client that holds no message yet: every message after this
   * `seq` is replayed first (`0`: the whole conversation).
   */
  afterSeq?: number;
  /**
   * Begin with the conversation as it is once the subscription listens (`updated` is
   * called first), so a change made between your own read and the subscription is not
   * missed. Each such stream runs on its own on the server (no shared execution).
   * @default false
   */
  current?: boolean;
}

/** The subscription document of a conversation's events. Internal. */
export type EventsDocument<C> = TypedDocument<
  { conversationEvents: ConversationEvent<C> },
  { conversationId: string; after?: string | null; afterSeq?: number | null; current?: boolean | null }
>;

/**
 * Subscribes to a conversation, resuming after the last delivered message whenever the
 * socket comes back, and dropping anything already delivered. Returns the unsubscribe.
 */
export function conversationEvents<C>(
  live: Live,
  document: EventsDocument<C>,
  conversationId: string,
  handlers: ConversationHandlers<C>,
  options: ConversationEventsOptions = {},
): () => void {
  // `variables` travels with the subscription: graphql-ws sends this very object again
  // on every reconnect, so moving `after` forward is what makes the resume. (What is
  // undefined is left out of the JSON.)
  const variables: { conversationId: string; after?: string | null; afterSeq?: number; current?: boolean } = {
    conversationId,
    ...options,
  };
  let lastSeq = 0;
  return live.subscribe(document, variables, {
    next({ conversationEvents: e }) {
      if (e.__typename === 'MessageAdded') {
        const m = e.message;
        // Within one subscription the server sends each message once, in seq order;
        // a re-subscription may overlap what was delivered: drop it by seq (each message
        // has its own, so a repeated id repeats a seq).
        if (m.seq <= lastSeq) return;
        lastSeq = m.seq;
        variables.after = m.id;
        delete variables.afterSeq;
        handlers.message?.(m);
      } else if (e.__typename === 'TypingChanged') handlers.typing?.(e);
      else if (e.__typename === 'ReadReceipt') handlers.receipt?.(e);
      else if (e.__typename === 'ConversationUpdated') handlers.updated?.(e.conversation);
    },
    error: (err) => handlers.error?.(err),
  });
}

/** A message as a chat UI holds it: stored, or one of yours still on its way. */
export interface ChatMessage extends Message {
  /** Stable across `sending` -> `sent`: use it as the list key. */
  key: string;
  /**
   * `sending`: yours, not stored yet (`id` is still the `clientMessageId`, `seq` is 0);
   * `sent`: stored; `failed`: retries gave up, call `retry(key)`.
   */
  status: 'sending' | 'sent' | 'failed';
  /** Why a `failed` message failed. */
  error?: ChinwagError;
}

/** What {@link LiveConversation} holds; a new object after every change. */
export interface ConversationState<C> {
  /** The conversation (status, assignee, rating...); `null` until loaded. */
  conversation: C | null;
  /** Stored messages in `seq` order, then your pending ones in the order sent. */
  messages: readonly ChatMessage[];
  /** The other participants typing right now. */
  typing: readonly TypingEvent[];
  /** Where each participant has read up to. */
  readReceipts: readonly ReadReceipt[];
  /** Older messages exist: call `loadOlder()`. */
  hasOlder: boolean;
  /** The first load is still running. */
  loading: boolean;
  /** Loading or the live stream failed for good (for example `NOT_FOUND`). */
  error: ChinwagError | null;
}

/** Options of {@link LiveConversation.send}. */
export interface SendOptions {
  /** Your idempotency key; generated when absent. */
  clientMessageId?: string;
  /** A note only agents see (agents only). */
  isPrivate?: boolean;
  /** Files stored with `POST /uploads` (their `id`s), sent with the message (the body may then be empty). */
  attachmentIds?: string[];
}

/**
 * A conversation kept up to date: load it, render `state`, and re-render on every
 * change you receive through `subscribe`.
 */
export interface LiveConversation<C> {
  /** The conversation's id. */
  readonly id: string;
  /** The current state. */
  readonly state: ConversationState<C>;
  /** Calls `listener` with the new state after every change; returns the unsubscribe. */
  subscribe(listener: (state: ConversationState<C>) => void): () => void;
  /**
   * Sends a message: it shows at once as `sending`, is retried on network failure with
   * the same `clientMessageId` (so it is never stored twice), then becomes `sent`.
   * Rejects with the `ChinwagError` if it fails for good (the message stays `failed`).
   */
  send(body: string, options?: SendOptions): Promise<Message>;
  /** Sends a `failed` message again, with its original `clientMessageId`. */
  retry(key: string): Promise<Message>;
  /**
   * Call on every keystroke: tells the others you are typing, at most once every few
   * seconds. Sending a message ends it by itself.
   */
  typing(options?: { isPrivate?: boolean }): void;
  /** Call when the input is cleared or loses focus, to end the typing indicator now. */
  stopTyping(): void;
  /** Marks everything the others sent as read (a no-op when nothing new). */
  markRead(): Promise<void>;
  /** Loads the previous page of history into `messages`. */
  loadOlder(): Promise<void>;
  /** Stops the live stream and timers. */
  close(): void;
}

/** A loaded conversation page. Internal. */
export interface Loaded<C> {
  conversation: C;
  messages: Message[];
  hasOlder: boolean;
  readReceipts?: ReadReceipt[];
}

/** What a client lends a {@link LiveConversation}. Internal. */
export interface ConversationDeps<C> {
  live: Live;
  events: EventsDocument<C>;
  load(conversationId: string, before?: string): Promise<Loaded<C>>;
  send(conversationId: string, body: string, options: SendOptions): Promise<Message>;
  setTyping(conversationId: string, isTyping: boolean, isPrivate?: boolean): Promise<unknown>;
  markRead(conversationId: string, messageId: string): Promise<unknown>;
  /** Who "I" am: my messages and typing are told apart from the others'. */
  self(): { kind: SenderKind; id: string | null };
}

/** Resend typing this often while the user types (the server forgets it after ~6 s). */
const TYPING_EVERY = 4_000;
/** Forget another's typing when its "stopped" event is lost (a reconnect). */
const TYPING_TTL = 8_000;

const bySeq = (a: Message, b: Message) => a.seq - b.seq;

/** Opens a {@link LiveConversation}: loads it, then follows its events. Internal: clients expose `openConversation`. */
export function liveConversation<C>(deps: ConversationDeps<C>, id: string): LiveConversation<C> {
  const listeners = new Set<(s: ConversationState<C>) => void>();
  const stored = new Map<string, ChatMessage>();
  let pending: ChatMessage[] = [];
  const history: ChatMessage[] = [];
  const typers = new Map<string, { event: TypingEvent; timer: ReturnType<typeof setTimeout> }>();
  let typingSentAt = 0;
  let readSeq = 0;
  let stopStream: (() => void) | undefined;
  let closed = false;
  let state: ConversationState<C> = {
    conversation: null,
    messages: [],
    typing: [],
    readReceipts: [],
    hasOlder: false,
    loading: true,
    error: null,
  };

  /** Whether a message or typing event is mine. */
  const mine = ({ senderKind, senderId }: { senderKind: SenderKind; senderId: string | null }) => {
    const me = deps.self();
    return senderKind === me.kind && (me.id == null || senderId == null || senderId === me.id);
  };
  /** Forgets that the sender of `x` is typing; returns their key in `typers`. */
  const untype = ({ senderKind, senderId }: { senderKind: SenderKind; senderId: string | null }) => {
    const typist = `${senderKind}:${senderId}`;
    clearTimeout(typers.get(typist)?.timer);
    typers.delete(typist);
    return typist;
  };
  const update = (patch: Partial<ConversationState<C>>) => {
    if (closed) return;
    state = { ...state, ...patch };
    listeners.forEach((l) => l(state));
  };
  const render = () => update({ messages: [...history, ...pending], typing: [...typers.values()].map((t) => t.event) });

  /** Adds stored messages (any order, duplicates ignored) and settles matching pending ones. */
  function merge(messages: Message[]) {
    let added = false;
    for (const m of messages) {
      if (stored.has(m.id)) continue;
      const key = m.clientMessageId ?? m.id;
      const chat: ChatMessage = { ...m, key, status: 'sent' };
      stored.set(m.id, chat);
      history.push(chat);
      added = true;
      if (m.clientMessageId && mine(m)) pending = pending.filter((p) => p.key !== key);
      untype(m);
    }
    if (added) history.sort(bySeq);
    return added;
  }

  function receipt(r: ReadReceipt) {
    const rest = state.readReceipts.filter((x) => !(x.readerKind === r.readerKind && x.readerId === r.readerId));
    update({ readReceipts: [...rest, r] });
  }

  function typing(e: TypingEvent) {
    if (mine(e)) return;
    const typist = untype(e);
    if (e.isTyping) typers.set(typist, { event: e, timer: setTimeout(() => (typers.delete(typist), render()), TYPING_TTL) });
    render();
  }

  /**
   * Loads the conversation and its latest page. On a reconnect it runs again: the
   * stream replays missed messages by itself, but status, receipts and typing are not
   * replayed (and with no message held yet, the page is taken as it is).
   */
  async function load(initial: boolean) {
    try {
      const page = await deps.load(id);
      if (closed) return;
      if (initial || !history.length) merge(page.messages);
      update({
        conversation: page.conversation,
        readReceipts: page.readReceipts ?? state.readReceipts,
        hasOlder: initial ? page.hasOlder : state.hasOlder,
        loading: false,
      });
      render();
      stopStream ??= conversationEvents(
        deps.live,
        deps.events,
        id,
        {
          message: (m) => merge([m]) && render(),
          typing,
          receipt,
          updated: (conversation) => update({ conversation }),
          error: (error) => update({ error }),
        },
        // With no message held, from the start: a reply that lands before the
        // subscription does is not lost; likewise a change of the conversation (`current`).
        { after: history.at(-1)?.id, afterSeq: history.length ? undefined : 0, current: true },
      );
    } catch (error) {
      // A failed reload keeps what is shown; the stream goes on regardless.
      if (initial) update({ error: error as ChinwagError, loading: false });
    }
  }

  /** Forgets everyone's typing (their "stopped" events may be lost). */
  const untypeAll = () => typers.forEach((t) => untype(t.event));
  const offReconnect = deps.live.onReconnect(() => {
    untypeAll();
    void load(false);
  });
  void load(true);

  /** Changes the pending message `key`. */
  const mark = (key: string, patch: Partial<ChatMessage>) => {
    pending = pending.map((p) => (p.key === key ? { ...p, ...patch } : p));
    render();
  };

  async function deliver(message: ChatMessage, options: SendOptions): Promise<Message> {
    typingSentAt = 0; // the server ends our typing indicator when the message lands
    try {
      const m = await deps.send(id, message.body, { ...options, clientMessageId: message.key });
      pending = pending.filter((p) => p.key !== message.key);
      merge([m]);
      render();
      return m;
    } catch (error) {
      // The stream may have brought it in already although every response was lost.
      const landed = history.find((m) => m.clientMessageId === message.key && mine(m));
      if (landed) return landed;
      mark(message.key, { status: 'failed', error: error as ChinwagError });
      throw error;
    }
  }

  return {
    id,
    get state() {
      return state;
    },
    subscribe: (listener) => listen(listeners, listener),
    send(body, options = {}) {
      const me = deps.self();
      const key = options.clientMessageId ?? newId();
      const message = {
        id: key,
        key,
        conversationId: id,
        seq: 0,
        body: body.trim(),
        senderKind: me.kind,
        senderId: me.id,
        isPrivate: !!options.isPrivate,
        clientMessageId: key,
        createdAt: new Date().toISOString(),
        status: 'sending',
        attachments: [] as ChatMessage['attachments'],
        // No senderName or senderAvatarUrl until the server has it.
      } as ChatMessage;
      pending = [...pending, message];
      render();
      return deliver(message, options);
    },
    retry(key) {
      const message = pending.find((p) => p.key === key && p.status === 'failed');
      if (!message) return Promise.reject(new Error(`No failed message ${key}`));
      mark(key, { status: 'sending', error: undefined });
      return deliver(message, { isPrivate: message.isPrivate });
    },
    typing(options = {}) {
      const now = Date.now();
      if (now - typingSentAt < TYPING_EVERY) return;
      typingSentAt = now;
      deps.setTyping(id, true, options.isPrivate).catch(() => {});
    },
    stopTyping() {
      if (!typingSentAt) return;
      typingSentAt = 0;
      deps.setTyping(id, false).catch(() => {});
    },
    async markRead() {
      const last = [...history].reverse().find((m) => !mine(m));
      const before = readSeq;
      if (!last || last.seq <= before) return;
      readSeq = last.seq;
      await deps.markRead(id, last.id).catch((e) => {
        readSeq = before;
        throw e;
      });
    },
    async loadOlder() {
      const first = history[0];
      if (!first || !state.hasOlder) return;
      const page = await deps.load(id, first.id);
      merge(page.messages);
      update({ hasOlder: page.hasOlder });
      render();
    },
    close() {
      closed = true;
      stopStream?.();
      offReconnect();
      untypeAll();
      listeners.clear();
    },
  };
}
