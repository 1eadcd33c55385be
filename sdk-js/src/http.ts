/**
 * GraphQL over HTTP: one POST per operation, errors turned into `ChinwagError`, and one
 * retry with fresh credentials when the server says the token is no longer good. Also
 * the REST GETs beside it (the agent's CSV exports), with the same errors and retry.
 */
import { ChinwagError, fromGraphQLErrors, isChinwagError, type GraphQLErrorEntry } from './errors.js';
import type { TypedDocument } from './typed-document.js';

/**
 * Supplies the bearer token, `undefined` when there is none (signed out: operations go
 * without one). `renew` asks for a new one because the server refused the last (an
 * agent refreshes, a visitor resumes its session).
 */
export type TokenSource = (renew: boolean) => Promise<string | undefined>;

/** Sends one operation; `auth: false` sends no `Authorization` header. */
export type Requester = <R, V>(document: TypedDocument<R, V> | string, variables?: V, auth?: boolean) => Promise<R>;

/** Statuses without a GraphQL body, mapped to the code a server would have used. */
function codeForStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413 || status === 400) return 'BAD_USER_INPUT';
  if (status === 429) return 'RATE_LIMITED';
  return status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
}

/** A {@link Requester} posting to `url` with `token` for authenticated calls. */
export function createRequester(url: string, fetchImpl: typeof fetch, token?: TokenSource): Requester {
  async function post<R>(query: string, variables: unknown, bearer?: string): Promise<R> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      text = await response.text();
    } catch (e) {
      // Offline, refused, or cut mid-answer: the operation may or may not have run.
      throw new ChinwagError('NETWORK_ERROR', `Cannot reach ${url}: ${(e as Error)?.message ?? e}`);
    }
    let body: { data?: unknown; errors?: GraphQLErrorEntry[] } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      // Not GraphQL: a proxy's error page, a captive portal.
    }
    if (body?.errors?.length) throw fromGraphQLErrors(body.errors, response.status);
    if (!response.ok || body?.data == null) {
      const code = response.ok ? 'NETWORK_ERROR' : codeForStatus(response.status);
      throw new ChinwagError(code, `HTTP ${response.status} from ${url}`, [], response.status);
    }
    // The caller's document says what `data` holds.
    return body.data as R;
  }

  return async (document, variables, auth = true) => {
    const query = String(document);
    const bearer = auth ? await token?.(false) : undefined;
    try {
      return await post(query, variables, bearer);
    } catch (e) {
      if (!bearer || !isChinwagError(e, 'UNAUTHENTICATED')) throw e;
      return post(query, variables, await token!(true));
    }
  };
}

/**
 * GETs `url` (a REST route beside the GraphQL endpoint) with the bearer token and
 * resolves to the body as text. A refusal is a `ChinwagError` with the body's
 * `extensions.code` (REST errors carry GraphQL's `errors` shape), or the status's code
 * when the body has none; `UNAUTHENTICATED` is tried once more with a renewed token.
 *
 * Apart from the requester, not a mode of it: the visitor client never GETs, and each
 * byte of the requester is in its bundle.
 */
export async function getText(url: string, fetchImpl: typeof fetch, token: TokenSource): Promise<string> {
  const get = async (bearer: string | undefined) => {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      text = await response.text();
    } catch (e) {
      throw new ChinwagError('NETWORK_ERROR', `Cannot reach ${url}: ${(e as Error)?.message ?? e}`);
    }
    if (response.ok) return text;
    let errors: GraphQLErrorEntry[] | undefined;
    try {
      errors = JSON.parse(text).errors;
    } catch {
      // Plain text (a malformed query string) or a proxy's page: the status says enough.
    }
    if (errors?.length) throw fromGraphQLErrors(errors, response.status);
    throw new ChinwagError(codeForStatus(response.status), `HTTP ${response.status} from ${url}`, [], response.status);
  };
  const bearer = await token(false);
  try {
    return await get(bearer);
  } catch (e) {
    if (!bearer || !isChinwagError(e, 'UNAUTHENTICATED')) throw e;
    return get(await token(true));
  }
}

/** The one root field of an operation's answer (each of the SDK's operations has one). */
export const rootField = async <R extends object>(answer: Promise<R>): Promise<R[keyof R]> =>
  Object.values(await answer)[0] as R[keyof R];
