"""Download: our parallel ranged downloader against a plain fetch and the guide's fetchInChunks.

Measured in headless Chromium on a fresh on-disk profile (not Playwright's default
off-the-record context, where OPFS lives in memory and is several times slower) driven with
no DevTools client but `Runtime.evaluate` (tools/cdp.py: Playwright's network instrumentation
keeps its own copy of response bodies in the renderer and slows transfers), against a
loopback server (the test suite's fault server: the dev server's handler with TCP_NODELAY,
a per-connection bandwidth cap and a byte counter; unpaced 1 MiB writes while no fault acts):
- throughput on loopback: ours (6 x 5 MiB ranges, written into OPFS, verified) next to one plain
  `fetch` whose body is read and dropped, with a chunk manifest (every chunk checked natively on
  arrival; target >= 0.9x) and without one (the streaming whole-file hash, hash-wasm), next to
  each verification path's ceiling: its hashing alone on this machine;
- throughput through a capped link (the fault server's cap on every connection together, like
  a real access link): 100 Mbit/s and 1 Gbit/s, ours with and without a manifest next to one
  plain fetch through the same cap (target >= 0.95x);
- bytes sent again after one corrupted chunk (target: at most one chunk);
- with a per-connection bandwidth cap: ours with 6 parallel chunks vs one stream (>= 5x), on a
  120 MiB file at 4 MiB/s per connection: one stream takes 30 s, so a download's fixed costs
  (probe, first 206 before fanning out, hashing the last bytes, commit: about 0.5 s here) weigh
  as they do for a model of that size, and the rate keeps the test about parallelism, not CPU
  (24 MiB/s in all; on a 60 MiB file the same costs gave about 4.8x here);
- peak renderer RSS (read from /proc for the launched Chromium's renderer processes) while
  downloading and storing a 256 MiB and a 1 GiB file, ours next to the guide's
  `fetchInChunks` + whole Blob written to OPFS (target: ours <= 150 MiB above idle, flat);
- bytes sent again after the server goes away at 50% and the download is resumed.
"""
import hashlib
import os
import statistics
import tempfile
import time
from pathlib import Path

from app.download.manifest import make_manifest
from tools import faultserver, site
from tools.bench.report import Result, Target, environment, summary
from tools.cdp import Chromium
from tools.procmem import PeakSampler, rss_bytes

MiB = 1 << 20
THROUGHPUT_SIZE = 256 * MiB
MANIFEST_CHUNK = 5 * MiB
LINKS = ((100_000_000 // 8, 64 * MiB, "100 Mbit/s"), (1_000_000_000 // 8, 256 * MiB, "1 Gbit/s"))
CAP_SIZE = 120 * MiB
CAP_RATE = 4 * MiB                 # bytes/s per connection
MEMORY_SIZES = (256 * MiB, 1024 * MiB)
RESUME_SIZE = 128 * MiB
READY = "html[data-app-state=ready], html[data-app-state=error]"

# The guide's helper, as published (only `export default` dropped), and its storing step.
GUIDE_FETCH_IN_CHUNKS = """
async function fetchInChunks(url, chunkSize = 5 * 1024 * 1024, maxParallelRequests = 6,
                             progressCallback = null, signal = null) {
  async function getFileSize(url, signal) {
    const response = await fetch(url, { method: 'HEAD', signal });
    if (!response.ok) throw new Error('Failed to fetch the file size');
    const contentLength = response.headers.get('content-length');
    if (!contentLength) throw new Error('Content-Length header is missing');
    return parseInt(contentLength, 10);
  }
  async function fetchChunk(url, start, end, signal) {
    const response = await fetch(url, { headers: { Range: `bytes=${start}-${end}` }, signal });
    if (!response.ok && response.status !== 206) throw new Error('Failed to fetch chunk');
    return await response.arrayBuffer();
  }
  async function downloadChunks(url, fileSize, chunkSize, maxParallelRequests, progressCallback, signal) {
    let chunks = [];
    let queue = [];
    let start = 0;
    let downloadedBytes = 0;
    async function processQueue() {
      while (start < fileSize) {
        if (queue.length < maxParallelRequests) {
          let end = Math.min(start + chunkSize - 1, fileSize - 1);
          let promise = fetchChunk(url, start, end, signal)
            .then((chunk) => {
              chunks.push({ start, chunk });
              downloadedBytes += chunk.byteLength;
              if (progressCallback) progressCallback(downloadedBytes, fileSize);
              queue = queue.filter((p) => p !== promise);
            })
            .catch((err) => { throw err; });
          queue.push(promise);
          start += chunkSize;
        }
        if (queue.length >= maxParallelRequests) await Promise.race(queue);
      }
      await Promise.all(queue);
    }
    await processQueue();
    return chunks.sort((a, b) => a.start - b.start).map((chunk) => chunk.chunk);
  }
  const fileSize = await getFileSize(url, signal);
  const chunks = await downloadChunks(url, fileSize, chunkSize, maxParallelRequests, progressCallback, signal);
  const blob = new Blob(chunks);
  return blob;
}
"""

PLAIN_FETCH = """
async (url) => {
  const t0 = performance.now();
  const response = await fetch(url, { cache: 'no-store' });
  const reader = response.body.getReader();
  let n = 0;
  for (;;) { const { done, value } = await reader.read(); if (done) break; n += value.length; }
  return [performance.now() - t0, n];
}
"""

# sha256 alone, as a download computes it: 4 MiB pieces (copied from memory here, read back
# from the file there) transferred to static/js/sha256-worker.js (hash-wasm), 3 in flight.
# The ceiling of a verified download's throughput on this machine.
HASH_ALONE = """
async (size) => {
  const PIECE = 4 << 20;   // as FileHash in opfs-worker.js
  const source = new Uint8Array(PIECE);
  for (let i = 0; i < PIECE; i += 65536) crypto.getRandomValues(source.subarray(i, i + 65536));
  const worker = new Worker('js/sha256-worker.js');
  try {
    const t0 = performance.now();
    let sent = 0;
    await new Promise((resolve, reject) => {
      const send = (buf) => {
        if (sent >= size) return;
        buf.set(source);
        worker.postMessage({ op: 'chunk', at: sent, buf, length: PIECE }, [buf.buffer]);
        sent += PIECE;
        if (sent >= size) worker.postMessage({ op: 'digest' });
      };
      worker.onmessage = ({ data }) => {
        if (data.op === 'free') send(data.buf);
        else if (data.op === 'digest') resolve(data);
        else if (data.op === 'error') reject(new Error(data.message));
      };
      worker.onerror = (event) => reject(new Error(event.message));
      for (let i = 0; i < 3; i++) send(new Uint8Array(PIECE));
    });
    return performance.now() - t0;
  } finally {
    worker.terminate();
  }
}
"""

# A manifest file's checks alone: 5 MiB chunks, crypto.subtle.digest, 6 at a time (what the
# downloads in flight ask for at once), the bytes copied from memory. That path's ceiling here.
DIGEST_ALONE = """
async (size) => {
  const CHUNK = 5 << 20;
  const source = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i += 65536) crypto.getRandomValues(source.subarray(i, i + 65536));
  const t0 = performance.now();
  const running = new Set();
  for (let at = 0; at < size; at += CHUNK) {
    const p = crypto.subtle.digest('SHA-256', source).then(() => running.delete(p));
    running.add(p);
    if (running.size >= 6) await Promise.race(running);
  }
  await Promise.all(running);
  return performance.now() - t0;
}
"""

# One plain fetch written into OPFS by the same worker code a download uses (opfs-worker.js:
# fetchOpen + one fetchRun of the whole body, no chunk to check, then a flush), no Python, no
# hashing: what storing alone costs next to the plain fetch that drops its bytes.
STORE_ALONE = """
async (url, size) => {
  const worker = new Worker('js/opfs-worker.js');
  const pending = new Map();
  let id = 0;
  worker.onmessage = ({ data }) => {
    if (data.progress !== undefined) return;
    const [resolve, reject] = pending.get(data.id);
    pending.delete(data.id);
    data.ok ? resolve(data.value) : reject(new Error(data.message));
  };
  const call = (op, args) => new Promise((resolve, reject) => {
    pending.set(++id, [resolve, reject]);
    worker.postMessage({ id, op, args });
  });
  const path = ['bench-store-alone', 'f.bin'];
  try {
    const t0 = performance.now();
    await call('fetchOpen', { req: 1, url: new URL(url, location.href).href,
                              range: `bytes=0-${size - 1}` });
    const read = await call('fetchRun', { path, req: 1, at: 0, end: size, chunks: [] });
    await call('flush', { path });
    const ms = performance.now() - t0;
    if (read.error || read.n !== size) throw new Error(JSON.stringify(read));
    await call('close', { path });
    return ms;
  } finally {
    worker.terminate();
    await (await navigator.storage.getDirectory()).removeEntry('bench-store-alone', { recursive: true })
      .catch(() => {});
  }
}
"""

OURS = """
import time
from app.download.catalog import ChunksRef, Model, ModelFile
from app.download.fetcher import ModelDownload
from app.download.plan import RetryPolicy
from app.storage import get_store

async def bench_ours(model_id, url, size, sha, parallel=6, chunk_size=5 << 20, keep=False,
                     retries=5, chunks=None):
    store = get_store("opfs")
    ref = ChunksRef(url + ".chunks.json", chunks) if chunks else None
    model = Model(model_id, model_id, (ModelFile(url.rsplit("/", 1)[1], url, size, sha, ref),))
    marks = {}
    def on_progress(p):
        if p.state == "verifying" and "verify" not in marks:
            marks["verify"] = time.perf_counter()
    t0 = time.perf_counter()
    download = ModelDownload(model, store, parallel=parallel, chunk_size=chunk_size,
                             on_progress=on_progress,
                             retry=RetryPolicy(retries=retries, base_delay=0.05, max_delay=0.1))
    try:
        await download.run()
        ok, error = True, None
    except Exception as exc:
        ok, error = False, str(exc)
    t1 = time.perf_counter()
    if not keep:
        await store.delete(model.key(model.files[0]))
    return {"ok": ok, "error": error, "ms": (t1 - t0) * 1000,
            "download_ms": (marks.get("verify", t1) - t0) * 1000}
True
"""


def make_file(folder, name, size):
    """Pseudo-random bytes (cheap to make, not compressible) and their chunk manifest
    (`<name>.chunks.json`, as build.py writes for the models we serve); -> (path, sha256,
    the manifest's sha256)."""
    path = Path(folder) / name
    digest = hashlib.sha256()
    chunks = []
    block = os.urandom(MiB)
    with open(path, "wb") as f:
        for i in range(size // MiB):
            piece = i.to_bytes(8, "little") + block[8:]
            f.write(piece)
            digest.update(piece)
    manifest = make_manifest(path, MANIFEST_CHUNK).to_json()
    (Path(folder) / (name + ".chunks.json")).write_bytes(manifest)
    return path, digest.hexdigest(), hashlib.sha256(manifest).hexdigest()


def renderer_pids():
    """Renderer processes of every Chromium started below this process (via /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            todo.append(child)
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"--type=renderer" in cmd:
                out.append(child)
    return out


class PeakRss(PeakSampler):
    """Samples renderer RSS every 20 ms on a thread; `.peak` after the `with` block."""

    def __init__(self):
        super().__init__(lambda: rss_bytes(renderer_pids()), every=0.02)


def idle_rss():
    time.sleep(1.5)
    samples = []
    for _ in range(5):
        samples.append(rss_bytes(renderer_pids()))
        time.sleep(0.1)
    return statistics.median(samples)


class Profile:
    """Chromium on a fresh on-disk profile of its own, driven through tools/cdp.py (why both:
    see the module docstring)."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="bench-download-profile-")
        self.browser = Chromium(self.dir.name)
        self.version = self.browser.version

    def close(self):
        self.browser.close()
        self.dir.cleanup()


def boot(base):
    browser = Profile()
    page = browser.browser.new_page(base + "/")
    page.wait_for(f"document.querySelector({READY!r}) !== null", timeout=120)
    if page.evaluate("document.documentElement.dataset.appState") != "ready":
        raise RuntimeError("the app did not boot: " + page.evaluate("document.body.innerText")[:300])
    page.call("c => appPython(c)", OURS)
    return browser, page


def ours(page, model_id, url, size, sha, **kw):
    opts = "".join(f", {k}={v!r}" for k, v in kw.items())
    result = page.call("c => appPython(c)",
                       f"await bench_ours({model_id!r}, {url!r}, {size}, {sha!r}{opts})")
    if not result["ok"]:
        raise RuntimeError(f"our download failed: {result['error']}")
    return result


SAMPLES = (
    "loopback plain fetch ms", "loopback ours manifest ms", "loopback ours whole-file hash ms",
    "loopback ours whole-file hash download phase ms",
    "sha256 alone ms", "native digest alone ms", "one fetch stored in OPFS alone ms",
    *(f"link {label} {who} ms" for _, _, label in LINKS
      for who in ("plain fetch", "ours manifest", "ours whole-file hash")),
    "corrupt chunk bytes sent again MiB",
    "capped one stream ms", "capped ours 6 parallel ms",
    "rss idle MiB", "rss ours 256MiB above idle MiB", "rss ours 1GiB above idle MiB",
    "rss ours whole-file hash 1GiB above idle MiB",
    "rss guide 256MiB above idle MiB", "rss guide 1GiB above idle MiB",
    "resume bytes sent again MiB")


def run(runs=5):
    samples = {name: [] for name in SAMPLES}
    # BENCH_DOWNLOAD_MEMORY=0 skips the memory rounds (a fresh browser per measurement).
    mem_runs = max(1, min(runs, 3)) if os.environ.get("BENCH_DOWNLOAD_MEMORY") != "0" else 0
    with tempfile.TemporaryDirectory(prefix="bench-download-") as folder:
        files = {}
        for size in {THROUGHPUT_SIZE, CAP_SIZE, RESUME_SIZE, *MEMORY_SIZES,
                     *(size for _, size, _ in LINKS)}:
            name = f"f{size // MiB}.bin"
            files[size] = (f"files/{name}", *make_file(folder, name, size)[1:])
        server, base, state = faultserver.start(site.SITE, folder)
        version = "unknown"
        try:
            browser, page = boot(base)
            version = browser.version
            try:
                for i in range(runs):
                    one_round(page, state, files, samples, i, runs)
            finally:
                browser.close()
            for i in range(mem_runs):
                memory_round(base, state, files, samples, i, mem_runs)
        finally:
            server.shutdown()
            server.server_close()
    return report(samples, version)


def one_round(page, state, files, samples, i, runs):
    tag = f"  run {i + 1}/{runs}"
    url, sha, chunks = files[THROUGHPUT_SIZE]
    state.reset()
    ms, n = page.call(PLAIN_FETCH, url)
    assert n == THROUGHPUT_SIZE
    samples["loopback plain fetch ms"].append(ms)
    with_manifest = ours(page, f"tpm{i}", url, THROUGHPUT_SIZE, sha, chunks=chunks)
    samples["loopback ours manifest ms"].append(with_manifest["ms"])
    plain_hash = ours(page, f"tp{i}", url, THROUGHPUT_SIZE, sha)
    samples["loopback ours whole-file hash ms"].append(plain_hash["ms"])
    samples["loopback ours whole-file hash download phase ms"].append(plain_hash["download_ms"])
    samples["sha256 alone ms"].append(page.call(HASH_ALONE, THROUGHPUT_SIZE))
    samples["native digest alone ms"].append(page.call(DIGEST_ALONE, THROUGHPUT_SIZE))
    samples["one fetch stored in OPFS alone ms"].append(page.call(STORE_ALONE, url, THROUGHPUT_SIZE))
    print(f"{tag} loopback: plain {ms:.0f} ms, ours with manifest {with_manifest['ms']:.0f} ms, "
          f"whole-file hash {plain_hash['ms']:.0f} ms (download {plain_hash['download_ms']:.0f} ms)",
          flush=True)

    for rate, size, label in LINKS:
        url, sha, chunks = files[size]
        state.reset(link_bandwidth=rate)
        one, _ = page.call(PLAIN_FETCH, url)
        samples[f"link {label} plain fetch ms"].append(one)
        state.reset(link_bandwidth=rate)
        m = ours(page, f"lm{i}{size}", url, size, sha, chunks=chunks)["ms"]
        samples[f"link {label} ours manifest ms"].append(m)
        state.reset(link_bandwidth=rate)
        h = ours(page, f"lh{i}{size}", url, size, sha)["ms"]
        samples[f"link {label} ours whole-file hash ms"].append(h)
        print(f"{tag} link capped at {label} in total, {size // MiB} MiB: plain {one:.0f} ms, "
              f"ours with manifest {m:.0f} ms, whole-file hash {h:.0f} ms", flush=True)

    url, sha, chunks = files[RESUME_SIZE]
    state.reset()
    state.corrupt_chunk(7, 4321, MANIFEST_CHUNK)
    ours(page, f"bad{i}", url, RESUME_SIZE, sha, chunks=chunks)
    again = (state.stats.bytes_sent - RESUME_SIZE) / MiB
    samples["corrupt chunk bytes sent again MiB"].append(again)
    print(f"{tag} one corrupted chunk: {again:.1f} MiB sent again", flush=True)

    url, sha, chunks = files[CAP_SIZE]
    state.reset(bandwidth=CAP_RATE)
    one, _ = page.call(PLAIN_FETCH, url)
    samples["capped one stream ms"].append(one)
    r = ours(page, f"cap{i}", url, CAP_SIZE, sha, chunks=chunks)
    samples["capped ours 6 parallel ms"].append(r["ms"])
    print(f"{tag} capped {CAP_RATE // MiB} MiB/s per connection: "
          f"one stream {one:.0f} ms, ours {r['ms']:.0f} ms", flush=True)

    url, sha, chunks = files[RESUME_SIZE]
    state.reset(down_after=RESUME_SIZE // 2)
    first = page.call("c => appPython(c)", f"await bench_ours('res{i}', {url!r}, "
                      f"{RESUME_SIZE}, {sha!r}, keep=True, retries=2, chunks={chunks!r})")
    sent = state.stats.bytes_sent
    state.reset()
    ours(page, f"res{i}", url, RESUME_SIZE, sha, chunks=chunks)
    again = (sent + state.stats.bytes_sent - RESUME_SIZE) / MiB
    samples["resume bytes sent again MiB"].append(again)
    print(f"{tag} interrupted at 50% ({(first['error'] or '')[:40]}...), "
          f"resumed: {again:.1f} MiB sent again", flush=True)


def memory_round(base, state, files, samples, i, mem_runs):
    for size in MEMORY_SIZES:
        url, sha, chunks = files[size]
        label = f"{size // MiB}MiB" if size < 1024 * MiB else "1GiB"
        whos = ["ours", "guide"] + (["ours whole-file hash"] if size == MEMORY_SIZES[-1] else [])
        for who in whos:
            browser, page = boot(base)     # a fresh renderer per measurement
            try:
                state.reset()
                idle = idle_rss()
                with PeakRss() as peak:
                    if who == "ours":
                        ours(page, f"mem{i}", url, size, sha, chunks=chunks)
                    elif who == "guide":
                        page.call(GUIDE_JS, url)
                    else:
                        ours(page, f"memh{i}", url, size, sha)
                above = (peak.peak - idle) / MiB
                samples[f"rss {who} {label} above idle MiB"].append(above)
                samples["rss idle MiB"].append(idle / MiB)
                print(f"  run {i + 1}/{mem_runs} {who} {label}: idle {idle / MiB:.0f} MiB, "
                      f"peak +{above:.0f} MiB", flush=True)
            finally:
                browser.close()


GUIDE_JS = "async (url) => {" + GUIDE_FETCH_IN_CHUNKS + """
  const blob = await fetchInChunks(url);
  const root = await navigator.storage.getDirectory();
  const handle = await root.getFileHandle('guide-bench.bin', { create: true });
  const writable = await handle.createWritable();
  await writable.write(blob);
  await writable.close();
  await root.removeEntry('guide-bench.bin');
  return blob.size;
}"""


def median(samples, name):
    return summary(samples[name])["median"]


def report(samples, version):
    med = lambda name: median(samples, name)          # noqa: E731
    ratio = lambda a, b: a / b if a and b else 0.0    # noqa: E731  (a plain ms / ours ms)
    plain = med("loopback plain fetch ms")
    loop_manifest = ratio(plain, med("loopback ours manifest ms"))
    loop_hash = ratio(plain, med("loopback ours whole-file hash ms"))
    speedup = ratio(med("capped one stream ms"), med("capped ours 6 parallel ms"))
    rss_small = med("rss ours 256MiB above idle MiB")
    rss_big = med("rss ours 1GiB above idle MiB")
    resent = med("resume bytes sent again MiB")
    bad_resent = med("corrupt chunk bytes sent again MiB")
    rows = []
    for name, values in samples.items():
        st = summary(values)
        rows.append([name, st["median"], st["min"], st["max"], st["n"]])
    mb_s = lambda ms, size: size / MiB / (ms / 1000) if ms else 0.0   # noqa: E731
    hash_ms, digest_ms = med("sha256 alone ms"), med("native digest alone ms")
    rows += [
        ["loopback plain fetch MiB/s", mb_s(plain, THROUGHPUT_SIZE), "", "", ""],
        ["loopback ours with manifest MiB/s", mb_s(med("loopback ours manifest ms"), THROUGHPUT_SIZE), "", "", ""],
        ["loopback ours whole-file hash MiB/s", mb_s(med("loopback ours whole-file hash ms"), THROUGHPUT_SIZE), "", "", ""],
        ["ceiling, whole-file hash: sha256 alone MiB/s (hash-wasm, worker)", mb_s(hash_ms, THROUGHPUT_SIZE), "", "", ""],
        ["ceiling, manifest: native digest alone MiB/s (crypto.subtle, 6 at a time)", mb_s(digest_ms, THROUGHPUT_SIZE), "", "", ""],
        ["ceiling, storing: one fetch written into OPFS alone MiB/s", mb_s(med("one fetch stored in OPFS alone ms"), THROUGHPUT_SIZE), "", "", ""],
    ]
    targets = [
        Target("loopback throughput with a chunk manifest, ours (stored + verified) / plain fetch",
               loop_manifest, "x", ">= 0.9", loop_manifest >= 0.9),
    ]
    for _, size, label in LINKS:
        link_plain = med(f"link {label} plain fetch ms")
        for who, what in (("ours manifest", "with a manifest"),
                          ("ours whole-file hash", "without (whole-file hash)")):
            r = ratio(link_plain, med(f"link {label} {who} ms"))
            targets.append(Target(f"link capped at {label} in total, {size // MiB} MiB, ours "
                                  f"{what} / plain fetch", r, "x", ">= 0.95", r >= 0.95))
    targets += [
        Target("bytes sent again after one corrupted chunk", bad_resent, "MiB",
               f"<= {MANIFEST_CHUNK // MiB} (one chunk)", bad_resent <= MANIFEST_CHUNK / MiB),
        Target(f"speed-up of 6 parallel chunks over one stream at {CAP_RATE // MiB} MiB/s "
               "per connection", speedup, "x", ">= 5", speedup >= 5),
        *([Target("peak renderer RSS above idle, ours, 1 GiB file", rss_big, "MiB", "<= 150",
                  rss_big <= 150),
           Target("peak renderer RSS growth from 256 MiB to 1 GiB file, ours (flat)",
                  rss_big - rss_small, "MiB", "<= 50", rss_big - rss_small <= 50)]
          if rss_big is not None and rss_small is not None else []),
        Target("bytes sent again after an interruption at 50%", resent, "MiB",
               "<= 30 (6 x 5 MiB in flight)", resent <= 30),
    ]
    return Result(
        suite="download",
        columns=["measurement", "median", "min", "max", "runs"],
        rows=rows,
        samples=samples,
        targets=targets,
        environment=environment(version),
        notes=[f"loopback file {THROUGHPUT_SIZE // MiB} MiB; capped file {CAP_SIZE // MiB} MiB; "
               f"resume and corrupt-chunk file {RESUME_SIZE // MiB} MiB; store: OPFS; "
               f"manifests of {MANIFEST_CHUNK // MiB} MiB chunks",
               "ours = with a chunk manifest unless it says whole-file hash; plain fetch drops the bytes",
               f"loopback, ours without a manifest: {loop_hash:.2f}x of the plain fetch",
               f"ceilings (hashing alone vs the plain fetch): whole-file hash "
               f"{ratio(plain, hash_ms):.2f}x, native chunk digests {ratio(plain, digest_ms):.2f}x, "
               f"one fetch stored in OPFS (no hashing) "
               f"{ratio(plain, med('one fetch stored in OPFS alone ms')):.2f}x",
               "guide = fetchInChunks (whole Blob in memory) then written to OPFS",
               "browser driven without DevTools network instrumentation (tools/cdp.py)"],
    )
