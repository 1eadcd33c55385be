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

// A notification clicked while the app is closed or in the background: focus or open it.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((list) => (list[0] ? list[0].focus() : self.clients.openWindow(`${SCOPE}inbox/unassigned`))),
  );
});
