/**
 * Stands in for `graphql-ws/client` in the widget's build (`scripts/build.mjs` points
 * the SDK's import here): the real client, about 3.4 KB gzipped, is the `live` chunk,
 * loaded with the first subscription. A first-time visitor who opens the chat, fills a
 * pre-chat form or leaves an offline message has no live conversation yet, so does not
 * load it; a returning visitor gets it built into their core, loaded once the page is idle.
 *
 * It covers what `@chinwag/sdk` uses of a client: `subscribe`, `terminate`, `dispose`
 * (the `on` listeners come with the options, which are handed over as they are).
 */
import type { Client, ClientOptions } from 'graphql-ws/client';

export function createClient(options: ClientOptions): Client {
  let real: Client | undefined;
  let loading: Promise<Client> | undefined;
  const load = () =>
    (loading ??= import('graphql-ws/client').then(
      (m) => (real ??= m.createClient(options)),
      (e) => {
        loading = undefined; // the next subscription tries again
        throw e;
      },
    ));
  return {
    subscribe(payload, sink) {
      if (real) return real.subscribe(payload, sink);
      let stop: (() => void) | undefined;
      let ended = false;
      load().then(
        // (The SDK ends every subscription before it disposes of the client.)
        (client) => void (!ended && (stop = client.subscribe(payload, sink))),
        (e: unknown) => !ended && sink.error(e),
      );
      return () => {
        ended = true;
        stop?.();
      };
    },
    terminate: () => real?.terminate(),
    dispose: () => real?.dispose(),
  } as Client;
}
