"""TVM's wasm runtime as emscripten objects, built once per converter environment and cached
under .cache/webllm-runtime/<key>/ (key: the pins, our stand-in files and the emcc version).

Sources: tvm/web/emcc/*.cc and tvm/src/runtime of the pinned apache-tvm wheel, tvm-ffi from
its wheel, three headers vendored from apache-tvm-tirx (webllm_runtime/vendor/, checked
against webllm_pins.VENDORED_HEADERS first), and our own stand-ins (webllm_runtime/shim/):
- src/support/bytes_io.h forwards to the vendored <tvm/support/bytes_io.h>;
- src/support/base64.h: base64 streams (tensors' JSON form), utils.h: StartsWith;
- tvm/support/cuda/nvtx.h: a profiler range that does nothing (no CUDA in a browser);
- the RPC endpoint (rpc_endpoint/channel/module/event_impl.cc, which need more headers no
  registry ships) is left out; rpc_stub.cc says so if anything asks for an RPC session.
  web-llm never does: it only loads, runs and samples.
contrib/sort/sort.cc (CPU sort) is left out too: nothing of ours sorts on the CPU.

Objects, not LLVM bitcode: Debian's emscripten 3.1.6 is what links, and its LLVM 14 must be
the compiler of everything it links as bitcode.
"""
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tools.convert import webllm_pins

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "webllm_runtime"
CACHE = ROOT / ".cache" / "webllm-runtime"
LEFT_OUT = ("rpc/rpc_channel.cc", "rpc/rpc_endpoint.cc", "rpc/rpc_event_impl.cc",
            "rpc/rpc_module.cc", "contrib/sort/sort.cc")
UNITS = ("wasm_runtime_webllm.cc", "tvmjs_support.cc", "webgpu_runtime.cc", "rpc_stub.cc")
CFLAGS = ["-O3", "-std=c++17", "-Wno-ignored-attributes"]


class RuntimeBuildError(RuntimeError):
    pass


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_vendored(vendor=HERE / "vendor"):
    """Raise unless every vendored header has its pinned hash (and the licence is beside them)."""
    for rel, want in webllm_pins.VENDORED_HEADERS.items():
        path = vendor / rel
        if not path.exists():
            raise RuntimeBuildError(f"vendored header missing: {path}")
        if sha256(path) != want:
            raise RuntimeBuildError(f"vendored header changed: {path} (sha256 {sha256(path)}, "
                                    f"pinned {want})")
    for name in ("LICENSE", "NOTICE"):
        if not (vendor / name).exists():
            raise RuntimeBuildError(f"{vendor / name} missing: the vendored headers need it")


def without_left_out(text):
    """wasm_runtime.cc (one translation unit #including the runtime's .cc files) minus the
    files this build leaves out; -> (text, how many #include lines were dropped)."""
    kept, dropped = [], 0
    for line in text.splitlines(keepends=True):
        if line.startswith("#include") and any(part in line for part in LEFT_OUT):
            dropped += 1
            continue
        kept.append(line)
    return "".join(kept), dropped


def site_packages(python):
    out = subprocess.run([str(python), "-c", "import tvm, tvm_ffi, os;"
                          "print(os.path.dirname(tvm.__file__));print(os.path.dirname(tvm_ffi.__file__))"],
                         capture_output=True, text=True, check=True)
    tvm_dir, ffi_dir = out.stdout.split()
    return Path(tvm_dir), Path(ffi_dir)


def emcc_version():
    if not shutil.which("emcc"):
        raise RuntimeBuildError("emcc not found: install emscripten (Debian: "
                                "apt-get install emscripten)")
    return subprocess.run(["emcc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]


def key(python):
    h = hashlib.sha256()
    h.update("\n".join(webllm_pins.VENV_REQUIREMENTS).encode())
    h.update(emcc_version().encode())
    h.update(Path(__file__).read_bytes())
    for path in sorted(HERE.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(HERE)).encode() + path.read_bytes())
    return h.hexdigest()[:16]


def assemble_tree(tvm_dir, ffi_dir, tree):
    """The source layout the runtime's relative #includes expect, our files laid over it."""
    shutil.copytree(tvm_dir / "src", tree / "src")
    shutil.copytree(tvm_dir / "include", tree / "include")
    shutil.copytree(tvm_dir / "web" / "emcc", tree / "web" / "emcc")
    ffi = tree / "3rdparty" / "tvm-ffi"
    shutil.copytree(ffi_dir / "include", ffi / "include")
    shutil.copytree(ffi_dir / "src", ffi / "src")
    shutil.copytree(ffi_dir / "3rdparty" / "dlpack" / "include", ffi / "3rdparty" / "dlpack" / "include")
    shutil.copytree(HERE / "vendor" / "include", tree / "include", dirs_exist_ok=True)
    shutil.copytree(HERE / "shim", tree, dirs_exist_ok=True)
    shutil.copy(HERE / "rpc_stub.cc", tree / "web" / "emcc" / "rpc_stub.cc")
    text, dropped = without_left_out((tree / "web" / "emcc" / "wasm_runtime.cc").read_text())
    if dropped != len(LEFT_OUT):
        raise RuntimeBuildError(f"TVM's wasm_runtime.cc changed: expected to leave out "
                                f"{len(LEFT_OUT)} files, found {dropped}")
    (tree / "web" / "emcc" / "wasm_runtime_webllm.cc").write_text(text)


def ensure(python, log=print):
    """-> the folder holding the runtime's .o files, building them first if needed."""
    check_vendored()
    out = CACHE / key(python)
    if (out / "objects" / ".complete").exists():
        return out / "objects"
    tvm_dir, ffi_dir = site_packages(python)
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=CACHE))
    try:
        tree, objects = work / "tree", work / "objects"
        assemble_tree(tvm_dir, ffi_dir, tree)
        objects.mkdir()
        includes = [f"-I{tree}", f"-I{tree / 'include'}",
                    f"-I{tree / '3rdparty/tvm-ffi/include'}",
                    f"-I{tree / '3rdparty/tvm-ffi/3rdparty/dlpack/include'}"]
        for unit in UNITS:
            log(f"compiling TVM's wasm runtime: {unit} (emcc; the first one takes minutes)")
            done = subprocess.run(["emcc", *includes, *CFLAGS, "-c", str(tree / "web/emcc" / unit),
                                   "-o", str(objects / unit.replace(".cc", ".o"))],
                                  capture_output=True, text=True)
            if done.returncode:
                raise RuntimeBuildError(f"emcc failed on {unit}:\n{done.stderr[-3000:]}")
        (objects / ".complete").write_text("")
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        os.replace(objects, out / "objects")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out / "objects"
