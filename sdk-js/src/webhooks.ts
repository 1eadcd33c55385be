/**
 * `@chinwag/sdk/webhooks`: checks that a webhook delivery came from Chinwag, per the
 * Standard Webhooks specification (docs/webhooks.md). Its own entry point, importing
 * nothing else of the SDK, so a receiver (a Node server, a Deno or Cloudflare Workers
 * function) loads only this. The HMAC is Web Crypto's (`globalThis.crypto.subtle`),
 * there in Node 20+, Deno, Workers and browsers; no dependency.
 *
 * @packageDocumentation
 */

/** Why {@link verifyWebhook} refused a delivery; answer it with a 4xx and do not act on it. */
export type WebhookVerificationErrorCode =
  /** `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing. */
  | 'MISSING_HEADER'
  /**
   * `webhook-timestamp` is further than `toleranceSeconds` from now (a replay of an old
   * delivery, or a badly wrong clock), or not a unix time at all.
   */
  | 'STALE_TIMESTAMP'
  /** No signature matches: a wrong secret, or the body or headers were changed (or re-encoded). */
  | 'BAD_SIGNATURE'
  /** The signature matches but the body is not a JSON event. */
  | 'BAD_PAYLOAD';

/**
 * A delivery failed verification; `code` says why.
 *
 * @example
 * ```ts
 * try { event = await verifyWebhook(secret, req.headers, body) }
 * catch (e) { if (e instanceof WebhookVerificationError) return res.writeHead(400).end(e.code); throw e }
 * ```
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  /** Why the delivery was refused. */
  declare readonly code: WebhookVerificationErrorCode;

  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A verified event, as Chinwag sends it: `type` as in the event catalog
 * (`message.created`, `conversation.created`, `webhook.test`, ...), `timestamp` when it
 * happened (RFC 3339), and its `data` (docs/webhooks.md#events). Receivers should drop
 * repeats by the `webhook-id` header: delivery is at least once.
 */
export interface WebhookEvent<Data = Record<string, unknown>> {
  /** What happened: `message.created`, `conversation.created`, `webhook.test`, ... */
  type: string;
  /** When it happened, RFC 3339 (a retry keeps it; `webhook-timestamp` is the attempt's). */
  timestamp: string;
  /** The event's objects: `message` and `conversation` for `message.created`, ... */
  data: Data;
}

/**
 * The request's headers: a Fetch `Headers` (Deno, Workers, Next.js route handlers), or
 * Node's `req.headers` object (names lowercase, as Node gives them).
 */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | readonly string[] | undefined>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /**
   * How far (in seconds, either way) `webhook-timestamp` may be from this machine's
   * clock. Bounds how long a captured delivery can be replayed.
   * @default 300
   */
  toleranceSeconds?: number;
}

const PREFIX = 'whsec_';

function header(headers: WebhookHeaders, name: string): string {
  const value =
    typeof headers.get === 'function'
      ? (headers as { get(name: string): string | null }).get(name)
      : (headers as Record<string, string | readonly string[] | undefined>)[name];
  const one = Array.isArray(value) ? value.join(' ') : (value as string | null | undefined);
  if (!one) throw new WebhookVerificationError('MISSING_HEADER', `The ${name} header is missing`);
  return one;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Equal bytes, in time that depends on the length only (never on where they differ). */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const cryptoKeys = new Map<string, Promise<CryptoKey>>();

/**
 * The HMAC key of a secret: the base64 after `whsec_` (the prefix is optional, as in the
 * specification's libraries), imported once per secret. A secret that is not base64 is a
 * configuration mistake, not a bad delivery: a `TypeError`.
 */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = cryptoKeys.get(secret);
  if (!key) {
    let raw: Uint8Array<ArrayBuffer>;
    try {
      raw = fromBase64(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
    } catch {
      throw new TypeError('The webhook secret must be whsec_ and base64, as Chinwag gives it');
    }
    key = globalThis.crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    // A receiver has one secret, two while it rotates: the map stays small.
    if (cryptoKeys.size > 16) cryptoKeys.clear();
    cryptoKeys.set(secret, key);
  }
  return key;
}

/**
 * Checks a delivery's `webhook-signature` against the endpoint's `secret` (`whsec_...`,
 * from `createWebhookEndpoint` or the dashboard) and its `webhook-timestamp` against the
 * clock, then returns the parsed event. Throws a {@link WebhookVerificationError}
 * otherwise. Any of the header's space-separated signatures may match: during a secret
 * rotation Chinwag signs with the new secret and the previous one, so a receiver with
 * either accepts the delivery. The comparison takes the same time wherever the bytes
 * differ.
 *
 * Pass the body exactly as it arrived (the raw bytes or their text): a body parsed
 * and serialized again (`express.json()`) is not the one that was signed.
 *
 * @example Node's `http` module
 * ```ts
 * import { createServer } from 'node:http';
 * import { verifyWebhook, WebhookVerificationError } from '@chinwag/sdk/webhooks';
 *
 * createServer(async (req, res) => {
 *   const chunks: Buffer[] = [];
 *   for await (const chunk of req) chunks.push(chunk);
 *   try {
 *     const event = await verifyWebhook(process.env.CHINWAG_WEBHOOK_SECRET!, req.headers, Buffer.concat(chunks));
 *     if (event.type === 'message.created') await handleMessage(event.data);
 *     res.writeHead(204).end();
 *   } catch (e) {
 *     res.writeHead(e instanceof WebhookVerificationError ? 400 : 500).end();
 *   }
 * }).listen(3000);
 * ```
 *
 * @example Express: the raw body, not `express.json()`
 * ```ts
 * app.post('/chinwag-events', express.raw({ type: 'application/json' }), async (req, res) => {
 *   const event = await verifyWebhook(secret, req.headers, req.body); // req.body is a Buffer
 *   res.sendStatus(204);
 * });
 * ```
 *
 * @example Deno, Cloudflare Workers, Next.js route handlers
 * ```ts
 * const event = await verifyWebhook(env.CHINWAG_WEBHOOK_SECRET, request.headers, await request.text());
 * ```
 */
export async function verifyWebhook<Data = Record<string, unknown>>(
  secret: string,
  headers: WebhookHeaders,
  rawBody: string | Uint8Array | ArrayBuffer,
  { toleranceSeconds = 300 }: VerifyWebhookOptions = {},
): Promise<WebhookEvent<Data>> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');

  const sentAt = /^\d+$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!(Math.abs(Date.now() / 1000 - sentAt) <= toleranceSeconds)) {
    throw new WebhookVerificationError(
      'STALE_TIMESTAMP',
      `webhook-timestamp ${timestamp} is not within ${toleranceSeconds} s of now`,
    );
  }

  const encoder = new TextEncoder();
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : new Uint8Array(rawBody);
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const expected = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', await hmacKey(secret), signed));

  let matched = false;
  for (const entry of signatures.split(' ')) {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) continue;
    let given: Uint8Array;
    try {
      given = fromBase64(signature);
    } catch {
      continue;
    }
    // No early exit: every entry is compared, matched or not.
    matched = equal(given, expected) || matched;
  }
  if (!matched) throw new WebhookVerificationError('BAD_SIGNATURE', 'No signature in webhook-signature matches the secret');

  try {
    return JSON.parse(new TextDecoder().decode(body)) as WebhookEvent<Data>;
  } catch {
    throw new WebhookVerificationError('BAD_PAYLOAD', 'The body is not JSON');
  }
}
