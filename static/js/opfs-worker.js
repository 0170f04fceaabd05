// OPFS writes through FileSystemSyncAccessHandle, which exists only in a dedicated worker and is
// 5-10x faster than createWritable on the main thread. The Python side (app/storage/opfs_sync.py)
// sends {id, op, args} and gets {id, ok, value} or {id, ok: false, name, message} back.
// Paths are arrays of names under the OPFS root. One sync handle per file, kept open between
// writes (opening one takes an exclusive lock), closed on "close".
const handles = new Map(); // path key -> Promise<FileSystemSyncAccessHandle>

async function fileHandle(path, create) {
  let dir = await navigator.storage.getDirectory();
  for (const name of path.slice(0, -1)) dir = await dir.getDirectoryHandle(name, { create });
  return dir.getFileHandle(path[path.length - 1], { create });
}

function open(path) {
  const key = path.join("/");
  if (!handles.has(key)) {
    const opening = fileHandle(path, true).then((h) => h.createSyncAccessHandle());
    opening.catch(() => handles.delete(key));
    handles.set(key, opening);
  }
  return handles.get(key);
}

// The parts as Uint8Arrays. A Blob (passed by reference) is read in slices of BLOB_STEP, the
// next one read while the current one is written: memory stays at two slices, and the disk
// read overlaps the (synchronous) write.
const BLOB_STEP = 8 << 20;
async function* chunksOf(parts) {
  for (const part of parts) {
    if (!(part instanceof Blob)) { yield part; continue; }
    const read = (start) => start < part.size
      ? part.slice(start, start + BLOB_STEP).arrayBuffer() : null;
    let next = read(0);
    for (let start = 0; next; start += BLOB_STEP) {
      const bytes = new Uint8Array(await next);
      next = read(start + BLOB_STEP);
      yield bytes;
    }
  }
}

const ops = {
  probe() {
    return typeof FileSystemFileHandle?.prototype?.createSyncAccessHandle === "function";
  },
  async write({ path, at, parts }) {
    const handle = await open(path);
    let pos = at;
    for await (const bytes of chunksOf(parts)) {
      let done = 0;
      while (done < bytes.byteLength) {
        const n = handle.write(bytes.subarray(done), { at: pos });
        // Past the quota Chromium may return a bogus count (measured: 2**32 - 8) instead of
        // throwing: anything but progress within this chunk is treated as out of space.
        if (!(n > 0 && n <= bytes.byteLength - done)) {
          throw new DOMException(`no space to write at byte ${pos}`, "QuotaExceededError");
        }
        done += n;
        pos += n;
      }
    }
    return pos - at;
  },
  async flush({ path }) {
    const opening = handles.get(path.join("/"));
    if (opening) (await opening).flush();
  },
  async close({ path }) {
    const key = path.join("/");
    const opening = handles.get(key);
    if (!opening) return;
    handles.delete(key);
    const handle = await opening.catch(() => null);
    if (handle) { handle.flush(); handle.close(); }
  },
};

onmessage = async ({ data: { id, op, args } }) => {
  try {
    postMessage({ id, ok: true, value: await ops[op](args ?? {}) });
  } catch (err) {
    postMessage({ id, ok: false, name: err?.name ?? "Error", message: String(err?.message ?? err) });
  }
};
