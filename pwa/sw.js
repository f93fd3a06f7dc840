/* Tend's service worker. The server prepends `const TEND = {version, precache, offlinePage,
 * offlinePages, imports}` when it serves this file at /sw.js, so any change to an asset or to
 * an offline page (in any language) changes the worker. It is the same for every account and
 * every browser language: a language is not a new version of the app.
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

const OFFLINE_PAGES = [TEND.offlinePage, ...Object.values(TEND.offlinePages)];

/* The offline pages are fetched without cookies, so the server can't know the account: they
 * are asked for in a language by name, the one the open pages tell (static/js/pwa.js: the
 * account's once signed in), or in the browser's own ("") until a page has told. The
 * language asked for is kept with each page, on its cache key. */
function requestToKeep(url, language) {
  const named = language && OFFLINE_PAGES.includes(url);
  return new Request(url, { credentials: "omit", cache: "no-cache",
                            headers: named ? { "Accept-Language": language } : {} });
}

/* The language the offline pages in `cache` were asked for ("" for the browser's own), or
 * null where there are none. */
async function keptLanguage(cache) {
  const [kept] = await cache.keys(TEND.offlinePage);
  return kept ? kept.headers.get("Accept-Language") || "" : null;
}

/* The language the version this one replaces kept its offline pages in. */
async function languageKeptBefore() {
  for (const name of (await caches.keys()).reverse()) {
    const language = await keptLanguage(await caches.open(name));
    if (language !== null) {
      return language;
    }
  }
  return "";
}

async function fetchToKeep(request) {
  const response = await fetch(request);
  if (!response.ok || isPrivate(response)) {
    throw new Error("Not cacheable: " + request.url);
  }
  return response;
}

/* Every request answered first, then all kept: a page that can't be fetched leaves the
 * pages kept before as they were, all in one language. */
async function keepAll(cache, requests) {
  const responses = await Promise.all(requests.map(fetchToKeep));
  await Promise.all(requests.map((request, i) => cache.put(request, responses[i])));
}

async function precache() {
  const language = await languageKeptBefore();
  const cache = await caches.open(CACHE);
  await keepAll(cache, TEND.precache.map((url) => requestToKeep(url, language)));
}

/* A page told its language: the offline pages are fetched again if they are in another. */
async function keepOfflinePagesIn(language) {
  const cache = await caches.open(CACHE);
  if (await keptLanguage(cache) !== language) {
    await keepAll(cache, OFFLINE_PAGES.map((url) => requestToKeep(url, language)));
  }
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
  } else if (event.data && event.data.type === "LANGUAGE") {
    event.waitUntil(keepOfflinePagesIn(String(event.data.language || "")));
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
