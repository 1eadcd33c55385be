/**
 * Live events over graphql-transport-ws (the `graphql-ws` client): one lazy socket per
 * client, reconnected with backoff for as long as something is subscribed, fresh
 * credentials after a 4403, and a connection state a UI can show.
 *
 * `graphql-ws` itself is imported with the first subscription (`import()`), so an app's
 * bundler makes it a chunk of its own: a page that only reads over HTTP (a widget's
 * first paint, a form) never loads the WebSocket client, about 3.4 KB of the visitor
 * client's 8 KB gzipped. Rejected: a hand-written protocol client (reverted once: the
 * project uses the well-kept library for the protocol).
 */
import type { Client } from 'graphql-ws/client';
import { ChinwagError, fromGraphQLErrors, type GraphQLErrorEntry } from './errors.js';
import type { TokenSource } from './http.js';
import type { TypedDocument } from './typed-document.js';
import { backoff, listen } from './util.js';

/**
 * The live connection as a UI shows it: `"connecting"` (opening or re-opening the
 * socket), `"online"` (events flow), `"offline"` (no socket: nothing subscribed yet,
 * or waiting to retry after a drop).
 */
export type ConnectionState = 'connecting' | 'online' | 'offline';

/** Receives a subscription's events. */
export interface Sink<T> {
  /** One event's `data`. */
  next(data: T): void;
  /** The subscription failed and ended (a `ChinwagError` with the server's code). */
  error?(error: ChinwagError): void;
  /** The server ended the subscription. */
  complete?(): void;
}

/** The socket layer both clients share. Internal. */
export interface Live {
  subscribe<R, V>(document: TypedDocument<R, V>, variables: V, sink: Sink<R>): () => void;
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Called after the socket came back from a drop (subscriptions are already resumed). */
  onReconnect(listener: () => void): () => void;
  /** Drops the socket now; subscriptions reconnect (with new credentials). */
  restart(): void;
  dispose(): void;
}

/** How long a ping may wait for its pong before the socket is presumed dead. */
const PONG_TIMEOUT = 5_000;

/** Turns whatever graphql-ws hands to `error` into a `ChinwagError`. */
function toError(e: unknown): ChinwagError {
  if (e instanceof ChinwagError) return e;
  if (Array.isArray(e)) return fromGraphQLErrors(e as GraphQLErrorEntry[]);
  const close = e as { code?: number; reason?: string };
  if (typeof close?.code === 'number') {
    const code = close.code === 4403 ? 'UNAUTHENTICATED' : 'NETWORK_ERROR';
    return new ChinwagError(code, `Live connection closed (${close.code}${close.reason ? `: ${close.reason}` : ''})`);
  }
  return new ChinwagError('NETWORK_ERROR', (e as Error)?.message ?? String(e));
}

/**
 * Creates the live connection of one client (no socket until the first subscription) to
 * `url`, with `token`'s credentials; `canRetry()` false stops reconnecting (signed out).
 * Internal; positional arguments, as an options object cost 14 B gzipped.
 */
export function createLive(url: string, token: TokenSource, webSocketImpl: unknown, canRetry: () => boolean): Live {
  let state: ConnectionState = 'offline';
  let renew = false;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const active = new Set<() => void>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const reconnectListeners = new Set<() => void>();
  const set = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    stateListeners.forEach((l) => l(next));
  };

  // Loaded and made on first use: HTTP-only callers (a Node script without a WebSocket,
  // a page that has not subscribed yet) never load it.
  let client: Client | undefined;
  let loading: Promise<Client> | undefined;
  const connection = (): Promise<Client> =>
    (loading ??= import('./ws.js').then(
      ({ createClient }) =>
        (client = createClient({
          url,
          webSocketImpl,
          // Lazy (graphql-ws's default): no socket until the first subscription.
          // Switching conversations unsubscribes then subscribes: keep the socket meanwhile.
          lazyCloseTimeout: 1_000,
          keepAlive: 10_000,
          retryAttempts: Infinity,
          // graphql-ws retries only close events by default; a failed connection attempt
          // (server down, offline) surfaces as an error event first and must be retried too.
          shouldRetry: () => canRetry(),
          // Back online (a browser's `online` event): retry now rather than at the end of the wait.
          retryWait: (retries) =>
            new Promise<void>((resolve) => {
              const done = () => {
                clearTimeout(timer);
                globalThis.removeEventListener?.('online', done);
                resolve();
              };
              const timer = setTimeout(done, backoff(retries));
              globalThis.addEventListener?.('online', done);
            }),
          connectionParams: async () => {
            const bearer = await token(renew);
            if (!bearer) throw new ChinwagError('UNAUTHENTICATED', 'Not signed in');
            renew = false;
            return { authorization: `Bearer ${bearer}` };
          },
          on: {
            connecting: () => set('connecting'),
            connected: (_socket, _payload, wasRetry) => {
              set('online');
              if (wasRetry) reconnectListeners.forEach((l) => l());
            },
            closed: (event) => {
              clearTimeout(pongTimer);
              // 4403: the token expired or was revoked; the next attempt asks for a new one.
              if ((event as { code?: number })?.code === 4403) renew = true;
              set('offline');
            },
            // A half-open socket (laptop lid, lost Wi-Fi) never closes by itself: a ping
            // without a pong ends it, and the retry loop takes over.
            ping: (received) => {
              if (!received) pongTimer = setTimeout(() => client?.terminate(), PONG_TIMEOUT);
            },
            pong: (received) => {
              if (received) clearTimeout(pongTimer);
            },
          },
        })),
      (e: unknown) => {
        loading = undefined; // the next subscription tries again
        throw e;
      },
    ));

  return {
    subscribe<R, V>(document: TypedDocument<R, V>, variables: V, sink: Sink<R>) {
      let open = true;
      let stop: (() => void) | undefined;
      const end = () => {
        open = false;
        active.delete(unsubscribe);
      };
      const start = (c: Client) => {
        if (!open) return;
        stop = c.subscribe<R>(
          // The same object is re-sent on every reconnect: callers may update its
          // variables (`after`) to resume where they stopped.
          { query: String(document), variables: variables as Record<string, unknown> },
          {
            next: (result) => {
              if (!open) return;
              if (result.errors?.length) {
                unsubscribe();
                sink.error?.(fromGraphQLErrors(result.errors as GraphQLErrorEntry[]));
              } else sink.next(result.data as R);
            },
            // Not retried because signed out (log-out closes the socket itself): say so.
            error: (e) =>
              open && (end(), sink.error?.(canRetry() ? toError(e) : new ChinwagError('UNAUTHENTICATED', 'Signed out'))),
            complete: () => open && (end(), sink.complete?.()),
          },
        );
      };
      const unsubscribe = () => {
        end();
        stop?.();
      };
      active.add(unsubscribe);
      // Once loaded, at once (the same tick, as before the client was lazy).
      if (client) start(client);
      else connection().then(start, (e: unknown) => open && (end(), sink.error?.(toError(e))));
      return unsubscribe;
    },
    state: () => state,
    onState: (listener) => listen(stateListeners, listener),
    onReconnect: (listener) => listen(reconnectListeners, listener),
    restart: () => client?.terminate(),
    dispose() {
      clearTimeout(pongTimer);
      // Unsubscribing first keeps graphql-ws from opening one more socket after a
      // pending retry wait; its dispose rejects when no connection was ever made.
      active.forEach((unsubscribe) => unsubscribe());
      if (client) Promise.resolve(client.dispose()).catch(() => {});
      set('offline');
    },
  };
}
