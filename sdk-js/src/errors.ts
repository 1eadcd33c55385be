/**
 * The one error type the SDK throws: `ChinwagError`, carrying the server's
 * `extensions.code` (or `NETWORK_ERROR` when no answer came back).
 */

/**
 * Why an operation failed. All but `NETWORK_ERROR` come from the server's
 * `extensions.code`; a newer server may add codes, so expect other strings too.
 */
export type ErrorCode =
  /** No, invalid or expired token (or a wrong password). */
  | 'UNAUTHENTICATED'
  /** Wrong kind of principal or role. */
  | 'FORBIDDEN'
  /** Missing, or not yours: the two are indistinguishable. */
  | 'NOT_FOUND'
  /** Validation failed; nothing changed. */
  | 'BAD_USER_INPUT'
  /** Too many calls: wait `retryAfter` seconds. */
  | 'RATE_LIMITED'
  /** A limit of the plan, like open conversations per visitor. */
  | 'PLAN_LIMIT'
  /** The server's store or bus is down: retry (sends keep their `clientMessageId`). */
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  /** The request never got an answer (offline, DNS, connection dropped, CORS). */
  | 'NETWORK_ERROR';

/** One entry of a GraphQL response's `errors`. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; retryAfter?: number; [key: string]: unknown };
}

/**
 * An operation failed. `code` says why; switch on it rather than on `message`.
 *
 * @example
 * ```ts
 * try { await chat.send(id, text) }
 * catch (e) { if (e instanceof ChinwagError && e.code === 'RATE_LIMITED') wait(e.retryAfter) }
 * ```
 */
export class ChinwagError extends Error {
  override readonly name = 'ChinwagError';
  /** The server's `extensions.code`, or `NETWORK_ERROR`. */
  declare readonly code: ErrorCode | (string & {});
  /** Seconds to wait before retrying, for `RATE_LIMITED`. */
  declare readonly retryAfter: number | undefined;
  /** Every GraphQL error of the response (empty for network errors). */
  declare readonly errors: readonly GraphQLErrorEntry[];
  /** The HTTP status, when the error came from an HTTP response. */
  declare readonly status: number | undefined;

  constructor(code: ChinwagError['code'], message: string, errors: readonly GraphQLErrorEntry[] = [], status?: number) {
    super(message);
    this.code = code;
    this.errors = errors;
    this.status = status;
    this.retryAfter = errors[0]?.extensions?.retryAfter;
  }
}

/** Whether `error` is a {@link ChinwagError}, optionally with one of `codes`. */
export function isChinwagError(error: unknown, ...codes: ErrorCode[]): error is ChinwagError {
  return error instanceof ChinwagError && (!codes.length || codes.includes(error.code as ErrorCode));
}

/** A `ChinwagError` from a response's `errors` (the first one's code names it). */
export function fromGraphQLErrors(errors: readonly GraphQLErrorEntry[], status?: number): ChinwagError {
  const first = errors[0];
  return new ChinwagError(first?.extensions?.code ?? 'INTERNAL', first?.message ?? 'Unknown error', errors, status);
}
