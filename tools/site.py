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

from tools import pins
from tools.vendor import ROOT, log

SITE = ROOT / "site"
STATIC = ROOT / "static"
APP = ROOT / "app"
LINKED = ("wasm", "models")


def pyodide_dir():
    return next(a.target for a in pins.NPM_ASSETS if a.package == "pyodide")


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
        # PyScript's default interpreter is a CDN URL: point it at the vendored Pyodide.
        "interpreter": f"./wasm/{pyodide_dir()}/pyodide.mjs",
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
    bundle_name, data = app_bundle()
    (SITE / bundle_name).write_bytes(data)
    (SITE / "pyscript.json").write_text(json.dumps(pyscript_config(bundle_name), indent=2))
    log(f"site: assembled ({bundle_name})")
    return bundle_name


def is_built():
    return (SITE / "pyscript.json").exists() and all((SITE / n).exists() for n in LINKED)


def site_files():
    """Every servable file (following the symlinks), as URL paths relative to the site root."""
    for dirpath, _dirs, files in os.walk(SITE, followlinks=True):
        for name in files:
            if name.startswith(".") or name.endswith((".partial", ".sha256")):
                continue
            yield (Path(dirpath) / name).relative_to(SITE).as_posix()
