#!/usr/bin/env node
/**
 * `watch.mjs`: follows one conversation live, as an agent, and prints each event on one
 * line: the README's walk-through uses it instead of a raw WebSocket client.
 *
 *   node sdk-js/scripts/watch.mjs [URL] [TOKEN] [CONVERSATION]
 *
 * Each argument falls back on an environment variable: CHINWAG_URL (the GraphQL
 * endpoint, default http://127.0.0.1:8080/graphql), CHINWAG_TOKEN (an agent's access
 * token) and CHINWAG_CONVERSATION (the conversation id). CHINWAG_REFRESH_TOKEN, when
 * set, lets the watcher refresh the access token (15 minutes) by itself; without it, it
 * stops when the token expires. `--after-seq N` replays the messages after seq N first
 * (default 0: the whole conversation); `--live` shows new events only.
 *
 * Built only on `@chinwag/sdk` (an agent client's `conversationEvents`), so it resumes
 * after a dropped connection exactly as the SDK does, each message once and in order.
 * Events go to stdout; the connection's state and errors to stderr. Ctrl-C stops it.
 * Needs the SDK built (`./scripts/run` or `npm run build -w @chinwag/sdk`).
 */
import { parseArgs } from 'node:util';

const usage = `Usage: node sdk-js/scripts/watch.mjs [options] [URL] [TOKEN] [CONVERSATION]

Follows a Chinwag conversation as an agent and prints each live event on one line:
  #2 AGENT Ann: Yes, we do!        a message: its seq, the sender's kind and name, the body
  VISITOR is typing                typing started or stopped
  AGENT read up to #2              a read receipt
  conversation PENDING, ...        status, assignee or rating changed

Arguments (or environment variables):
  URL            the GraphQL endpoint     CHINWAG_URL (default http://127.0.0.1:8080/graphql)
  TOKEN          an agent access token    CHINWAG_TOKEN
  CONVERSATION   the conversation id      CHINWAG_CONVERSATION

Options:
  --refresh-token T  the session's refresh token (or CHINWAG_REFRESH_TOKEN): refresh
                     the access token, which lasts 15 minutes, instead of stopping
  --after-seq N      replay the messages after seq N first (default 0: all of them)
  --live             new events only, no replay
  -h, --help         this help

Stops on Ctrl-C; exits 1 when the stream fails (unknown conversation, token refused).`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      'refresh-token': { type: 'string' },
      'after-seq': { type: 'string' },
      live: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(`${e.message}\n\n${usage}`, 2);
}
const { values: flags, positionals } = parsed;
if (flags.help) {
  console.log(usage);
  process.exit(0);
}

const env = process.env;
const [
  url = env.CHINWAG_URL || 'http://127.0.0.1:8080/graphql',
  token = env.CHINWAG_TOKEN,
  conversationId = env.CHINWAG_CONVERSATION,
] = positionals;
const refreshToken = flags['refresh-token'] ?? env.CHINWAG_REFRESH_TOKEN;
const afterSeq = flags.live ? undefined : Number(flags['after-seq'] ?? 0);
if (!token || !conversationId || positionals.length > 3) fail(`A token and a conversation id are needed.\n\n${usage}`, 2);
if (afterSeq !== undefined && !(Number.isInteger(afterSeq) && afterSeq >= 0)) fail('--after-seq takes a whole number', 2);

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

let sdk;
try {
  sdk = await import('@chinwag/sdk');
} catch (e) {
  fail(`Cannot load @chinwag/sdk (${e.code ?? e.message}): build it first with \`npm run build -w @chinwag/sdk\`.`);
}
// Node before 22 has no global WebSocket: `ws` is installed with the workspace (`npm ci`).
const webSocketImpl = globalThis.WebSocket ?? (await import('ws')).default;

const client = sdk.createAgentClient({
  url,
  webSocketImpl,
  // Without a refresh token the refresh is refused, the session ends, and so does the
  // stream (UNAUTHENTICATED), rather than retrying an expired token for ever.
  session: { accessToken: token, refreshToken: refreshToken ?? '' },
});

/** One line, whatever the body holds. */
const oneLine = (text) => text.replace(/\r?\n/g, '\\n');

function message(m) {
  const who = [m.senderKind, m.senderName].filter(Boolean).join(' ');
  const files = m.attachments?.length ? ` [${m.attachments.length} attachment(s)]` : '';
  return `#${m.seq} ${who}${m.isPrivate ? ' (note)' : ''}: ${oneLine(m.body)}${files}`;
}

function updated(c) {
  const parts = [c.status, c.assigneeName ? `assigned to ${c.assigneeName}` : 'unassigned'];
  if (c.department) parts.push(`department ${c.department.name}`);
  if (c.rating != null) parts.push(`rated ${c.rating}`);
  return `conversation ${parts.join(', ')}`;
}

// State changes go to stderr: stdout stays one line per event, easy to grep.
let last;
let closing = false;
let complained = false;
client.onConnectionState((state) => {
  if (closing) return;
  if (state === 'online') {
    console.error('(connected)');
    complained = false;
  } else if (state === 'offline' && last === 'online') {
    console.error('(disconnected: reconnecting, missed messages will follow)');
  } else if (state === 'offline' && !complained) {
    complained = true;
    console.error(`(cannot connect to ${url}: retrying)`);
  }
  last = state;
});

const stop = client.conversationEvents(
  conversationId,
  {
    message: (m) => console.log(message(m)),
    typing: (t) => console.log(`${t.senderKind} ${t.isTyping ? 'is typing' : 'stopped typing'}`),
    receipt: (r) => console.log(`${r.readerKind} read up to #${r.seq}`),
    updated: (c) => console.log(updated(c)),
    error(e) {
      // The SDK says "Signed out" when the refresh fails: say what that means here.
      const why =
        e.code === 'UNAUTHENTICATED'
          ? 'UNAUTHENTICATED: the token was refused or has expired (agent access tokens last 15 minutes: ' +
            'get a new pair with refreshSession, or pass --refresh-token)'
          : `${e.code}: ${e.message}`;
      close(1, why);
    },
  },
  { afterSeq },
);

function close(code, why) {
  closing = true;
  if (why) console.error(why);
  stop();
  client.dispose();
  process.exitCode = code;
  // The socket's close handshake may hold the loop a moment; do not wait on it.
  setTimeout(() => process.exit(code), 500).unref();
}

process.once('SIGINT', () => close(0));
process.once('SIGTERM', () => close(0));
