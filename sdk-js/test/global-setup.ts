/** Starts the shared server for the whole run (tests that need other flags start their own). */
import type { TestProject } from 'vitest/node';
import { startServer, type TestServer } from './server.mjs';

let server: TestServer | undefined;

export async function setup(project: TestProject) {
  server = await startServer();
  project.provide('chinwagUrl', server.url);
}

export async function teardown() {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    chinwagUrl: string;
  }
}
