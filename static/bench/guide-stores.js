// The plain-JavaScript baseline of the storage benchmark: store and restore a model Blob the
// way the Chrome guide "Cache AI models in the browser" writes them (Cache API put/match,
// OPFS createWritable/getFile, IndexedDB set/get in the idb-keyval style), without logging.
// app/bench.py times these next to the Python stores.
const FILE = "model.bin";

// Like idb-keyval: the database is opened once and its connection kept.
let opened = null;
function idb() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open("guide-keyval", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("keyval");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => { opened = null; reject(req.error); };
  });
  return opened;
}

function tx(mode, fn) {
  return idb().then((db) => new Promise((resolve, reject) => {
    const t = db.transaction("keyval", mode);
    const req = fn(t.objectStore("keyval"));
    t.oncomplete = () => resolve(req.result);
    t.onabort = t.onerror = () => reject(t.error);
  }));
}

export const guideStores = {
  cache: {
    async store(blob) {
      const modelCache = await caches.open("models");
      await modelCache.put(FILE, new Response(blob));
    },
    async restore() {
      const modelCache = await caches.open("models");
      const response = await modelCache.match(FILE);
      if (!response) throw new Error(`File ${FILE} not found in sw-cache.`);
      return response.blob();
    },
    async clear() { await (await caches.open("models")).delete(FILE); },
  },
  opfs: {
    async store(blob) {
      const root = await navigator.storage.getDirectory();
      const handle = await root.getFileHandle(FILE, { create: true });
      const writable = await handle.createWritable();
      await blob.stream().pipeTo(writable);
    },
    async restore() {
      const root = await navigator.storage.getDirectory();
      const handle = await root.getFileHandle(FILE);
      return handle.getFile();
    },
    async clear() {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(FILE).catch(() => {});
    },
  },
  idb: {
    store: (blob) => tx("readwrite", (s) => s.put(blob, FILE)),
    async restore() {
      const file = await tx("readonly", (s) => s.get(FILE));
      if (!file) throw new Error(`File ${FILE} not found in IDB.`);
      return file;
    },
    clear: () => tx("readwrite", (s) => s.delete(FILE)),
  },
};

// Random bytes as a Blob, made once per size (crypto.getRandomValues fills 64 KiB per call).
export function randomBlob(size) {
  const parts = [];
  for (let done = 0; done < size;) {
    const part = new Uint8Array(Math.min(8 << 20, size - done));
    for (let i = 0; i < part.length; i += 65536) crypto.getRandomValues(part.subarray(i, i + 65536));
    parts.push(part);
    done += part.length;
  }
  return new Blob(parts);
}

// Read a Blob to its end, as an engine loading a model does; returns the byte count. Into one
// reused buffer (a BYOB reader): a new array per chunk would leave the whole size as garbage,
// and its collection would land at random in whichever measurement came next.
const CONSUME_BUFFER = 1 << 20;
export async function consume(blob) {
  const reader = blob.stream().getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(CONSUME_BUFFER);
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done) return n;
    n += value.length;
    buffer = value.buffer;
  }
}

// Untimed, before each pair of paths (app/bench.py): put the Blob through the Cache API and
// delete it, so memory the steps before gave back to a VM's host is faulted in again here and
// the pair's first timed step reuses it, as its second one does. (Filling an ArrayBuffer of
// the same size instead helped less: the stores' memory is the kernel's file cache.)
export async function prime(blob) {
  const cache = await caches.open("bench-prime");
  await cache.put("prime", new Response(blob));
  await cache.delete("prime");
}

window.guideStores = guideStores;
window.benchHelpers = { randomBlob, consume, prime };
