// The playbook's service worker: every file of this build, precached by its content hash, so that the playbook works
// offline; the build writes PRECACHE above this line. It answers only requests inside its own scope (the site's root
// path): another site on the same host is never served from, nor stored in, these caches.
"use strict";

const SCOPE = self.registration.scope;
// Cache names carry the scope: two playbooks on one host share the origin's caches, and each deletes only its own.
const PREFIX = `coachbook ${SCOPE} `;
const CURRENT = PREFIX + PRECACHE.version;
const RUNTIME = PREFIX + "runtime";
const ENTRIES = new Map(PRECACHE.files.map(([path, hash]) => [new URL(path, SCOPE).href, hash]));
// The hashes an install stored, so that the next one copies the unchanged files instead of downloading them again.
const HASHES = new URL("coachbook-precache.json", SCOPE).href;

const inScope = url => url.startsWith(SCOPE);

async function previousCache() {
  const names = (await caches.keys()).filter(name => name.startsWith(PREFIX) && name !== CURRENT && name !== RUNTIME);
  for (const name of names) {
    const cache = await caches.open(name);
    const stored = await cache.match(HASHES);
    if (stored) return { cache, hashes: new Map(Object.entries(await stored.json())) };
  }
  return null;
}

async function install() {
  const cache = await caches.open(CURRENT);
  const previous = await previousCache();
  await Promise.all([...ENTRIES].map(async ([url, hash]) => {
    const kept = previous && previous.hashes.get(url) === hash ? await previous.cache.match(url) : undefined;
    // "no-cache": the HTTP cache may still hold the previous build's file under the same address.
    const response = kept || await fetch(new Request(url, { cache: "no-cache", credentials: "same-origin" }));
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    await cache.put(url, response);
  }));
  await cache.put(HASHES, new Response(JSON.stringify(Object.fromEntries(ENTRIES)),
                                       { headers: { "Content-Type": "application/json" } }));
}

self.addEventListener("install", event => event.waitUntil(install()));

self.addEventListener("activate", event => event.waitUntil((async () => {
  const old = (await caches.keys()).filter(name => name.startsWith(PREFIX) && name !== CURRENT && name !== RUNTIME);
  await Promise.all(old.map(name => caches.delete(name)));
  await self.clients.claim();
})()));

// The page's "Reload" button: the waiting worker takes over, and the page reloads into the new build.
self.addEventListener("message", event => {
  if (event.data === "coachbook-activate") self.skipWaiting();
});

// A page asked with a query (the theme's search highlight, ?h=word) or by its file name is still the same page.
function precached(request) {
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  if (ENTRIES.has(url.href)) return url.href;
  if (url.pathname.endsWith("/index.html")) {
    url.pathname = url.pathname.slice(0, -"index.html".length);
    if (ENTRIES.has(url.href)) return url.href;
  }
  return null;
}

async function fromNetwork(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    // A kit PDF or any other file outside the precache, kept once it has been opened (whole answers only).
    if (response.status === 200 && response.type === "basic") {
      const copy = response.clone();
      event.waitUntil(caches.open(RUNTIME).then(cache => cache.put(request, copy)));
    }
    return response;
  } catch (offline) {
    const stored = await caches.match(request, { cacheName: RUNTIME, ignoreSearch: request.mode === "navigate" });
    if (stored) return stored;
    throw offline;
  }
}

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET" || !inScope(request.url) || request.headers.has("range")) return;
  const key = precached(request);
  event.respondWith(key
    ? caches.open(CURRENT).then(cache => cache.match(key)).then(stored => stored || fetch(request))
    : fromNetwork(event));
});
