"""A Pyodide memory snapshot, made at build time with Node, that the page restores instead of
running Python's own startup (about 2-3 s of a 3.5 s boot on this machine).

The snapshot is the wasm memory after `loadPyodide()` plus the stdlib imports listed below:
pure interpreter state, no JS objects (Pyodide refuses to snapshot those), so it holds
nothing of the build machine but Python itself. Its name carries a hash of everything it was
made from (Pyodide's files, this recipe), so it can only ever meet the Pyodide it belongs to;
static/js/pyodide-loader.mjs falls back to a normal boot when it is missing or refused.
"""
import hashlib
import shutil
from pathlib import Path

from tools import pins
from tools.vendor import ROOT, WASM, BuildError, log, run, sha256_file

SNAPSHOT_DIR = WASM / "snapshot"
MAKER = ROOT / "tools" / "pyodide_snapshot.mjs"
# Stdlib modules the app and PyScript import at boot beyond what Pyodide's startup imports
# (measured: sys.modules of a booted app minus a bare Pyodide's). Nothing that touches `js`.
PRELOAD = "import datetime, html, html.entities, ipaddress, urllib.parse, encodings.cp437"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")


def pyodide_dir():
    return WASM / next(a.target for a in pins.NPM_ASSETS if a.package == "pyodide")


def snapshot_key():
    h = hashlib.sha256(PRELOAD.encode())
    h.update(MAKER.read_bytes())
    for name in PYODIDE_FILES:
        h.update(sha256_file(pyodide_dir() / name).encode())
    return h.hexdigest()[:12]


def snapshot_path():
    return SNAPSHOT_DIR / f"pyodide-{snapshot_key()}.bin"


def build_snapshot():
    """Make the snapshot unless the current one exists; old ones are removed."""
    out = snapshot_path()
    if out.exists():
        log("pyodide snapshot: up to date")
        return out
    node = shutil.which("node")
    if not node:
        raise BuildError("node is needed to build the Pyodide snapshot (see README prerequisites)")
    SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    run([node, str(MAKER), str(pyodide_dir()), str(tmp), PRELOAD], timeout=300)
    tmp.rename(out)   # only a finished snapshot ever has the final name
    for old in SNAPSHOT_DIR.iterdir():
        if old != out:
            old.unlink()
    log(f"pyodide snapshot: {out.relative_to(ROOT)} ({out.stat().st_size >> 20} MiB)")
    return out
