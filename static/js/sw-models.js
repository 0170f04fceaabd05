// Service-worker side of the model stores: find a *complete* stored model file for a URL of
// the catalog and answer with it, so runtimes' own fetches of model URLs work offline.
// The layouts are the ones app/storage/*_store.py write; partial data lives in separate
// caches / folders / object stores, so it can never be served from here.
// (Classic script, loaded by sw.js with importScripts.)

// Python's urllib.parse.quote(key, safe=""): the stores name entries this way.
function storeName(key) {
  return encodeURIComponent(key).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

async function catalogKey(url, scope) {
  const cached = await caches.match(new URL("models/catalog.json", scope).href, { ignoreSearch: true });
  const catalog = await (cached ?? await fetch(new URL("models/catalog.json", scope))).json();
  for (const model of catalog.models ?? []) {
    for (const file of model.files ?? []) {
      if (new URL(file.url, scope).pathname === url.pathname) return `${model.id}/${file.name}`;
    }
  }
  return null;
}

const modelStoreLookups = {
  // Under /model/<name>: the whole file (header X-Model-Layout: whole, saved from a Blob in
  // one put), or an index {size, gen, segments: [[offset, length, start, end]...]} with
  // pieces under /piece/<name>/<gen>?at=<offset> (Chromium caps one entry below 256 MiB in
  // incognito; downloads write pieces).
  async cache(key) {
    const cache = await caches.open("model-store");
    const base = `${self.location.origin}/model-store`;
    const indexResponse = await cache.match(`${base}/model/${storeName(key)}`);
    if (!indexResponse) return null;
    if (indexResponse.headers.get("X-Model-Layout") === "whole") {
      return completeResponse(await indexResponse.blob(), Number(indexResponse.headers.get("X-Model-Size")));
    }
    const index = await indexResponse.json();
    const parts = [];
    for (const [offset, length, start, end] of index.segments) {
      const piece = await cache.match(`${base}/piece/${storeName(key)}/${index.gen}?at=${offset}`);
      if (!piece) return null;   // damaged: never serve it
      const blob = await piece.blob();
      parts.push(start === 0 && end === length ? blob : blob.slice(start, end));
    }
    return completeResponse(new Blob(parts), index.size);
  },

  async opfs(key) {
    if (!navigator.storage?.getDirectory) return null;
    try {
      let dir = await navigator.storage.getDirectory();
      for (const name of ["model-store", "complete"]) dir = await dir.getDirectoryHandle(name);
      const file = await (await dir.getFileHandle(storeName(key))).getFile();
      // A sidecar that cannot be read or names another size is damage (opfs_store.damaged()):
      // the file's sha256 is unknown, so it is never served. No sidecar: nothing was kept.
      let side = null;
      try {
        side = await (await dir.getFileHandle(storeName(key) + ".meta.json")).getFile();
      } catch (err) {
        if (err.name !== "NotFoundError") throw err;
      }
      if (side) {
        let meta = null;
        try { meta = JSON.parse(await side.text()); } catch { return null; }
        if (meta?.key !== key || Number(meta?.size) !== file.size) return null;
      }
      return completeResponse(file, file.size);
    } catch (err) {
      if (err.name === "NotFoundError" || err.name === "TypeMismatchError") return null;
      throw err;
    }
  },

  async idb(key) {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open("model-store");
      // Never create the database from here: only the app's store does that.
      req.onupgradeneeded = () => { req.transaction.abort(); };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
      req.onblocked = () => reject(new Error("model-store database is blocked"));
    });
    if (!db) return null;
    try {
      if (!db.objectStoreNames.contains("models")) return null;
      const tx = db.transaction(["models", "chunks"], "readonly");
      const done = (req) => new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
      const record = await done(tx.objectStore("models").get(key));
      if (!record) return null;
      if (record.blob instanceof Blob) return completeResponse(record.blob, Number(record.size));   // saved whole
      const range = IDBKeyRange.bound([record.gen, 0], [record.gen, Infinity]);
      const chunks = await done(tx.objectStore("chunks").getAll(range));   // ordered by offset
      return completeResponse(new Blob(chunks), Number(record.size));
    } finally {
      db.close();
    }
  },
};

// A stored file whose size is not the recorded one is damaged: it is never served.
function completeResponse(blob, size) {
  if (blob.size !== size) return null;
  return new Response(blob, {
    headers: { "Content-Type": "application/octet-stream", "Content-Length": String(size) },
  });
}

// The Response of a complete stored file for this URL, from whichever store has it, or null.
async function storedModelResponse(url, scope) {
  const key = await catalogKey(url, scope);
  if (!key) return null;
  for (const [kind, lookup] of Object.entries(modelStoreLookups)) {
    try {
      const response = await lookup(key);
      if (response) return response;
    } catch (err) {
      console.warn(`model store ${kind}: lookup of ${key} failed`, err);
    }
  }
  return null;
}
