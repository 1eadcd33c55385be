/**
 * `scripts/watch.mjs`, the README walk-through's watcher, run as the reader runs it: a
 * child `node` process against the real server (it loads the built SDK from `dist/`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { organization, serverUrl, until, visitorClient } from './helpers.js';

const script = fileURLToPath(new URL('../scripts/watch.mjs', import.meta.url));

const children: ChildProcess[] = [];
afterEach(() => {
  children.splice(0).forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
});

describe('the watch script', () => {
  it('replays the conversation, prints each new message on a line, and stops on Ctrl-C', async () => {
    const { owner, websiteKey } = await organization();
    const chat = visitorClient(websiteKey);
    const { id } = await chat.startConversation('Do you ship to Norway?');

    const child = spawn(process.execPath, [script, serverUrl(), owner.session!.accessToken, id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    await until(() => out.includes('#1 VISITOR: Do you ship to Norway?\n'), `the replayed message (stderr: ${err})`);
    await owner.sendMessage(id, 'Yes, we do!\nTo every country.');
    await until(() => out.includes('#2 AGENT Ann: Yes, we do!\\nTo every country.\n'), `the live reply (stderr: ${err})`);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
