/**
 * The client side of `graphql-transport-ws`, as much of it as the SDK uses: one lazy
 * socket shared by every subscription, `connection_init` with fresh parameters on each
 * attempt, subscriptions re-sent (the same payload object) after every reconnect,
 * keep-alive pings whose missing pong ends a half-open socket, and retries with a
 * caller-supplied wait. Internal: `live.ts` wraps it.
 *
 * Written for the SDK rather than taken from the `graphql-ws` package, which carried
 * about 3.4 KB gzipped of options, message validation and async-iterator support that a
 * visitor's chat never used (see docs/benchmarks.md). It keeps graphql-ws's rules on
 * which closes end the subscriptions (below) and what is retried.
 */

/** What the server sends for one operation, or a close or error that ended the socket. */
export interface SocketSink {
  next(payload: { data?: any; errors?: readonly unknown[] }): void;
  /** The operation failed: GraphQL errors, a fatal close event, or what stopped the retries. */
  error(error: unknown): void;
  complete(): void;
}

export interface SocketOptions {
  url: string;
  /** A WebSocket class; `globalThis.WebSocket` when absent. */
  webSocketImpl?: unknown;
  /** The `connection_init` payload, asked again for every attempt; throwing fails the attempt. */
  connectionParams(): Promise<Record<string, unknown>>;
  /** Whether to try again after a drop or a failed attempt (false: every operation gets the error). */
  shouldRetry(error: unknown): boolean;
  /** Resolves when the next attempt (0-based count of failed ones) may start. */
  retryWait(retries: number): Promise<void>;
  /** Each attempt to open the socket. */
  connecting?(): void;
  /** `connection_ack` arrived; `wasRetry` after a drop or a failed attempt. */
  connected?(wasRetry: boolean): void;
  /** The socket closed (or was given up on). */
  closed?(event: unknown): void;
}

export interface Socket {
  /** Starts an operation (opening the socket if need be); returns its stop. */
  subscribe(payload: { query: string; variables?: Record<string, unknown> }, sink: SocketSink): () => void;
  /** Drops the socket now, as if the network had: operations reconnect. */
  terminate(): void;
  /** Closes the socket for good. */
  dispose(): void;
}

/** Keep-alive: a ping after this long without one... */
const PING_EVERY = 10_000;
/** ...and the socket is presumed dead when its pong takes longer than this. */
const PONG_TIMEOUT = 5_000;
/** An emptied socket stays open this long (switching conversations unsubscribes, then subscribes). */
const LINGER = 1_000;

/**
 * Close codes that end every operation rather than being retried (graphql-ws's list):
 * the protocol went wrong on one side, so trying again would fail the same way. 4403
 * (forbidden: an expired token) is retried with new credentials; 4499 is `terminate`.
 */
const FATAL = [4500, 4005, 4400, 4004, 4401, 4406, 4409, 4429];
/** 1xxx codes that are a network's or a server's going away, not a fault. */
const TRANSIENT = [1000, 1001, 1005, 1006, 1012, 1013, 1014];
const fatal = (code: number) => FATAL.includes(code) || (code > 999 && code < 2000 && !TRANSIENT.includes(code));

export function createSocket(options: SocketOptions): Socket {
  const { url, connectionParams, shouldRetry, retryWait } = options;
  const Impl = (options.webSocketImpl ?? globalThis.WebSocket) as typeof WebSocket;
  const ops = new Map<string, { payload: object; sink: SocketSink }>();
  let ws: WebSocket | undefined;
  let acked = false;
  /** After a drop or a failed attempt, until an ack: the next attempt waits first. */
  let retrying = false;
  let retries = 0;
  let waiting = false;
  let disposed = false;
  let ids = 0;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let lingerTimer: ReturnType<typeof setTimeout> | undefined;

  const open = () => ws?.readyState === 1;
  const send = (message: object) => open() && ws!.send(JSON.stringify(message));
  const ping = () => {
    clearTimeout(pingTimer);
    pingTimer = setTimeout(() => {
      if (!open()) return;
      send({ type: 'ping' });
      pongTimer = setTimeout(terminate, PONG_TIMEOUT);
    }, PING_EVERY);
  };
  /** Ends every operation with `error` (or, disposed, quietly completes them). */
  const end = (error?: unknown) => {
    const all = [...ops.values()];
    ops.clear();
    for (const { sink } of all) error === undefined ? sink.complete() : sink.error(error);
  };

  // A socket that cannot even be made (a bad URL) fails like an attempt.
  const reconnect = () => void connect().catch(gone);

  async function connect() {
    if (ws || waiting || disposed) return;
    if (retrying) {
      waiting = true;
      await retryWait(retries);
      waiting = false;
      if (!ops.size || disposed || ws) return;
      retries++;
    }
    options.connecting?.();
    const socket = new Impl(url, 'graphql-transport-ws');
    ws = socket;
    acked = false;
    /** Why this socket failed on our side (its close event then says less). */
    let failure: unknown;
    const fail = (error: unknown, code: number) => {
      failure = error;
      socket.close(code, 'Client error');
    };
    // Never removed: the `ws` package throws an error event nobody listens to.
    socket.onerror = () => {};
    socket.onopen = async () => {
      try {
        const payload = await connectionParams();
        if (socket === ws && open()) {
          send({ type: 'connection_init', payload });
          ping();
        }
      } catch (e) {
        fail(e, 4005);
      }
    };
    socket.onmessage = ({ data }) => {
      let message: { type?: string; id?: string; payload?: any };
      try {
        message = JSON.parse(data as string);
      } catch (e) {
        return fail(e, 4004);
      }
      const { type, id, payload } = message;
      if (type === 'ping') return send(payload ? { type: 'pong', payload } : { type: 'pong' });
      if (type === 'pong') return (clearTimeout(pongTimer), ping());
      if (!acked) {
        if (type !== 'connection_ack') return fail(new Error(`First message cannot be of type ${type}`), 4004);
        acked = true;
        const wasRetry = retrying;
        retrying = false;
        retries = 0;
        options.connected?.(wasRetry);
        ops.forEach(({ payload }, id) => send({ id, type: 'subscribe', payload }));
        return;
      }
      const op = ops.get(id!);
      if (!op) return;
      if (type === 'next') op.sink.next(payload);
      else if (type === 'error' || type === 'complete') {
        ops.delete(id!);
        type === 'error' ? op.sink.error(payload) : op.sink.complete();
        linger();
      }
    };
    // A failed attempt fires `error`, then `close`: the close decides.
    socket.onclose = (event) => closed(socket, failure ?? event);
  }

  /** The socket is gone (a close event, an error of ours, or `terminate`): retry or give up. */
  function closed(socket: WebSocket, reason: unknown) {
    if (socket !== ws) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    ws = undefined;
    acked = false;
    clearTimeout(pingTimer);
    clearTimeout(pongTimer);
    options.closed?.(reason);
    gone(reason);
  }

  /** Retries, or ends every operation with `reason`. */
  function gone(reason: unknown) {
    const code = (reason as { code?: unknown })?.code;
    if (typeof code === 'number' && fatal(code)) return end(reason);
    if (disposed) return end();
    if (!ops.size) return;
    // A normal closure with operations left (ours, racing a new one): straight back.
    if (code === 1000) return reconnect();
    if (!shouldRetry(reason)) return end(reason);
    retrying = true;
    reconnect();
  }

  function terminate() {
    const socket = ws;
    if (!socket) return;
    closed(socket, { code: 4499, reason: 'Terminated' });
    socket.close(4499, 'Terminated');
  }

  /** With nothing left to carry, the socket closes after a while. */
  function linger() {
    if (ops.size) return;
    clearTimeout(lingerTimer);
    lingerTimer = setTimeout(() => !ops.size && open() && ws!.close(1000, 'Normal Closure'), LINGER);
  }

  return {
    subscribe(payload, sink) {
      const id = String(++ids);
      ops.set(id, { payload, sink });
      clearTimeout(lingerTimer);
      if (acked) send({ id, type: 'subscribe', payload });
      else reconnect();
      return () => {
        if (!ops.delete(id)) return;
        if (acked) send({ id, type: 'complete' });
        linger();
      };
    },
    terminate,
    dispose() {
      disposed = true;
      clearTimeout(lingerTimer);
      ws?.close(1000, 'Normal Closure');
    },
  };
}
