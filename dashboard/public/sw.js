// The dashboard's service worker: what makes it installable and start without a network.
// Navigations go to the network first (a deploy shows at once) and fall back to the
// cached shell; hashed files under assets/ never change, so they come from the cache.
// Nothing else is touched: GraphQL, the widget and WebSockets go straight to the server.
const CACHE = 'chinwag-app-v1';
const SCOPE = new URL(self.registration.scope).pathname; // '/app/'

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.add(SCOPE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin || !url.pathname.startsWith(SCOPE)) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((c) => c.put(SCOPE, copy));
          }
          return response;
        })
        .catch(() => caches.match(SCOPE).then((r) => r || Response.error())),
    );
  } else if (url.pathname.startsWith(`${SCOPE}assets/`)) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(CACHE).then((c) => c.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});

// Web Push (src/push.ts; docs/dashboard.md, "Notifications on your phone"): the server
// sends chats offered or assigned to the agent, and tests, encrypted to this browser; the
// browser decrypts them into { kind: 'offer' | 'assigned' | 'test', conversationId, title,
// body, expiresAt (an offer's end, unix ms, else null) }. They arrive with the dashboard
// closed too.
let shown = Promise.resolve();
self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data?.json();
  } catch {
    /* Not ours: nothing to show. */
  }
  if (!data) return;
  // One after another, so that a later push for a conversation replaces an earlier one.
  shown = shown.then(() => showPush(data)).catch(() => {});
  event.waitUntil(shown);
});

/**
 * One notification per conversation (its id is the tag: a later one replaces it, as the
 * dashboard's own do); an offer stays until acted on and has Accept. Not shown: an offer
 * whose time is up, and a chat's news while a dashboard window is in front (the page
 * shows it: the offer card, the chime).
 */
async function showPush({ kind, conversationId = null, title, body, expiresAt = null }) {
  if (kind === 'offer' && expiresAt && expiresAt <= Date.now()) return;
  if (kind !== 'test') {
    const windows = await self.clients.matchAll({ type: 'window' });
    if (windows.some((w) => w.focused && w.visibilityState === 'visible')) return;
  }
  const offer = kind === 'offer';
  await self.registration.showNotification(title || 'Chinwag', {
    body: body || '',
    tag: conversationId || kind,
    renotify: true,
    requireInteraction: offer,
    icon: `${SCOPE}icon-192.png`,
    data: { kind, conversationId, expiresAt },
    actions: offer ? [{ action: 'accept', title: 'Accept' }] : [],
  });
}

/**
 * Where a notification leads, below the scope (the dashboard's routes, src/router.ts):
 * an offer (its Accept, or the notification itself) to `?accept=`, which accepts it on
 * load and opens the chat, or says why not (taken meanwhile, time up); a chat assigned to
 * the agent to their chats; anything else to the unassigned chats.
 */
function notificationPath(data) {
  const id = data?.conversationId ? encodeURIComponent(data.conversationId) : null;
  if (!id) return 'inbox/unassigned';
  if (data.kind === 'offer') return `inbox/unassigned?accept=${id}`;
  if (data.kind === 'assigned') return `inbox/mine/${id}`;
  return `inbox/unassigned/${id}`;
}

/**
 * A click on a notification (ours, or a page's) closes it, then an open dashboard window
 * moves there itself (keeping its state) and comes to the front, or a new one opens.
 */
async function notificationClicked(notification) {
  notification.close();
  const path = notificationPath(notification.data);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).pathname.startsWith(SCOPE));
  if (!open) return self.clients.openWindow(SCOPE + path);
  open.postMessage({ type: 'chinwag:open', path });
  // Refused outside a click (the browser's rule): the window has moved all the same.
  return open.focus().catch(() => open);
}

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(notificationClicked(event.notification));
});

/**
 * The push service renewed or dropped the subscription: subscribe again with the same
 * key. The server is told by the dashboard (the agent's session lives there, not here):
 * an open window at once, on this message, and any other on its next load.
 */
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const key = event.oldSubscription?.options?.applicationServerKey;
      if (!event.newSubscription && key)
        await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }).catch(() => {});
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      windows.forEach((w) => w.postMessage({ type: 'chinwag:subscription' }));
    })(),
  );
});
