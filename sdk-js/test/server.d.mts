/** The types of `server.mjs`, the server fixture the JavaScript test suites share. */

/** The server binary: `$CHINWAG_BIN`, else the debug build of this repository. */
export declare const binary: string;

export interface TestServer {
  /** `http://127.0.0.1:PORT/graphql` */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  port: number;
  /** The server's data directory (its SQLite file, uploads and, without SMTP, `outbox/`). */
  dataDir: string;
  /** What the server wrote to stderr (its logs), for failure messages. */
  logs(): string;
  /** Stops the process; the port and data stay for `up`. */
  down(): Promise<void>;
  /** Starts the process again on the same port and data after `down` (a deploy). */
  up(): Promise<void>;
  /** `down`, then `up`. */
  restart(): Promise<void>;
  /** Stops the process and removes its data. */
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export declare function freePort(): Promise<number>;

/**
 * Polls `check` until it returns something truthy and resolves to that value; throws
 * with `what` after `ms`.
 */
export declare function until<T>(check: () => T | Promise<T>, what: string, ms?: number): Promise<T>;

/**
 * Starts a server. `args` are extra `chinwag serve` flags; `env` overrides (rate limits
 * are off unless a test turns them on).
 */
export declare function startServer(args?: string[], env?: Record<string, string>): Promise<TestServer>;

/** A TCP proxy to `port`; `drop()` cuts every connection through it, as a network would. */
export interface Proxy {
  port: number;
  /** Connections open right now. */
  open(): number;
  drop(): void;
  /**
   * The next `n` answers from the server are lost: the connection is cut when the
   * server starts answering (the request did arrive and was acted on).
   */
  loseNextAnswers(n: number): void;
  close(): Promise<void>;
}

export declare function startProxy(port: number): Promise<Proxy>;
