"""Assemble the servable site folder from static/, app/, wasm/ and models/.

site/ holds only generated or copied small files; the big vendored folders are reached
through relative symlinks (site/wasm -> ../wasm, site/models -> ../models), so a rebuild
never copies 300 MB and any static server that follows symlinks can serve the folder.
"""
import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

from tools import icons, pins, snapshot
from tools.vendor import CACHE, ROOT, log, sha256_file

SITE = ROOT / "site"
STATIC = ROOT / "static"
APP = ROOT / "app"
LINKED = ("wasm", "models")
SW_MARKER = "/*@PRECACHE_MANIFEST@*/"
LOADER = "js/pyodide-loader.mjs"
SNAPSHOT_MARKER = "/*@SNAPSHOT@*/ null"
# HTML entry points: network-first in the service worker (so updates are seen when online).
ENTRY_POINTS = ("", "index.html", "bench.html")
# The service worker precaches the shell at install (so the first visit is claimed at once)
# and keeps these runtimes once the app is ready (the first visit loads them from the network
# into the HTTP cache, the worker copies them from there): what Python needs to boot and
# what the embedded model needs, plus the Pyodide snapshot.
WARM_RUNTIMES = ("pyodide", "@pyscript/core", "@wllama/wllama")
# Everything else (MediaPipe, web-llm: ~85 MB) is cached by the worker on first use.


def pyodide_dir():
    return snapshot.pyodide_dir().name


def app_bundle():
    """Zip the Python package deterministically; its name carries its content hash, so the
    server can mark it immutable and any change to app/ yields a new URL."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(APP.rglob("*.py")):
            info = zipfile.ZipInfo(str(path.relative_to(ROOT)), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    data = buf.getvalue()
    return f"app-{hashlib.sha256(data).hexdigest()[:12]}.zip", data


def pyscript_config(bundle_name):
    return {
        # PyScript's default interpreter is a CDN URL: ours is the vendored Pyodide, booted
        # from its memory snapshot by a thin loader module.
        "interpreter": f"./{LOADER}",
        # Archives whose target ends in "/*" are unpacked into the working directory,
        # which is on sys.path: `import app` then works.
        "files": {f"./{bundle_name}": "./*"},
    }


def assemble():
    SITE.mkdir(exist_ok=True)
    for old in SITE.iterdir():
        if old.name in LINKED:
            continue
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    shutil.copytree(STATIC, SITE, dirs_exist_ok=True)
    for name in LINKED:
        link = SITE / name
        if not link.is_symlink():
            link.symlink_to(Path("..") / name, target_is_directory=True)
    write_loader()
    bundle_name, data = app_bundle()
    (SITE / bundle_name).write_bytes(data)
    (SITE / "pyscript.json").write_text(json.dumps(pyscript_config(bundle_name), indent=2))
    icons.write_icons(SITE / "icons", CACHE / "icons")
    version = write_service_worker()
    log(f"site: assembled ({bundle_name}, service worker {version})")
    return bundle_name


def snapshot_url():
    path = snapshot.snapshot_path()
    return path.relative_to(snapshot.WASM.parent).as_posix() if path.exists() else None


def write_loader(site_dir=SITE):
    """Tell the Pyodide loader where this build's snapshot is (null: boot without one)."""
    source = (STATIC / LOADER).read_text()
    if SNAPSHOT_MARKER not in source:
        raise RuntimeError(f"static/{LOADER} lost its snapshot marker")
    if f"../wasm/{pyodide_dir()}/" not in source:
        raise RuntimeError(f"static/{LOADER} imports a Pyodide other than the pinned {pyodide_dir()}")
    (site_dir / LOADER).write_text(source.replace(SNAPSHOT_MARKER, json.dumps(snapshot_url())))


def _runtime_files(packages, site_dir):
    folders = tuple(f"wasm/{a.target}/" for a in pins.NPM_ASSETS if a.package in packages)
    return [p for p in site_files(site_dir) if p.startswith(folders)]


def precache_paths(site_dir=SITE):
    """Site-relative paths the service worker caches at install: the app shell."""
    shell = [p for p in site_files(site_dir) if not p.startswith(LINKED) and p != "sw.js"
             and not p.startswith(("bench/", "js/bench-"))]
    return sorted([*shell, "models/catalog.json", *_embedded_manifests()])


def _embedded_manifests():
    """The chunk manifests of the models that ship with the app (a few KB), so the check of a
    stored model before a load works offline too (app/engines/embedded.check_stored)."""
    catalog = json.loads((ROOT / "models" / "catalog.json").read_text())
    return [f["chunks"]["url"] for m in catalog["models"] if "embedded" in m
            for f in m["files"] if f.get("chunks")]


def warm_paths(site_dir=SITE):
    url = snapshot_url()
    return sorted([*_runtime_files(WARM_RUNTIMES, site_dir), *([url] if url else [])])


def write_service_worker(site_dir=SITE):
    """Inject {path: sha256} of every cached file into sw.js: any asset change changes the
    worker's bytes, which is what makes the browser install an update."""
    hashes = lambda paths: {p: sha256_file(site_dir / p)[:16] for p in paths}  # noqa: E731
    precache, warm = hashes(precache_paths(site_dir)), hashes(warm_paths(site_dir))
    version = hashlib.sha256(json.dumps([precache, warm], sort_keys=True).encode()).hexdigest()[:12]
    manifest = {"version": version, "precache": precache, "warm": warm,
                "entryPoints": list(ENTRY_POINTS)}
    source = (STATIC / "sw.js").read_text()
    if SW_MARKER not in source:
        raise RuntimeError("static/sw.js lost its manifest marker")
    line = next(ln for ln in source.splitlines() if SW_MARKER in ln)
    source = source.replace(line, f"const MANIFEST = {json.dumps(manifest)};")
    (site_dir / "sw.js").write_text(source)
    return version


def is_built():
    return (SITE / "pyscript.json").exists() and all((SITE / n).exists() for n in LINKED)


def site_files(site_dir=SITE):
    """Every servable file (following the symlinks), as URL paths relative to the site root."""
    for dirpath, _dirs, files in os.walk(site_dir, followlinks=True):
        for name in files:
            if name.startswith(".") or name.endswith((".partial", ".sha256")):
                continue
            yield (Path(dirpath) / name).relative_to(site_dir).as_posix()
