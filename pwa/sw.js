/* Tend's service worker. The server prepends `const TEND = {version, precache, offlinePage,
 * offlinePages, imports, language}` when it serves this file at /sw.js, so any change to an
 * asset, or to the account's language, changes the worker.
 *
 * What it keeps: only the versioned static files and the offline pages (the general one,
 * and one per page in `offlinePages`, such as Get help's and the plan's), which name nobody.
 * Pages and /api/ answers are never put in Cache Storage: they are private (the Cache API
 * would ignore their `Cache-Control: no-store`). Data for offline use lives in IndexedDB,
 * keyed by its owner (static/js/offline-queue.js). */
"use strict";

importScripts(...TEND.imports);

const CACHE = "tend-shell-" + TEND.version;
const PRECACHED = new Set(TEND.precache);

function isPrivate(response) {
  return /no-store|private/.test(response.headers.get("Cache-Control") || "");
}

async function precache() {
  const cache = await caches.open(CACHE);
  await Promise.all(TEND.precache.map(async (url) => {
    // Without cookies the server can't know the account: the language is asked for by name,
    // so the offline pages are in the account's language, not only the browser's.
    const response = await fetch(url, { credentials: "omit", cache: "no-cache",
                                        headers: { "Accept-Language": TEND.language } });
    if (!response.ok || isPrivate(response)) {
      throw new Error("Not cacheable: " + url);
    }
    await cache.put(url, response);
  }));
}

async function dropOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name)));
}

self.addEventListener("install", (event) => {
  // No skipWaiting here: a new version waits until the person chooses to reload.
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await dropOldCaches();
    // No navigation preload: with it on, Firefox fails a navigation whose preload can't
    // connect before this worker can answer with the offline page. Off also for phones that
    // had it turned on by an earlier version (the setting stays with the registration).
    if (self.registration.navigationPreload) {
      await self.registration.navigationPreload.disable();
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (event.data && event.data.type === "CLAIM") {
    event.waitUntil(self.clients.claim());  // a page that missed the claim on activation
  }
});

/* A page that can't be loaded: its own offline page if it has one, else the general one. */
async function pageOrOfflinePage(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    const own = TEND.offlinePages[new URL(request.url).pathname];
    return (own && await cache.match(own)) || (await cache.match(TEND.offlinePage)) ||
      Response.error();
  }
}

async function fromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(request)) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(pageOrOfflinePage(request));
  } else if (PRECACHED.has(url.pathname + url.search)) {
    event.respondWith(fromCacheFirst(request));
  }
  // Anything else (the API above all) goes to the network untouched.
});

/* Background Sync: send what was entered offline once the connection is back. */
self.addEventListener("sync", (event) => {
  if (event.tag === TendOffline.SYNC_TAG) {
    event.waitUntil(TendOffline.flush());
  }
});
