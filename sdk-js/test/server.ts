/**
 * The test fixture: a real `chinwag serve` (the binary built from this repository) on a
 * free port with a temporary data directory, and a TCP proxy in front of it whose
 * connections a test can cut.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The server binary: `$CHINWAG_BIN`, else the debug build of this repository. */
export const binary = process.env.CHINWAG_BIN ?? join(repo, 'target', 'debug', 'chinwag');

export interface TestServer {
  /** `http://127.0.0.1:PORT/graphql` */
  url: string;
  port: number;
  /** What the server wrote to stderr (its logs), for failure messages. */
  logs(): string;
  /** Stops the process and starts it again on the same port and data (a deploy). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

/** Waits until `check` resolves true, polling; throws with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One `chinwag serve` process, healthy; its `stop` waits for the exit. */
async function launch(port: number, dataDir: string, args: string[], env: Record<string, string>, logs: { text: string }) {
  const child: ChildProcess = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], {
    env: { ...process.env, CHINWAG_RATE_LIMITS: 'off', RUST_LOG: process.env.RUST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (logs.text += d));
  let dead = false;
  const exited = new Promise<void>((r) => child.once('exit', () => ((dead = true), r())));
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

/**
 * Starts a server. `args` are extra `chinwag serve` flags; `env` overrides (rate limits
 * are off unless a test turns them on).
 */
export async function startServer(args: string[] = [], env: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(binary)) {
    throw new Error(
      `No server binary at ${binary}: run \`cargo build --bin chinwag\` at the repository root (or set CHINWAG_BIN).`,
    );
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'chinwag-sdk-test-'));
    const logs = { text: '' };
    try {
      let stop = await launch(port, dataDir, args, env, logs);
      return {
        url: `http://127.0.0.1:${port}/graphql`,
        port,
        logs: () => logs.text,
        async restart() {
          await stop();
          stop = await launch(port, dataDir, args, env, logs);
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

export async function startProxy(port: number): Promise<Proxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let toLose = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => pairs.size,
    drop: () => pairs.forEach(([a, b]) => (a.destroy(), b.destroy())),
    loseNextAnswers: (n) => void (toLose = n),
    close: () =>
      new Promise<void>((r) => {
        pairs.forEach(([a, b]) => (a.destroy(), b.destroy()));
        server.close(() => r());
      }),
  };
}
