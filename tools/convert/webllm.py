"""`build.py convert SOURCE --to webllm`: a model web-llm 0.2.86 runs, compiled here.

SOURCE is a catalog id (its GGUF must be on disk: the embedded model is extracted by the
build) or a GGUF file. Steps, cheapest checks first, so bad input fails before minutes of work:
1. the source's metadata and tensor table: a Llama-family GGUF with a byte-level BPE
   tokenizer and a ChatML template (webllm_layout, webllm_tokenizer, webllm_config);
2. the converter's environment (webllm_venv: TVM from PyPI, first use only) and TVM's wasm
   runtime as emscripten objects (webllm_runtime, cached);
3. in that environment: the model libraries (webllm_compile: our Llama on Relax, WebGPU
   kernels, wasm32 host code, linked with emcc), one per kind of adapter (LIBRARIES: real
   GPUs, and CPU-emulated adapters such as SwiftShader, which want opposite schedules), and
   the float32 weights (webllm_weights);
4. tokenizer.json and mlc-chat-config.json; checks (the library imports only what web-llm's
   runtime provides, every parameter is in the weights); sha256s; then one rename into
   models/<id>/resolve/<sha8>/ and the catalog entry. Until the rename everything is under a
   temporary name, so a failure or an interrupt leaves no model that looks whole.

The folder is named `resolve/<sha8>` because web-llm appends "resolve/main/" to a model URL
that has no "/resolve/<something>/" in it; so named, the URL is used as it is.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.convert import webllm_config, webllm_layout, webllm_tokenizer, webllm_wasm
from tools.convert.catalog import write_entry
from tools.convert.gguf_meta import GgufError, read_metadata

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
CONTEXT = 2048
PREFILL_CHUNK = 128
# the model library for each kind of adapter (webllm_compile.SCHEDULES, catalog ADAPTERS);
# the catalog lists both, the app downloads and loads the one for its adapter
LIBRARIES = {"gpu": "model-webgpu.wasm", "software": "model-webgpu-software.wasm"}


class ConvertError(RuntimeError):
    pass


def log(msg):
    print(f"[convert] {msg}", flush=True)


def resolve(source, catalog):
    """SOURCE -> (GGUF path, catalog entry or None)."""
    entries = {m["id"]: m for m in catalog.get("models", [])}
    if source in entries:
        entry = entries[source]
        ggufs = [f for f in entry.get("files", []) if f["name"].endswith(".gguf") and f.get("url")]
        if not ggufs:
            raise ConvertError(f"catalog model {source!r} has no GGUF file to convert")
        path = ROOT / ggufs[0]["url"]
        if not path.exists():
            raise ConvertError(f"{path} is missing: run `python3 build.py build` first")
        return path, entry
    path = Path(source)
    if path.suffix == ".gguf" and path.is_file():
        return path.resolve(), None
    raise ConvertError(f"{source!r} is neither a catalog id ({', '.join(entries)}) "
                       "nor a .gguf file")


def default_id(path, entry):
    base = entry["id"] if entry else path.stem.lower().replace(".", "-").replace("_", "-")
    for suffix in ("-q4_1", "-q4_0", "-q8_0", "-f16", "-f32"):
        base = base.removesuffix(suffix)
    return base + "-webllm"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_in_venv(python, module, *args):
    proc = subprocess.run([str(python), "-m", module, *map(str, args)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True)
    if proc.returncode:
        raise ConvertError(f"{module} failed (exit {proc.returncode}):\n"
                           f"{proc.stderr.strip()[-3000:]}")


def verify(staging, shape):
    """The finished folder, checked before it gets its final name."""
    for library in LIBRARIES.values():
        try:
            webllm_wasm.check_imports((staging / library).read_bytes())
        except webllm_wasm.WasmError as exc:
            raise ConvertError(f"{library}: {exc}") from None
    cache = json.loads((staging / "tensor-cache.json").read_text())
    names = [r["name"] for shard in cache["records"] for r in shard["records"]]
    expected = [n for n, _ in webllm_layout.parameters(shape)]
    if names != expected:
        raise ConvertError("tensor-cache.json does not list the library's parameters in order")
    for shard in cache["records"]:
        if (staging / shard["dataPath"]).stat().st_size != shard["nbytes"]:
            raise ConvertError(f"{shard['dataPath']} has the wrong size")


def install(staging, model_id):
    """Name the folder by the hash of its files' hashes; -> (folder URL, [file records])."""
    adapters = {name: kind for kind, name in LIBRARIES.items()}
    files = []
    for path in sorted(staging.iterdir(), key=lambda p: p.name):
        files.append({"name": path.name, "size": path.stat().st_size, "sha256": sha256_file(path)})
        if path.name in adapters:
            files[-1]["adapter"] = adapters[path.name]
    listing = "".join(f["name"] + f["sha256"] for f in files)
    digest = hashlib.sha256(listing.encode()).hexdigest()[:8]
    folder = MODELS / model_id / "resolve"
    final = folder / digest
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    for old in folder.iterdir():
        if old.is_dir() and old.name != digest and not old.name.startswith("."):
            shutil.rmtree(old)
    url = f"models/{model_id}/resolve/{digest}/"
    for f in files:
        f["url"] = url + f["name"]
    return url, files


def catalog_entry(model_id, name, license_, command, url, files):
    return {
        "id": model_id,
        "name": name,
        "engine": "web-llm",
        **({"license": license_} if license_ else {}),
        "build": {"command": command},
        "context": CONTEXT,
        "files": files,
        "webllm": {"record": {
            # relative: resolved against the site at load; no "model_lib": the app takes the
            # library for its adapter from "files" (app/engines/webllm.py library_url)
            "model": url,
            "model_id": model_id,
            "vram_required_MB": round(sum(f["size"] for f in files
                                          if f.get("adapter") in (None, "gpu")) / 2**20 + 200, 1),
            "low_resource_required": True,
            "overrides": {"context_window_size": CONTEXT},
        }},
    }


def write_catalog(entry):
    write_entry(MODELS / "catalog.json", entry)


def convert(source, model_id=None, python=None):
    from tools.convert import webllm_gguf_table
    catalog = json.loads((MODELS / "catalog.json").read_text())
    path, entry = resolve(source, catalog)
    try:
        meta = read_metadata(path)
        has_output = webllm_gguf_table.has_tensor(path, "output.weight")
        shape = webllm_layout.from_gguf(meta, has_output, where=path.name)
        tokenizer_text = webllm_tokenizer.tokenizer_json(meta, where=path.name)
        config_text = webllm_config.chat_config(meta, shape, CONTEXT, PREFILL_CHUNK)
    except (GgufError, webllm_layout.LayoutError) as exc:
        raise ConvertError(str(exc)) from None
    model_id = model_id or default_id(path, entry)
    params = sum(_count(s) for _, s in webllm_layout.parameters(shape))
    log(f"{path.name}: llama, {params / 1e6:.0f}M parameters, width {shape.hidden_size}, "
        f"{shape.num_layers} layers -> {model_id} "
        f"(float32 weights, about {params * 4 / 2**20:.0f} MiB)")
    if python is None:
        from tools.convert import webllm_venv
        try:
            python = webllm_venv.ensure(log=log)
        except webllm_venv.VenvError as exc:
            raise ConvertError(str(exc)) from None
    from tools.convert import webllm_runtime
    try:
        objects = webllm_runtime.ensure(python, log=log)
    except webllm_runtime.RuntimeBuildError as exc:
        raise ConvertError(str(exc)) from None
    folder = MODELS / model_id / "resolve"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".partial-*"):     # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    try:
        (staging / "shape.json").write_text(json.dumps(shape.to_json()))
        for kind, library in LIBRARIES.items():
            log(f"compiling the model library for {kind} adapters, {library} "
                "(TVM + emcc, minutes)")
            run_in_venv(python, "tools.convert.webllm_compile", staging / "shape.json",
                        staging / library, "--runtime-objects", objects,
                        "--prefill-chunk", PREFILL_CHUNK, "--context", CONTEXT,
                        "--schedule", kind)
        log("writing the weights (float32 shards)")
        run_in_venv(python, "tools.convert.webllm_weights", path, staging / "shape.json", staging)
        (staging / "shape.json").unlink()
        (staging / "tokenizer.json").write_text(tokenizer_text)
        (staging / "mlc-chat-config.json").write_text(config_text)
        verify(staging, shape)
        url, files = install(staging, model_id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    name = f"{(entry or {}).get('name', path.stem).split(' (')[0]} (web-llm, f32, compiled here)"
    command = f"python3 build.py convert {source} --to webllm"
    if model_id != default_id(path, entry):
        command += f" --id {model_id}"
    new = catalog_entry(model_id, name, (entry or {}).get("license") or meta.get("general.license"),
                        command, url, files)
    write_catalog(new)
    total = sum(f["size"] for f in files)
    log(f"wrote {url} ({len(files)} files, {total / 2**20:.0f} MiB) "
        f"and its catalog entry {model_id!r}")
    return new


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def main(args):
    try:
        convert(args.source, model_id=args.id)
    except ConvertError as exc:
        sys.exit(f"[convert] error: {exc}")
