"""Storage benchmark: how fast each store keeps and gives back a model on this device.

For every size, one random Blob is made in JS; each path stores it and restores it several
times (after warm-up runs), every step timed with performance.mark/measure so it also shows
in DevTools' Performance panel as `bench:<path>:<store|restore>:<size>MiB:<run>[.<read>]`.
- store: from the Blob to a complete entry (Python: `Store.save_blob`);
- restore: from nothing to a Blob read to its last byte (what an engine loading a model does),
  `RESTORES` times per store, their mean the round's sample;
- ready: from nothing to the embedded SmolLM2 model loaded in wllama from that store
  (`bench:engine:<path>:ready:<run>`), next to the same load from a Blob in memory.
The runs are interleaved (round 1 of every path, then round 2, ...), so a change in the
machine's load hits every path alike and the ratios compare like with like. Every timed step
starts from a settled browser (`_settle`): the previous step's garbage collected and its
background work done, so it is not billed to whichever step comes next.
Paths are the Python stores (`py-cache`, `py-opfs` = worker with sync access handles,
`py-opfs-main` = createWritable on the main thread, `py-idb`) and the same operations in plain
JS as the Chrome guide writes them (`js-cache`, `js-opfs`, `js-idb`, static/bench/guide-stores.js),
so the report shows Python's overhead as a ratio. Failed paths and impossible speeds are
flagged and left out of the ratios and the "fastest" pick.
"""
import asyncio
import gc
import statistics

DEFAULT_SIZES_MIB = (16, 64, 256)
PATHS = ("py-cache", "py-opfs", "py-opfs-main", "py-idb", "js-cache", "js-opfs", "js-idb")
DIRECTIONS = ("store", "restore")
ENGINE_PATHS = ("memory", "py-cache", "py-opfs", "py-idb")
MAX_PLAUSIBLE_MB_S = 20_000     # above memory bandwidth: a measurement that did no real work
KEY = "bench/model.bin"
SETTLE_S = 0.3      # quiet time before each timed step (see _settle)
RESTORES = 3        # restores per store and round (see _Path.round)


# -- pure statistics (CPython-testable) --------------------------------------------------
def summarize(samples_ms, size):
    if not samples_ms:
        return {"median": None, "min": None, "max": None, "n": 0, "mb_s": None}
    median = statistics.median(samples_ms)
    return {"median": median, "min": min(samples_ms), "max": max(samples_ms),
            "n": len(samples_ms), "mb_s": (size / 1e6) / (median / 1000) if median > 0 else None}


def flags(entry):
    out = []
    if entry.get("error"):
        out.append(f"failed: {entry['error']}")
    for d in (d for d in (*DIRECTIONS, "ready") if d in entry):
        stats = entry[d] or {}
        if not entry.get("error") and not stats.get("n"):
            out.append(f"{d}: no samples")
        if stats.get("mb_s") and stats["mb_s"] > MAX_PLAUSIBLE_MB_S:
            out.append(f"{d}: {stats['mb_s']:,.0f} MB/s is faster than memory; not a real measurement")
    return out


def ratios(results, size_mib):
    """Python throughput / plain-JS throughput per store and direction at one size (see
    `paired_ratio`) when both paths have the same rounds, else the ratio of the medians."""
    by = {(r["path"], r["size_mib"]): r for r in results if not r["flags"]}
    out = {}
    for kind in ("cache", "opfs", "idb"):
        py, plain = by.get((f"py-{kind}", size_mib)), by.get((f"js-{kind}", size_mib))
        if py and plain:
            out[kind] = {}
            for d in DIRECTIONS:
                js_ms = (plain.get("samples_ms") or {}).get(d) or []
                py_ms = (py.get("samples_ms") or {}).get(d) or []
                if js_ms and len(js_ms) == len(py_ms) == py[d]["n"] == plain[d]["n"]:
                    out[kind][d] = paired_ratio(js_ms, py_ms)
                elif py[d]["mb_s"] and plain[d]["mb_s"]:
                    out[kind][d] = py[d]["mb_s"] / plain[d]["mb_s"]
    return out


def paired_ratio(js_ms, py_ms):
    """JS time / Python time: the median over every two consecutive rounds of their summed times.
    Two consecutive rounds ran the pair in opposite orders (`round_order`), so each window has
    one of each path going first. Whatever the steps before leave behind lands on whichever
    path goes first: on this VM, memory freed by one step is handed back to the hypervisor
    within ~2 s and the next step that needs as much faults it back in, which made single
    rounds' ratios bimodal (0.3 or 3) and their median flip between runs. Summed over a
    window, both sides carry that cost once."""
    if len(js_ms) < 2:
        return js_ms[0] / py_ms[0]
    return statistics.median((js_ms[i] + js_ms[i + 1]) / (py_ms[i] + py_ms[i + 1])
                             for i in range(len(js_ms) - 1))


def round_order(paths, run):
    """The groups of one round: each Python path right next to its plain-JS twin, the one
    going first alternating from round to round (a path without a twin is a group alone)."""
    out, seen = [], set()
    for path in paths:
        if path in seen:
            continue
        twin = ("js-" if path.startswith("py-") else "py-") + path[3:]
        group = [path, twin] if twin in paths else [path]
        seen.update(group)
        out.append(group if run % 2 == 0 else group[::-1])
    return out


def fastest(results):
    """The writable store whose Python path stores and restores the largest size quickest."""
    usable = [r for r in results if r["path"].startswith("py-") and not r["flags"]]
    if not usable:
        return None
    largest = max(r["size_mib"] for r in usable)
    best = min((r for r in usable if r["size_mib"] == largest),
               key=lambda r: r["store"]["median"] + r["restore"]["median"])
    return best["path"].split("-")[1]     # py-opfs-main is still the "opfs" store


# -- the run (browser) ---------------------------------------------------------------------
async def _settle():
    """Let the previous step finish before the next is timed. A restored Blob keeps its store's
    entry alive in the browser until V8 collects it; collected at a random later moment, the
    entry's cleanup (files deleted, indexes rewritten) lands in some other step's time: A/A runs
    of one identical Cache API put showed 3-5x outliers in a quarter of the rounds, gone when
    each step starts after a collection. `gc()` exists when Chromium runs with
    --js-flags=--expose-gc (`build.py bench storage` does); the pause lets the browser's
    background work (IndexedDB's blob files, the cache's index) finish either way."""
    import js
    gc.collect()                      # Python's references to JS objects first
    if hasattr(js, "gc"):
        js.gc()
    await asyncio.sleep(SETTLE_S)


async def _timed(name, coro_factory):
    """(milliseconds, value) of one step, kept as a performance measure named `name`."""
    import js
    await _settle()
    js.performance.mark(f"{name}:start")
    value = await coro_factory()
    js.performance.mark(f"{name}:end")
    return float(js.performance.measure(name, f"{name}:start", f"{name}:end").duration), value


def _python_store(path):
    from app.storage.opfs_store import OpfsStore
    from app.storage.registry import get_store
    return OpfsStore(sync=False) if path == "py-opfs-main" else get_store(path.split("-")[1])


class _Path:
    """One path's three operations on the benchmark Blob, and what it measured."""

    def __init__(self, path, blob):
        import js
        self.path, self.error = path, None
        self.samples = {d: [] for d in DIRECTIONS}
        if path.startswith("py-"):
            store = _python_store(path)
            self.store = lambda: store.save_blob(KEY, blob)
            read = lambda: store.read(KEY)           # noqa: E731
            self.clear = lambda: store.delete(KEY)
        else:
            guide = getattr(js.guideStores, path.split("-")[1])
            self.store = lambda: guide.store(blob)
            read = guide.restore
            self.clear = guide.clear

        async def restore():
            return await js.benchHelpers.consume(await read())
        self.restore = restore

    async def round(self, tag, size, keep, restores=1):
        """Store once, restore `restores` times (their mean is the round's restore sample:
        a restore is cheap next to a store and its noise is the larger), clear."""
        try:
            ms_store, _ = await _timed(tag % "store", self.store)
            ms_restores = []
            for i in range(restores):
                name = tag % "restore" + (f".{i + 1}" if restores > 1 else "")
                ms, got = await _timed(name, self.restore)
                if int(got) != size:
                    raise RuntimeError(f"restored {int(got)} bytes of {size}")
                ms_restores.append(ms)
            await self.clear()
            if keep:
                self.samples["store"].append(ms_store)
                self.samples["restore"].append(statistics.fmean(ms_restores))
        except Exception as exc:   # a failed path is reported, never fatal to the run
            self.error = _describe(exc)
            await _quietly(self.clear)

    def entry(self, size, size_mib):
        entry = {"path": self.path, "size_mib": size_mib, "error": self.error,
                 "samples_ms": self.samples,
                 **{d: summarize(self.samples[d], size) for d in DIRECTIONS}}
        entry["flags"] = flags(entry)
        return entry


def _describe(exc):
    return f"{getattr(exc, 'name', type(exc).__name__)}: {getattr(exc, 'message', exc)}"


async def _quietly(step):
    try:
        await step()
    except Exception:
        pass


def _label(run, warmup):
    return run + 1 - warmup if run >= warmup else "warmup"


async def _sizes(sizes_mib, reps, warmup, paths, progress, restores):
    import js
    results = []
    for size_mib in sizes_mib:
        size = int(size_mib * (1 << 20))
        blob = js.benchHelpers.randomBlob(size)
        runs = [_Path(path, blob) for path in paths]
        for r in runs:
            await _quietly(r.clear)
        by_path = {r.path: r for r in runs}
        for run in range(warmup + reps):
            for group in round_order(paths, run):
                # Untimed: what the steps before freed has been handed back to the host by
                # now (see paired_ratio); this puts a Blob of the same size through the Cache
                # API and deletes it, so the group's first step gets recycled memory too.
                await js.benchHelpers.prime(blob)
                for r in (by_path[p] for p in group):
                    if r.error is None:
                        progress(f"{r.path}, {size_mib} MiB, run {_label(run, warmup)}")
                        await r.round(f"bench:{r.path}:%s:{size_mib}MiB:{_label(run, warmup)}",
                                      size, run >= warmup, restores)
        results += [r.entry(size, size_mib) for r in runs]
        del blob, runs
    return results


class _InMemory:
    """The baseline "store" for engine ready: the model Blob already in memory."""
    kind, label = "memory", "memory"

    def __init__(self, blob):
        self.blob = blob

    async def read(self, _key):
        return self.blob


async def engine_ready(reps, warmup, paths=ENGINE_PATHS, progress=lambda text: None):
    """Restore to engine ready: the embedded GGUF saved once in each store (under a bench key,
    never the user's copy), then timed from nothing to wllama having loaded it from there."""
    import js
    from app.engines import hardware
    from app.download.catalog import load_catalog, store_key
    from app.engines.wllama import WllamaEngine
    model = (await load_catalog()).default_model().as_dict()
    gguf = model["files"][0]
    bench_model = {**model, "id": "bench-engine"}
    key, size = store_key(bench_model["id"], gguf["name"]), int(gguf["size"])
    response = await js.fetch(gguf["url"])
    if not response.ok:
        raise RuntimeError(f"the embedded model is missing (HTTP {response.status})")
    blob = await response.blob()
    engine = WllamaEngine(hw=await hardware.probe())
    stores, errors = {}, {}
    for path in paths:
        store = _InMemory(blob) if path == "memory" else _python_store(path)
        try:
            if path != "memory":
                await store.save_blob(key, blob, {"sha256": gguf.get("sha256")})
            stores[path] = store
        except Exception as exc:
            errors[path] = _describe(exc)
    samples = {path: [] for path in paths}
    info = None
    for run in range(warmup + reps):
        for path, store in list(stores.items()):
            progress(f"engine ready from {path}, run {_label(run, warmup)}")
            try:
                ms, _ = await _timed(f"bench:engine:{path}:ready:{_label(run, warmup)}",
                                     lambda: engine.load(bench_model, store))
                info = engine.info()
                await engine.unload()
                if run >= warmup:
                    samples[path].append(ms)
            except Exception as exc:
                errors[path] = _describe(exc)
                stores.pop(path)
                await _quietly(engine.unload)
    for path in paths:
        if path != "memory":
            await _quietly(lambda: _python_store(path).delete(key))
    results = []
    for path in paths:
        entry = {"path": path, "error": errors.get(path), "samples_ms": samples[path],
                 "ready": summarize(samples[path], size)}
        entry["flags"] = flags(entry)
        results.append(entry)
    return {"model": model["id"], "engine": engine.name, "size": size,
            "backend": info and info.backend, "threads": info and info.threads,
            "results": results}


async def run(sizes_mib=DEFAULT_SIZES_MIB, reps=5, warmup=1, paths=PATHS,
              engine=ENGINE_PATHS, progress=None, restores=RESTORES):
    """Run the benchmark -> a JSON-able dict; `progress(done, total, text)` as it goes.
    `engine`: the paths to time restore-to-engine-ready for (empty: skip that part);
    `restores`: restores timed per store in each round."""
    import js
    total = len(sizes_mib) * (warmup + reps) * len(paths) + (warmup + reps) * len(engine)
    done = 0

    def step(text):
        nonlocal done
        if progress:
            progress(done, total, text)
        done += 1

    results = await _sizes(sizes_mib, reps, warmup, paths, step, restores)
    report = {"sizes_mib": list(sizes_mib), "reps": reps, "warmup": warmup,
              "restores": restores, "results": results,
              "ratios": ratios(results, max(sizes_mib)), "ratio_size_mib": max(sizes_mib),
              "fastest": fastest(results), "user_agent": str(js.navigator.userAgent)}
    if engine:
        try:
            report["engine"] = await engine_ready(reps, warmup, engine, step)
        except Exception as exc:
            report["engine"] = {"error": _describe(exc), "results": []}
    if progress:
        progress(total, total, "done")
    return report
