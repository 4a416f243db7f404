// LK's service worker: a page opened with the network down gets /offline.html instead of the browser's error.
// It caches that one file and nothing else: no page, no backend answer, nothing of a customer's. The cache's name
// ends with the start of offline.html's SHA-256 (tests/unit/test_installable.py checks it), so a changed page makes
// a new worker, which replaces the old copy.
const CACHE = "lk-offline-bd34795a";
const OFFLINE_PAGE = "/offline.html";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.add(new Request(OFFLINE_PAGE, { cache: "reload" })))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    Promise.all([
      // The browser starts a page's request while it wakes the worker, rather than after: no wait on each load.
      self.registration.navigationPreload?.enable(),
      caches.keys()
        .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name)))),
    ]).then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  // Only a page load by GET: the websocket, scripts, images, the backend's routes fetched by the page and every
  // POST (logout, unsubscribe) go to the network as if there were no worker.
  if (event.request.mode !== "navigate" || event.request.method !== "GET") return;
  event.respondWith(
    (async () => {
      try {
        return (await event.preloadResponse) || (await fetch(event.request));
      } catch {
        return caches.match(OFFLINE_PAGE, { cacheName: CACHE });
      }
    })(),
  );
});
