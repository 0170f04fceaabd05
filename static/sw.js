// Service worker: makes the app, its runtimes and stored models work with no network.
// It must be JS (it runs before Python exists). build.py replaces the manifest line below with
// the content hashes of every precached file, so any asset change yields a new worker.
const MANIFEST = /*@PRECACHE_MANIFEST@*/ { version: "dev", precache: {}, warm: {}, entryPoints: [] };
// precache: the app shell (small), fetched at install, so the first visit is claimed at once.
// warm: the runtimes and the Pyodide snapshot (~60 MB). The first visit loads them straight
// from the network (the worker stays out of the way); once the app is ready the page asks
// the worker to keep them, which it reads from the browser's HTTP cache, so nothing is
// downloaded twice. Then it tells the page the app works offline.

importScripts("./js/sw-models.js");   // storedModelResponse(url, scope)

const SHELL_PREFIX = "shell-";
const SHELL_CACHE = SHELL_PREFIX + MANIFEST.version;
// Immutable runtime files (versioned URLs) that are not precached are kept here on first use.
const RUNTIME_CACHE = "runtime-v1";
const ENTRY_TIMEOUT_MS = 4000;
const SCOPE = new URL(self.registration.scope);

// Cross-origin isolation for everything we serve, so the page stays isolated offline
// (wllama threads and PyScript workers need it).
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function scopePath(url) {
  return url.pathname.startsWith(SCOPE.pathname) ? url.pathname.slice(SCOPE.pathname.length) : null;
}

function isolated(response) {
  if (!response || response.type === "opaque" || response.status === 0) return response;
  // Kept from our server with the headers already on it: hand the browser the cached response
  // itself, which it streams straight from the cache (a re-wrapped body goes through JS).
  if (Object.entries(ISOLATION).every(([name, value]) => response.headers.get(name) === value)) {
    return response;
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// ---------------------------------------------------------------- install / activate

self.addEventListener("install", (event) => {
  // An update carries the unchanged runtimes over from the version it replaces, so an update
  // applied offline still boots.
  event.waitUntil(Promise.all([fill(MANIFEST.precache), fill(MANIFEST.warm, { reuseOnly: true })])
    .then(() => (warmedLoaded = readWarmed())));
});

async function fill(files, { reuseOnly = false } = {}) {
  const cache = await caches.open(SHELL_CACHE);
  const previous = (await caches.keys()).filter((n) => n.startsWith(SHELL_PREFIX) && n !== SHELL_CACHE);
  await Promise.all(Object.entries(files).map(async ([path, hash]) => {
    const url = new URL(path, SCOPE).href;
    const existing = await cache.match(url);
    if (existing && existing.headers.get("X-Content-Hash") === hash) return;
    // Reuse an unchanged file from the previous version instead of downloading it again.
    for (const name of previous) {
      const old = await (await caches.open(name)).match(url);
      if (old && old.headers.get("X-Content-Hash") === hash) return cache.put(url, old);
    }
    if (!reuseOnly) await cache.put(url, await download(path, hash));
  }));
}

async function download(path, hash) {
  // Runtime files have versioned URLs: the copy the page just loaded into the HTTP cache is
  // the right one. The shell's URLs are not versioned: ask the server.
  const cache = path in MANIFEST.warm ? "force-cache" : "no-cache";
  const response = await fetch(new URL(path, SCOPE), { cache });
  if (!response.ok) throw new Error(`caching ${path}: HTTP ${response.status}`);
  const headers = new Headers(response.headers);
  headers.set("X-Content-Hash", hash);
  return new Response(response.body, { status: 200, headers });
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(SHELL_PREFIX) && n !== SHELL_CACHE)
      .map((n) => caches.delete(n)));
    // Take control of pages opened before this worker existed (the first visit).
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data?.type === "WARM") event.waitUntil(warm(event.source));
});

async function warm(client) {
  try {
    await fill(MANIFEST.warm);
    await (warmedLoaded = readWarmed());
    client?.postMessage({ type: "OFFLINE_READY" });
  } catch (err) {
    client?.postMessage({ type: "OFFLINE_FAILED", message: String(err?.message ?? err) });
  }
}

// ---------------------------------------------------------------- fetch

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== SCOPE.origin) return;
  const path = scopePath(url);
  if (path === null) return;
  if (request.mode === "navigate" || MANIFEST.entryPoints.includes(path)) {
    event.respondWith(networkFirst(request, path));
  } else if (path in MANIFEST.precache) {
    event.respondWith(cachedFile(event, path));
  } else if (path in MANIFEST.warm) {
    warmFile(event, path);
  } else if (path.startsWith("models/") && path !== "models/catalog.json") {
    event.respondWith(modelFile(request));
  } else if (path.startsWith("wasm/")) {
    event.respondWith(runtimeFile(event));
  }
});

async function networkFirst(request, path) {
  const key = new URL(path || "index.html", SCOPE).href;
  try {
    const response = await withTimeout(fetch(request), ENTRY_TIMEOUT_MS);
    return isolated(response);
  } catch (err) {
    const cache = await caches.open(SHELL_CACHE);
    const cached = await cache.match(key, { ignoreSearch: true })
      ?? (request.mode === "navigate" ? await cache.match(new URL("index.html", SCOPE).href) : undefined);
    if (cached) return isolated(cached);
    return new Response(`Offline and not cached: ${path}`, { status: 503, headers: ISOLATION });
  }
}

// A manifest file: from this version's cache; a miss (not warmed yet) is fetched and kept.
async function cachedFile(event, path) {
  const request = event.request;
  const cache = await caches.open(SHELL_CACHE);
  let response = await cache.match(request.url, { ignoreSearch: true });
  if (!response) {
    response = await download(path, MANIFEST.precache[path]);
    // Stored while the page reads the other branch: never awaited before answering.
    event.waitUntil(cache.put(request.url, response.clone()));
  }
  return isolated(await withRange(request, response));
}

// A runtime file: from the cache once warmed. Before that (the first visit) the worker does
// not answer at all, so the browser loads it at full speed into its HTTP cache. respondWith
// must be decided synchronously, hence the set of warmed paths kept in memory.
let warmed = null;   // Set of warmed paths, or null until read from the cache
let warmedLoaded = readWarmed();

async function readWarmed() {
  const urls = new Set((await (await caches.open(SHELL_CACHE)).keys()).map((r) => r.url));
  warmed = new Set(Object.keys(MANIFEST.warm).filter((p) => urls.has(new URL(p, SCOPE).href)));
}

function warmFile(event, path) {
  if (warmed && !warmed.has(path)) return;   // not kept yet: the network answers
  event.respondWith(warmedLoaded.then(async () => {
    const cached = await (await caches.open(SHELL_CACHE)).match(event.request.url, { ignoreSearch: true });
    return cached ? isolated(await withRange(event.request, cached)) : fetch(event.request);
  }));
}

// Other immutable runtime files: kept on first use.
async function runtimeFile(event) {
  const request = event.request;
  const cache = await caches.open(RUNTIME_CACHE);
  const cached = await cache.match(request.url, { ignoreSearch: true });
  if (cached) return isolated(await withRange(request, cached));
  const response = await fetch(request);
  if (response.status === 200) event.waitUntil(cache.put(request.url, response.clone()));
  return isolated(response);
}

// Model files: served from the app's model store when a complete entry is there, so every
// runtime's own fetches work offline. Partial entries are never served.
async function modelFile(request) {
  const stored = await storedModelResponse(new URL(request.url), SCOPE);
  if (stored) return isolated(await withRange(request, stored));
  return isolated(await fetch(request));
}

// ---------------------------------------------------------------- helpers

// Serve a single byte range out of a full cached response (Blob slicing reads only that part).
async function withRange(request, response) {
  const header = request.headers.get("Range");
  if (!header || response.status !== 200) return response;
  const blob = await response.blob();
  const size = blob.size;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.replace(/\s/g, ""));
  if (!m || (!m[1] && !m[2])) return new Response(blob, { status: 200, headers: response.headers });
  let start, end;
  if (!m[1]) { start = Math.max(0, size - Number(m[2])); end = size - 1; }
  else { start = Number(m[1]); end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1; }
  const headers = new Headers(response.headers);
  if (start >= size || start > end) {
    headers.set("Content-Range", `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  headers.set("Content-Length", String(end - start + 1));
  return new Response(blob.slice(start, end + 1), { status: 206, headers });
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
}
