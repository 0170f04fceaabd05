// OPFS writes through FileSystemSyncAccessHandle, which exists only in a dedicated worker and is
// 5-10x faster than createWritable on the main thread. The Python side (app/storage/opfs_sync.py)
// sends {id, op, args} and gets {id, ok, value} or {id, ok: false, name, message} back
// ({id, progress} messages may come before the answer of a long call).
// Paths are arrays of names under the OPFS root. One sync handle per file, kept open between
// writes (opening one takes an exclusive lock), closed on "close".
//
// Downloads into a file run here too, so model bytes never cross a thread: a ranged fetch is
// opened ("fetchOpen": Python checks the status and headers), then its body, a run of
// consecutive chunks, is read straight into the file in one call ("fetchRun"): each chunk is
// read back and hashed natively (crypto.subtle.digest) as soon as its last byte is stored, and
// the verdicts go back with the byte counts in a few progress messages, not one round trip
// per chunk. For a file without a manifest the bytes written feed the file's sha256 in file
// order, computed by a nested worker (sha256-worker.js) from pieces read back from the file
// ("hashBegin/hashAdd/hashDigest/hashEnd"). Python plans the runs, settles the verdicts,
// retries and records; memory is a few small buffers per request.
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
      writeAll(handle, bytes, pos);
      pos += bytes.byteLength;
    }
    return pos - at;
  },
  async flush({ path }) {
    const opening = handles.get(path.join("/"));
    if (opening) (await opening).flush();
  },
  async close({ path }) {
    const key = path.join("/");
    hashes.get(key)?.stop();          // the handle is going away: so is hashing from it
    const opening = handles.get(key);
    if (!opening) return;
    handles.delete(key);
    const handle = await opening.catch(() => null);
    if (handle) { handle.flush(); handle.close(); }
  },

  // -- ranged fetches straight into a file --------------------------------------------------
  async fetchOpen({ req, url, range }) {
    const controller = new AbortController();
    requests.set(req, { controller, response: null });
    const response = await fetch(url, { cache: "no-store", signal: controller.signal,
                                        headers: { Range: range } });
    const entry = requests.get(req);
    if (!entry) { controller.abort(); throw new DOMException("aborted", "AbortError"); }
    entry.response = response;
    const h = (name) => response.headers.get(name);
    return { status: response.status, etag: h("ETag"), lastModified: h("Last-Modified"),
             contentRange: h("Content-Range"), contentLength: h("Content-Length") };
  },
  // The body of `req` -> the file from byte `at` up to `end` (where the request ends).
  // `chunks`: [[start, end, hex | null], ...], the chunks that end in (at, end]; each is read
  // back and hashed natively once its last byte is stored (hex null: nothing to check) and its
  // verdict posted with the byte count: progress {n, chunks: [[start, end, ok], ...]}.
  // -> {n, overflow, error?} as soon as the body is done (the next request need not wait for
  // the hashes): `n` bytes were written even when the read failed, so the caller continues
  // from there. The verdicts still coming follow, the last progress with `last: true`
  // (and `error` if a check could not be made).
  async fetchRun({ path, req, at, end, chunks, stallMs }, progress) {
    const entry = requests.get(req);
    if (!entry?.response) throw new DOMException("no such request", "AbortError");
    const guard = stallGuard(stallMs, entry.controller);
    const handle = await open(path);
    const hash = hashes.get(path.join("/"));     // a file without a manifest: hashed in order
    const limit = end - at, checks = [], verdicts = [];
    let n = 0, pending = 0, next = 0, overflow = false, error = null;
    const report = (last) => {
      if (pending || verdicts.length || last) {
        progress({ n: pending, chunks: verdicts.splice(0), ...last });
      }
      pending = 0;
    };
    const complete = () => {                    // chunks whose last byte is in the file
      while (next < chunks.length && chunks[next][1] <= at + n) {
        const [start, stop, want] = chunks[next++];
        if (want == null) { verdicts.push([start, stop, true]); continue; }
        checks.push(checkChunk(handle, start, stop, want).then((ok) => {
          verdicts.push([start, stop, ok]);
          report();
        }));
      }
    };
    let live = scratchPool.pop() ?? new ArrayBuffer(SCRATCH);
    try {
      entry.reader ??= entry.response.body.getReader({ mode: "byob" });
      const reader = entry.reader;
      while (n < limit) {
        const { done, value } = await reader.read(new Uint8Array(live, 0, Math.min(SCRATCH, limit - n)));
        guard.fed();
        if (value) live = value.buffer;   // the read moved it: keep the live one
        if (done) break;
        try {
          writeAll(handle, value, at + n);
        } catch (err) {
          error = { where: "store", name: err?.name ?? "Error", message: String(err?.message ?? err) };
          break;
        }
        hash?.add(at + n, at + n + value.length);
        n += value.length;
        pending += value.length;
        complete();
        if (pending >= PROGRESS_EVERY || verdicts.length) report();
      }
      if (n === limit && !error) {            // the body must end here
        const { done, value } = await reader.read(new Uint8Array(live, 0, 1));
        if (value) live = value.buffer;
        if (!done) { overflow = true; await reader.cancel(); }
      }
    } catch (err) {
      error = guard.stalled ? { where: "network", name: "TimeoutError", message: guard.stalled }
        : { where: "network", name: err?.name ?? "Error", message: String(err?.message ?? err) };
    } finally {
      guard.stop();
      if (live.byteLength === SCRATCH) scratchPool.push(live);
    }
    report();
    Promise.all(checks).then(() => report({ last: true }),
                             (err) => report({ last: true, error: String(err?.message ?? err) }));
    return error ? { n, overflow, error } : { n, overflow };
  },
  fetchAbort({ req }) {
    requests.get(req)?.controller.abort();
    requests.delete(req);
  },

  // -- chunks checked against a manifest (app/download/manifest.py) --------------------------
  // [[start, end, hex], ...] -> [true | false, ...]: each chunk read back from the file and
  // hashed natively, at most CHECK_BUFFERS at a time.
  async verifyChunks({ path, chunks }) {
    const handle = await open(path);
    const out = [], running = new Set();
    for (const [i, [start, end, want]] of chunks.entries()) {
      const p = checkChunk(handle, start, end, want).then((ok) => { out[i] = ok; running.delete(p); });
      running.add(p);
      if (running.size >= CHECK_BUFFERS) await Promise.race(running);
    }
    await Promise.all(running);
    return out;
  },

  // Where the chunk digests run: {helper: "unused" | "running" | "dropped", there, here}
  // (chunks hashed by the helper / on this thread). `drop`: drop the helper now, as if it
  // had failed (what a test of the fallback needs).
  digestHelper({ drop }) {
    if (drop) dropHelper();
    const state = helper.dead ? "dropped" : helper.ready ? "running" : "starting";
    return { helper: state, there: helper.hashed, here: hashedHere };
  },

  // -- sha256 of a file in file order, off this thread ----------------------------------------
  hashBegin({ path, ranges }) {
    const key = path.join("/");
    hashes.get(key)?.stop();
    const h = new FileHash(path);
    hashes.set(key, h);
    for (const [s, e] of ranges) h.add(s, e);
  },
  hashAdd({ path, start, end }) {
    hashing(path).add(start, end);
  },
  hashDigest({ path }) {
    return hashing(path).digest();
  },
  hashEnd({ path }) {
    hashes.get(path.join("/"))?.stop();
  },
};

// A body that sends nothing for `ms` (a server or proxy that stops without closing) is
// aborted, so the caller retries from the last byte stored instead of waiting forever.
// Checked once a second against the time of the last read: no timer per read.
function stallGuard(ms, controller) {
  let last = performance.now();
  const guard = {
    stalled: null,
    fed() { last = performance.now(); },
    stop() { clearInterval(timer); },
  };
  const timer = ms > 0 ? setInterval(() => {
    if (performance.now() - last < ms) return;
    guard.stalled = `no bytes for ${Math.round(ms / 1000)} s`;
    clearInterval(timer);
    controller.abort();
  }, Math.min(1000, ms)) : null;
  return guard;
}

function writeAll(handle, part, pos) {
  let done = 0;
  while (done < part.byteLength) {
    const n = handle.write(part.subarray(done), { at: pos + done });
    // Past the quota Chromium may return a bogus count (measured: 2**32 - 8) instead of
    // throwing: anything but progress within this part is treated as out of space.
    if (!(n > 0 && n <= part.byteLength - done)) {
      throw new DOMException(`no space to write at byte ${pos + done}`, "QuotaExceededError");
    }
    done += n;
  }
}

// One stored chunk read back and hashed natively -> Promise<bool>. The digest runs in a nested
// worker (digest-worker.js): Chromium's crypto.subtle.digest hashes inside the call, about
// 5 ms per 5 MiB, and on this thread every request's reads would wait meanwhile (measured:
// 0.37 s of 1.1 s for 256 MiB on loopback). Chunk buffers travel there and back (transferred),
// at most CHECK_BUFFERS. A helper that fails or does not answer within DIGEST_WAIT is dropped
// for good and the chunks are hashed here: a check always ends. One helper hashes about
// 1 GB/s here, more than a download's bytes come in; each more costs memory (measured peak
// renderer RSS at 1 GiB: +123 MiB with two, +80 with one).
const CHECK_BUFFERS = 4;
const DIGEST_WAIT = 5000;
const checkBuffers = { free: [], made: 0, waiting: [] };
const helper = { worker: null, ready: false, dead: false, calls: new Map(), next: 0, hashed: 0 };
let hashedHere = 0;

async function checkBuffer(n) {
  for (;;) {
    const buf = checkBuffers.free.pop();
    if (buf && buf.byteLength >= n) return buf;
    if (buf || checkBuffers.made < CHECK_BUFFERS) {   // too small (a short last chunk): replace
      checkBuffers.made += buf ? 0 : 1;
      return new Uint8Array(n);
    }
    await new Promise((resolve) => checkBuffers.waiting.push(resolve));
  }
}

function giveBack(buf) {
  if (buf) checkBuffers.free.push(buf);
  else checkBuffers.made -= 1;            // it went down with a dropped helper
  checkBuffers.waiting.shift()?.();
}

// Started with this worker, before any download: its script is fetched like any other
// request, and once 6 bodies hold the browser's 6 connections to the host it would wait for
// one of them to end (measured: the first chunks' checks waited over 5 s at 1 MiB/s per
// connection). Used only once it says it is ready; until then chunks are hashed here.
function startHelper() {
  try {
    helper.worker = new Worker("digest-worker.js");
  } catch {
    helper.dead = true;
    return;
  }
  helper.worker.onmessage = ({ data }) => {
    if (data.ready) { helper.ready = true; return; }
    const call = helper.calls.get(data.id);
    if (!call) return;
    helper.calls.delete(data.id);
    clearTimeout(call.timer);
    if (data.hex) helper.hashed += 1;
    call.resolve({ hex: data.hex ?? null, buf: data.buf });
  };
  helper.worker.onerror = (event) => { event.preventDefault(); dropHelper(); };
}

// -> Promise<{hex, buf}> from the helper (hex null: it could not hash), or null when there is
// no helper (yet, or any more): the caller hashes here. `buf` is transferred and comes back.
function helperDigest(buf, n) {
  if (helper.dead || !helper.ready) return null;
  return new Promise((resolve) => {
    const id = ++helper.next;
    helper.calls.set(id, { resolve, timer: setTimeout(dropHelper, DIGEST_WAIT) });
    helper.worker.postMessage({ id, buf, length: n }, [buf.buffer]);
  });
}

function dropHelper() {
  helper.dead = true;
  helper.worker?.terminate();
  for (const call of helper.calls.values()) {
    clearTimeout(call.timer);
    call.resolve({ hex: null, buf: null });     // its buffer is lost with it
  }
  helper.calls.clear();
}

async function checkChunk(handle, start, end, want) {
  const n = end - start;
  for (;;) {
    let buf = await checkBuffer(n), got = null;
    try {
      if (handle.read(buf.subarray(0, n), { at: start }) !== n) return false;
      const answer = helperDigest(buf, n);
      if (answer) ({ hex: got, buf } = await answer);
      if (got !== null) return got === want;
      if (buf) {
        hashedHere += 1;
        return hex(await crypto.subtle.digest("SHA-256", buf.subarray(0, n))) === want;
      }
    } finally {
      giveBack(buf);                            // null: lost with a dropped helper
    }
    // The buffer went down with the helper: read the chunk again and hash it here.
  }
}

function hex(digest) {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

const SCRATCH = 256 * 1024;          // one network read at most
const PROGRESS_EVERY = 1 << 20;
const scratchPool = [];
const requests = new Map();          // req -> {controller, response, reader}

const HASH_PIECE = 4 << 20;          // read back and hashed this much at a time
const HASH_BUFFERS = 3;              // pieces on their way to the hashing worker
const hashes = new Map();            // path key -> FileHash

function hashing(path) {
  const h = hashes.get(path.join("/"));
  if (!h) throw new DOMException("hashing was not started for this file", "InvalidStateError");
  return h;
}

// Feeds the bytes stored in front of it, in order, to a nested sha256 worker; the pieces are
// transferred there and come back for reuse.
class FileHash {
  constructor(path) {
    this.path = path;
    this.front = 0;                   // next byte to read back
    this.stored = [];                 // merged [start, end) known to be in the file
    this.free = [];
    this.out = 0;                     // pieces at the worker
    this.pumping = false;
    this.waiting = [];                // digest() callers: [resolve, reject]
    this.asked = false;
    this.error = null;
    this.worker = new Worker("sha256-worker.js");
    this.worker.onmessage = ({ data }) => this.message(data);
    this.worker.onerror = (event) => { event.preventDefault(); this.fail(new Error(event.message || "the hashing worker failed")); };
  }
  add(start, end) {
    const all = [...this.stored, [start, end]].sort((a, b) => a[0] - b[0]);
    this.stored = [];
    for (const [s, e] of all) {
      const last = this.stored[this.stored.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else if (e > s) this.stored.push([s, e]);
    }
    this.pump();
  }
  readable() {                         // end of the stored run the front is in
    for (const [s, e] of this.stored) if (s <= this.front && this.front < e) return e;
    return this.front;
  }
  async pump() {
    if (this.pumping || this.error) return;
    this.pumping = true;
    try {
      while (this.readable() > this.front && this.out < HASH_BUFFERS) {
        const n = Math.min(HASH_PIECE, this.readable() - this.front);
        // Bytes come in network-read pieces: wait for a whole one unless a digest is asked.
        if (n < HASH_PIECE && !this.waiting.length) break;
        const handle = await open(this.path);
        if (this.stopped) return;
        let buf = this.free.pop();
        if (!buf || buf.byteLength < n) buf = new Uint8Array(HASH_PIECE);
        const got = handle.read(buf.subarray(0, n), { at: this.front });
        if (got !== n) throw new Error(`read ${got} of ${n} bytes at ${this.front} back from the file`);
        this.worker.postMessage({ op: "chunk", at: this.front, buf, length: n }, [buf.buffer]);
        this.front += n;
        this.out += 1;
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.pumping = false;
    }
    this.settle();
  }
  message(data) {
    if (data.op === "free") {
      this.out -= 1;
      this.free.push(data.buf);
      this.pump();
    } else if (data.op === "digest") {
      this.asked = false;
      for (const [resolve] of this.waiting.splice(0)) resolve({ pos: data.pos, hex: data.hex });
    } else if (data.op === "error") {
      this.fail(new Error(data.message));
    }
  }
  settle() {                           // everything readable is hashed: answer digest()
    if (this.waiting.length && !this.asked && !this.pumping && this.out === 0
        && this.readable() === this.front) {
      this.asked = true;
      this.worker.postMessage({ op: "digest" });
    }
  }
  digest() {
    if (this.error) return Promise.reject(this.error);
    const answer = new Promise((resolve, reject) => this.waiting.push([resolve, reject]));
    this.pump();                       // the last piece, shorter than the others
    return answer;
  }
  fail(err) {
    this.error ??= err;
    for (const [, reject] of this.waiting.splice(0)) reject(this.error);
  }
  stop() {
    this.stopped = true;
    this.worker.terminate();
    this.fail(new DOMException("hashing stopped", "AbortError"));
    if (hashes.get(this.path.join("/")) === this) hashes.delete(this.path.join("/"));
  }
}

startHelper();

onmessage = async ({ data: { id, op, args } }) => {
  try {
    const progress = (n) => postMessage({ id, progress: n });
    postMessage({ id, ok: true, value: await ops[op](args ?? {}, progress) });
  } catch (err) {
    postMessage({ id, ok: false, name: err?.name ?? "Error", message: String(err?.message ?? err) });
  }
};
