"""Storage benchmark: how fast each store keeps and gives back a model on this device.

For every size, one random Blob is made in JS; each path stores it and restores it several
times (after warm-up runs), every step timed with performance.mark/measure so it also shows
in DevTools' Performance panel as `bench:<path>:<store|restore>:<size>MiB:<run>`.
- store: from the Blob to a complete entry;
- restore: from nothing to a Blob read to its last byte (what an engine loading a model does).
Paths are the Python stores (`py-cache`, `py-opfs` = worker with sync access handles,
`py-opfs-main` = createWritable on the main thread, `py-idb`) and the same operations in plain
JS as the Chrome guide writes them (`js-cache`, `js-opfs`, `js-idb`, static/bench/guide-stores.js),
so the report shows Python's overhead as a ratio. Failed paths and impossible speeds are
flagged and left out of the ratios and the "fastest" pick.
"""
import statistics

DEFAULT_SIZES_MIB = (16, 64, 256)
PATHS = ("py-cache", "py-opfs", "py-opfs-main", "py-idb", "js-cache", "js-opfs", "js-idb")
DIRECTIONS = ("store", "restore")
MAX_PLAUSIBLE_MB_S = 20_000     # above memory bandwidth: a measurement that did no real work
KEY = "bench/model.bin"


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
    for d in DIRECTIONS:
        stats = entry.get(d) or {}
        if not entry.get("error") and not stats.get("n"):
            out.append(f"{d}: no samples")
        if stats.get("mb_s") and stats["mb_s"] > MAX_PLAUSIBLE_MB_S:
            out.append(f"{d}: {stats['mb_s']:,.0f} MB/s is faster than memory; not a real measurement")
    return out


def ratios(results, size_mib):
    """Python throughput / plain-JS throughput per store and direction at one size."""
    by = {(r["path"], r["size_mib"]): r for r in results if not r["flags"]}
    out = {}
    for kind in ("cache", "opfs", "idb"):
        py, plain = by.get((f"py-{kind}", size_mib)), by.get((f"js-{kind}", size_mib))
        if py and plain:
            out[kind] = {d: py[d]["mb_s"] / plain[d]["mb_s"] for d in DIRECTIONS
                         if py[d]["mb_s"] and plain[d]["mb_s"]}
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
async def _timed(name, coro_factory):
    """(milliseconds, value) of one step, kept as a performance measure named `name`."""
    import js
    js.performance.mark(f"{name}:start")
    value = await coro_factory()
    js.performance.mark(f"{name}:end")
    return float(js.performance.measure(name, f"{name}:start", f"{name}:end").duration), value


def _python_store(path):
    from app.storage.opfs_store import OpfsStore
    from app.storage.registry import get_store
    return OpfsStore(sync=False) if path == "py-opfs-main" else get_store(path.split("-")[1])


async def _one_path(path, blob, size, size_mib, reps, warmup):
    import js
    from app.storage.jsio import blob_chunks
    helpers = js.benchHelpers
    if path.startswith("py-"):
        store = _python_store(path)

        async def do_store():
            await store.write(KEY, blob_chunks(blob), size)

        async def do_restore():
            return await helpers.consume(await store.read(KEY))

        async def clear():
            await store.delete(KEY)
    else:
        guide = getattr(js.guideStores, path.split("-")[1])

        async def do_store():
            await guide.store(blob)

        async def do_restore():
            return await helpers.consume(await guide.restore())

        async def clear():
            await guide.clear()

    samples = {d: [] for d in DIRECTIONS}
    error = None
    try:
        await clear()
        for run in range(warmup + reps):
            tag = f"bench:{path}:%s:{size_mib}MiB:{run + 1 - warmup if run >= warmup else 'warmup'}"
            ms_store, _ = await _timed(tag % "store", do_store)
            ms_restore, got = await _timed(tag % "restore", do_restore)
            if int(got) != size:
                raise RuntimeError(f"restored {int(got)} bytes of {size}")
            await clear()
            if run >= warmup:
                samples["store"].append(ms_store)
                samples["restore"].append(ms_restore)
    except Exception as exc:   # a failed path is reported, never fatal to the run
        error = f"{getattr(exc, 'name', type(exc).__name__)}: {getattr(exc, 'message', exc)}"
        try:
            await clear()
        except Exception:
            pass
    entry = {"path": path, "size_mib": size_mib, "error": error, "samples_ms": samples,
             **{d: summarize(samples[d], size) for d in DIRECTIONS}}
    entry["flags"] = flags(entry)
    return entry


async def run(sizes_mib=DEFAULT_SIZES_MIB, reps=5, warmup=1, paths=PATHS, progress=None):
    """Run the benchmark -> a JSON-able dict; `progress(done, total, text)` after each path."""
    import js
    results, total = [], len(sizes_mib) * len(paths)
    for size_mib in sizes_mib:
        size = int(size_mib * (1 << 20))
        blob = js.benchHelpers.randomBlob(size)
        for path in paths:
            if progress:
                progress(len(results), total, f"{path}, {size_mib} MiB")
            results.append(await _one_path(path, blob, size, size_mib, reps, warmup))
        del blob
    if progress:
        progress(total, total, "done")
    largest = max(sizes_mib)
    return {"sizes_mib": list(sizes_mib), "reps": reps, "warmup": warmup, "results": results,
            "ratios": ratios(results, largest), "ratio_size_mib": largest,
            "fastest": fastest(results), "user_agent": str(js.navigator.userAgent)}
