// PyScript's interpreter module (pyscript.json "interpreter"): the vendored Pyodide, started
// from the memory snapshot build.py makes (tools/snapshot.py) instead of running Python's own
// startup. Falls back to a normal boot when the snapshot is missing, unreachable or refused.
import { loadPyodide as loadPlain, version } from "../wasm/pyodide@314.0.7/pyodide.mjs";

export { version };

const INDEX_URL = new URL("../wasm/pyodide@314.0.7/", import.meta.url).href;
const SNAPSHOT = /*@SNAPSHOT@*/ null;   // site-relative URL, written by build.py

// What a fresh boot would have that the snapshot (made in Node) cannot know.
const FIXUP = `
import os, random, sys, time
sys.path[:] = list(dict.fromkeys(sys.path))  # the restore inserts "" a second time
random.seed()                                # else every boot replays the snapshot's sequence
os.environ["LANG"] = LANG
# time's zone attributes were set when the build machine imported it, and Python has no
# tzset here: recompute them as CPython's init does, from January and July, with
# Emscripten's zone names. (Offsets are right everywhere; C's own zone *name*, strftime's
# %Z, stays the build machine's: it is set once per process, in the snapshot.)
def _zone(month, year=time.localtime().tm_year):
    return time.localtime(time.mktime((year, month, 1, 12, 0, 0, 0, 0, -1)))
_jan, _jul = _zone(1), _zone(7)
_std, _dst = (_jan, _jul) if -_jan.tm_gmtoff >= -_jul.tm_gmtoff else (_jul, _jan)
time.timezone, time.altzone = -_std.tm_gmtoff, -_dst.tm_gmtoff
time.daylight = int(time.timezone != time.altzone)
time.tzname = tuple("UTC%s%02d%02d" % ("+" if z.tm_gmtoff > 0 else "-", abs(z.tm_gmtoff) // 3600,
                                       abs(z.tm_gmtoff) // 60 % 60) for z in (_std, _dst))
del _zone, _jan, _jul, _std, _dst
`;

// Started when boot.js imports this module, so it overlaps the worker's registration and
// PyScript's own setup. Dropped once used: Pyodide copies it into its memory (30 MiB).
let snapshot = SNAPSHOT ? fetchSnapshot(new URL(`../${SNAPSHOT}`, import.meta.url)) : null;

// Pyodide sizes its memory from the snapshot before it checks the header, and a wasm that
// fails to instantiate leaves it waiting forever: so anything that is not a snapshot is
// turned away here (a truncated download never gets this far: arrayBuffer() rejects).
const SNAPSHOT_MAGIC = 0x706e7300;   // Pyodide 314's snapshot header

async function fetchSnapshot(url) {
  try {
    const response = await fetch(url);
    if (!response.ok) return null;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const magic = bytes.byteLength >= 64 && new DataView(bytes.buffer).getUint32(0, true);
    return magic === SNAPSHOT_MAGIC ? bytes : null;
  } catch {
    return null;   // offline before the worker kept it: boot without it
  }
}

export async function loadPyodide(options = {}) {
  const settings = { ...options, indexURL: INDEX_URL };
  const memory = await snapshot;
  snapshot = null;
  if (memory) {
    try {
      const pyodide = await loadPlain({ ...settings, _loadSnapshot: memory });
      if (pyodide._api?.config) pyodide._api.config._loadSnapshot = null;   // copied: let it go
      const lang = (navigator.languages?.[0] || "C").replace("-", "_") + ".UTF-8";
      const globals = pyodide.toPy({ LANG: lang });
      try {
        pyodide.runPython(FIXUP, { globals });
      } finally {
        globals.destroy();
      }
      performance.mark("pyodide-snapshot-restored");
      return pyodide;
    } catch (err) {
      console.warn("Pyodide snapshot refused, booting without it:", err);
    }
  }
  return loadPlain(settings);
}
