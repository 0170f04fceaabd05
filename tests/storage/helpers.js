// Test helpers injected into every page of the storage tests (add_init_script).
// Random bytes are made in JS and handed to Python in 1 MiB chunks; both sides hash in 8 MiB
// blocks with WebCrypto and compare SHA-256 over the list of block digests (a hash list:
// equal iff every block is equal), so no whole file is ever held in memory.
(() => {
  const BLOCK = 8 << 20;
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const digest = (bytes) => crypto.subtle.digest("SHA-256", bytes);
  async function combine(digests) {
    const all = new Uint8Array(digests.length * 32);
    (await Promise.all(digests)).forEach((d, i) => all.set(new Uint8Array(d), i * 32));
    return hex(await digest(all));
  }
  function randomBlock(n) {
    const block = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(block.subarray(i, Math.min(n, i + 65536)));
    return block;
  }
  // What the model stores hold, read with plain JS (not through the app's stores): every
  // Cache API request of "model-store", every IndexedDB record key of "model-store" (chunks
  // as a count and their Blob bytes), and every OPFS file under model-store/ with its size.
  async function raw() {
    const cache = await caches.open("model-store");
    const urls = (await cache.keys()).map((r) => r.url.split("/model-store/")[1]);
    const idb = { models: [], partials: [], chunks: 0, chunkBytes: 0 };
    const db = await new Promise((resolve) => {
      const req = indexedDB.open("model-store");
      req.onupgradeneeded = () => req.transaction.abort();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
    });
    if (db && db.objectStoreNames.contains("chunks")) {
      const tx = db.transaction(["models", "partials", "chunks"]);
      const got = (req) => new Promise((ok, no) => { req.onsuccess = () => ok(req.result); req.onerror = () => no(req.error); });
      idb.models = (await got(tx.objectStore("models").getAllKeys())).map(String);
      idb.partials = (await got(tx.objectStore("partials").getAllKeys())).map(String);
      const chunks = await got(tx.objectStore("chunks").getAll());
      idb.chunks = chunks.length;
      idb.chunkBytes = chunks.reduce((n, b) => n + (b?.size ?? 0), 0);
    }
    db?.close();
    const opfs = [];
    async function walk(dir, path) {
      for await (const [name, handle] of dir.entries()) {
        if (handle.kind === "file") opfs.push([path + name, (await handle.getFile()).size]);
        else await walk(handle, path + name + "/");
      }
    }
    try {
      await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle("model-store"), "");
    } catch (err) {
      if (err.name !== "NotFoundError") throw err;
    }
    return { cache: urls, idb, opfs };
  }
  window.storageTest = {
    raw,
    // An object with next() -> Promise<Uint8Array | undefined> (undefined is None in Python); sha256() -> hash list of what was sent.
    source(size, chunk = 1 << 20) {
      const digests = [];
      let sent = 0, block = null, blockPos = 0;
      return {
        async next() {
          if (sent >= size) return undefined;
          if (!block || blockPos >= block.length) {
            if (digests.length % 4 === 3) globalThis.gc?.(); // see conftest: --expose-gc
            block = randomBlock(Math.min(BLOCK, size - sent));
            blockPos = 0;
            digests.push(digest(block));
          }
          const part = block.subarray(blockPos, Math.min(block.length, blockPos + chunk));
          blockPos += part.length;
          sent += part.length;
          return part;
        },
        sha256: () => combine(digests),
      };
    },
    // A random Blob of `size` bytes (what save_blob gets: a whole file already in a Blob).
    blob(size) {
      const parts = [];
      for (let done = 0; done < size; done += BLOCK) parts.push(randomBlock(Math.min(BLOCK, size - done)));
      return new Blob(parts);
    },
    async hashBlob(blob) {
      const digests = [];
      for (let i = 0; i < blob.size; i += BLOCK) {
        if (digests.length % 4 === 3) globalThis.gc?.();
        digests.push(await digest(await blob.slice(i, i + BLOCK).arrayBuffer()));
      }
      return combine(digests);
    },
    async hashStream(stream) {
      const reader = stream.getReader();
      const digests = [];
      let block = new Uint8Array(BLOCK), pos = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let off = 0;
        while (off < value.length) {
          const n = Math.min(BLOCK - pos, value.length - off);
          block.set(value.subarray(off, off + n), pos);
          pos += n; off += n;
          if (pos === BLOCK) { digests.push(await digest(block)); block = new Uint8Array(BLOCK); pos = 0; }
        }
      }
      if (pos) digests.push(await digest(block.subarray(0, pos)));
      return combine(digests);
    },
  };
})();
