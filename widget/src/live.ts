/**
 * Stands in for the SDK's socket (`sdk-js/src/socket.ts`) in the widget's build
 * (`scripts/build.mjs` points the SDK's import here): the real one, about 1.2 KB
 * gzipped, is a chunk of its own, loaded with the first subscription. A first-time
 * visitor who opens the chat, fills a pre-chat form or leaves an offline message has no
 * live conversation yet, so does not load it; a returning visitor gets it built into
 * their core, loaded once the page is idle.
 *
 * It covers the whole of the socket's surface: `subscribe`, `terminate`, `dispose` (the
 * callbacks come with the options, which are handed over as they are).
 */
import type { createSocket as Create, Socket, SocketOptions } from '../../sdk-js/src/socket.js';

export function createSocket(options: SocketOptions): Socket {
  let real: Socket | undefined;
  let loading: Promise<Socket> | undefined;
  const load = () =>
    (loading ??= import('chinwag:socket').then(
      (m: { createSocket: typeof Create }) => (real ??= m.createSocket(options)),
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
        // (The SDK ends every subscription before it disposes of the socket.)
        (socket) => void (!ended && (stop = socket.subscribe(payload, sink))),
        (e: unknown) => !ended && sink.error(e),
      );
      return () => {
        ended = true;
        stop?.();
      };
    },
    terminate: () => real?.terminate(),
    dispose: () => real?.dispose(),
  };
}
