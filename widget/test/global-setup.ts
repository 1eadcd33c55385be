/**
 * Starts, for the whole run, a real `chinwag serve` (the SDK tests' fixture) serving
 * this build from `dist/`, sending its email through a local SMTP sink and asking a local
 * chat-completions double for the answer bot's answers (the SDK tests' `model-server.mjs`:
 * only websites whose bot is on ask it), and a host-page server on another port: the
 * widget is installed on a page of a different origin, as on a customer's site.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startModelServer, type ModelServer } from '../../sdk-js/test/model-server.mjs';
import { startServer, type TestServer } from '../../sdk-js/test/server.mjs';
import { startPages, type Pages } from './pages.mjs';
import { startSmtpSink, type SmtpSink } from './smtp.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

let server: TestServer | undefined;
let pages: Pages | undefined;
let smtp: SmtpSink | undefined;
let model: ModelServer | undefined;

export async function setup(project: TestProject) {
  if (!existsSync(join(dist, 'widget.js'))) throw new Error('Build the widget first: npm run build -w widget');
  smtp = await startSmtpSink();
  model = await startModelServer();
  server = await startServer(['--widget-dir', dist, '--model-url', model.url], { CHINWAG_SMTP_URL: smtp.url });
  pages = await startPages(new URL(server.url).origin);
  project.provide('chinwagUrl', server.url);
  project.provide('pagesUrl', pages.url);
  project.provide('mailDir', smtp.dir);
  project.provide('modelOrigin', model.origin);
}

export async function teardown() {
  await pages?.close();
  await server?.stop();
  await smtp?.close();
  await model?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT/graphql` of the server under test. */
    chinwagUrl: string;
    /** The host-page server, another origin. */
    pagesUrl: string;
    /** Where the SMTP sink writes the emails the server sends, one `.eml` file each. */
    mailDir: string;
    /** The chat-completions double the server asks; `POST /script` gives its next answer. */
    modelOrigin: string;
  }
}
