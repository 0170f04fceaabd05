"""Pins of `build.py convert --to webllm`: the converter environment's packages (installed
with --require-hashes) and the TVM headers vendored in tools/convert/webllm_runtime/.

Kept apart from tools/pins.py so the web-llm and MediaPipe converters merge without conflict.
Hashes are of the CPython 3.11 / Linux x86_64 wheels (the machines this project builds on);
on another platform pip refuses them: add that wheel's hash beside it.
"""

# The converter's own environment (.cache/webllm-venv, tools/convert/webllm_venv.py): TVM's
# compiler (Relax, the nn frontend and its paged KV cache, WebGPU codegen, LLVM with wasm32)
# and the runtime sources it ships under tvm/web and tvm/src. Never the app's run path.
VENV_REQUIREMENTS = (
    "apache-tvm==0.27.0.post1 --hash=sha256:f503fc903b6e16fda5daacac6698ecb8bc38937f57da7aa29f6c7ab169d08657",
    "apache-tvm-ffi==0.1.15.post2 --hash=sha256:8ecebe749834f6ac0f2693d5964acf9ac75d0bc26e6ba64c46eb7ab00ea50fac",
    "ml_dtypes==0.7.0 --hash=sha256:d214c910cabaf80aa1ee37b0f25131e20d7a6474182e5293a68985b0421299da",
    "numpy==2.4.6 --hash=sha256:89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93",
    "typing_extensions==4.16.0 --hash=sha256:481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
)

# TVM's wasm runtime (tvm/web/emcc/*.cc in the apache-tvm wheel) includes headers the wheel
# does not ship. Three come verbatim from the apache-tvm-tirx 0.1.0a4 wheel on PyPI
# (Apache-2.0, its LICENSE and NOTICE beside them); the rest are our own small stand-ins
# under webllm_runtime/shim/ (see webllm_runtime.py).
TIRX_WHEEL = ("apache_tvm_tirx-0.1.0a4-py3-none-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
              "826eea4fbfd6ad521219f14a6b5e7bcda6718a24ae1dcc242427e6da00be816b")
VENDORED_HEADERS = {   # path under webllm_runtime/vendor/ -> sha256 (as in the wheel, tvm_tirx/...)
    "include/tvm/support/bytes_io.h": "5f06462bc6ead2ebff152206700c130937a8a4b561966f58cad007e0ea7471fd",
    "include/tvm/support/io.h": "b3443ff5eda335d8ab7a6f74505119951784d47330036ab266436cdf1253cb30",
    "include/tvm/support/serializer.h": "de6aa1c5352a79a88e9bf8d168f28bab16e3b45eee5cd5f2bba1012b3ebe8145",
}
