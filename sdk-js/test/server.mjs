/**
 * The server fixture every JavaScript test suite shares (the SDK's and the widget's
 * vitest suites, the dashboard's `node --test` browser tests): a real `chinwag serve`
 * (the binary built from this repository) on a free port with a temporary data
 * directory, and a TCP proxy in front of it whose connections a test can cut.
 *
 * Plain JavaScript, so the dashboard's `.mjs` tests import it as it is; its types are
 * in `server.d.mts`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const binary = process.env.CHINWAG_BIN ?? join(repo, 'target', 'debug', 'chinwag');

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function until(check, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One `chinwag serve` process, healthy; resolves to its `stop`, which waits for the exit. */
async function launch(port, dataDir, args, env, logs) {
  const child = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], {
    env: { ...process.env, CHINWAG_RATE_LIMITS: 'off', RUST_LOG: process.env.RUST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d) => (logs.text += d));
  let dead = false;
  const exited = new Promise((r) => child.once('exit', () => ((dead = true), r())));
  const stop = async () => {
    if (dead) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await until(
      async () => {
        if (dead) throw new Error(`chinwag serve exited early:\n${logs.text}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'chinwag serve to answer /healthz',
      20_000,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}

export async function startServer(args = [], env = {}) {
  if (!existsSync(binary)) {
    throw new Error(
      `No server binary at ${binary}: run \`cargo build --bin chinwag\` at the repository root (or set CHINWAG_BIN).`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'chinwag-test-'));
    const logs = { text: '' };
    try {
      let stop = await launch(port, dataDir, args, env, logs);
      let running = true;
      const down = async () => {
        running = false;
        await stop();
      };
      const up = async () => {
        if (running) return;
        stop = await launch(port, dataDir, args, env, logs);
        running = true;
      };
      return {
        url: `http://127.0.0.1:${port}/graphql`,
        origin: `http://127.0.0.1:${port}`,
        port,
        dataDir,
        logs: () => logs.text,
        down,
        up,
        restart: async () => {
          await down();
          await up();
        },
        async stop() {
          await stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      await rm(dataDir, { recursive: true, force: true });
      // Another process may have taken the port between our probe and the bind.
      if (attempt < 3 && /in use/i.test(logs.text)) continue;
      throw e;
    }
  }
}

export async function startProxy(port) {
  const pairs = new Set();
  let toLose = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const pair = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      if (toLose > 0) {
        toLose--;
        end();
      } else client.write(chunk);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    open: () => pairs.size,
    drop: () => pairs.forEach(([a, b]) => (a.destroy(), b.destroy())),
    loseNextAnswers: (n) => void (toLose = n),
    close: () =>
      new Promise((r) => {
        pairs.forEach(([a, b]) => (a.destroy(), b.destroy()));
        server.close(() => r());
      }),
  };
}
