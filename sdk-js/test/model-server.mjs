/**
 * A local model server for the JavaScript suites, written from OpenAI's chat-completions
 * reference as the server's own test double is (`ModelServer` in
 * api/tests/api/assistant.rs): `POST /v1/chat/completions` with `{ model, messages }`
 * answers `choices[0].message.content`; with `"stream": true`, server-sent
 * `chat.completion.chunk` events carrying `choices[0].delta.content`, a word at a time,
 * then `data: [DONE]`. It answers from a script: each request takes the next answer
 * (`NO_ANSWER` when none is left; `FAIL` answers 500) and is recorded.
 *
 * A test in the same process scripts it with `say`; one in another process (a vitest
 * worker, when the server was started by the global setup) with `POST /script`, a route
 * of this double only: `{ "answer": "...", "wordMs": 80 }`.
 *
 * Plain JavaScript, so the dashboard's `.mjs` tests import it as it is; its types are in
 * `model-server.d.mts`.
 */
import { createServer } from 'node:http';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The request's body, parsed. */
async function json(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body || '{}');
}

export async function startModelServer({ wordMs = 40 } = {}) {
  const script = [];
  const requests = [];
  const say = (answer, options = {}) => void script.push({ answer, wordMs: options.wordMs ?? wordMs });

  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/script') {
        const { answer, wordMs: ms } = await json(req);
        say(answer, { wordMs: ms });
        return void res.writeHead(204).end();
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404).end();
      const body = await json(req);
      requests.push(body);
      const next = script.shift() ?? { answer: 'NO_ANSWER', wordMs };
      if (next.answer === 'FAIL') return void res.writeHead(500).end('model crashed');
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model: body.model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: next.answer } }],
          }),
        );
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const event = (data) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      event({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant' } }] });
      // Each word with the space after it, as the Rust double's `split_inclusive(' ')`.
      for (const word of next.answer.match(/[^ ]+ */g) ?? []) {
        await sleep(next.wordMs);
        if (res.destroyed) return;
        event({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word } }] });
      }
      event({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      event('[DONE]');
      res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(400).end(String(e));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    say,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
