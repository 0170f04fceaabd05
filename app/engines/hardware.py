"""What the browser offers an engine: WebGPU adapter features, cross-origin isolation, cores.

`probe()` asks the browser once (requesting an adapter is slow); the planning functions
that turn a `Hardware` into engine settings, and `runs_on()`, which says in words what an
engine runs on and why, are pure, so they run in CPython tests too.
"""
from dataclasses import dataclass, field

from app.compat import js, js_get, js_none

MAX_THREADS = 16   # past this, wasm threads stop paying off for small models


@dataclass(frozen=True)
class Hardware:
    webgpu: bool = False                  # an adapter was granted
    features: frozenset = frozenset()     # adapter.features, e.g. {"shader-f16"}
    isolated: bool = False                # crossOriginIsolated: SharedArrayBuffer, wasm threads
    cores: int = 1                        # navigator.hardwareConcurrency
    adapter: dict = field(default_factory=dict, compare=False)   # vendor, architecture, fallback
    webgpu_api: bool = True               # navigator.gpu exists (False: no WebGPU at all)

    @property
    def shader_f16(self):
        return "shader-f16" in self.features

    @property
    def software(self):
        """The adapter runs on the CPU: SwiftShader (Chromium's software WebGPU, what headless
        Chromium and CI get), or any adapter the browser marks as a fallback adapter."""
        return (self.adapter.get("architecture") == "swiftshader"
                or bool(self.adapter.get("fallback")))


def adapter_kind(hw):
    """Which build of a GPU program suits this adapter (app/download/catalog.py ADAPTERS):
    "software" for a CPU-emulated one, else "gpu" (also without any adapter: nothing runs then,
    and the listing shows what a GPU would get)."""
    return "software" if hw.webgpu and hw.software else "gpu"


def wasm_threads(hw):
    """2+ threads when the page is cross-origin isolated (SharedArrayBuffer), else 1."""
    if not hw.isolated:
        return 1
    return max(2, min(hw.cores, MAX_THREADS))


def adapter_name(hw):
    """The adapter as a person knows it: SwiftShader is Chromium's software renderer."""
    vendor, arch = hw.adapter.get("vendor", ""), hw.adapter.get("architecture", "")
    if arch == "swiftshader":
        return "SwiftShader, a software GPU"
    named = " ".join(part for part in (vendor, arch) if part)
    return f"GPU ({named})" if named else "GPU"


def no_gpu_reason(hw):
    """Why there is no WebGPU adapter to run on (only meaningful when `hw.webgpu` is False)."""
    if not hw.webgpu_api:
        return "No WebGPU in this browser"
    return "No GPU available (WebGPU offers no adapter)"


def runs_on(hw, engine, backend, threads):
    """One sentence for the UI: what `engine` runs on in this browser and why, e.g.
    "No GPU available (WebGPU offers no adapter): wllama runs on the CPU, 2 threads"."""
    if backend == "webgpu":
        if hw.shader_f16:
            return f"{adapter_name(hw)} with shader-f16: {engine} runs on WebGPU"
        return f"{adapter_name(hw)} without shader-f16: {engine} runs on WebGPU (slower f32 paths)"
    cpu = f"{engine} runs on the CPU, {threads} thread{'' if threads == 1 else 's'}"
    if not hw.isolated:
        cpu += " (the page is not cross-origin isolated)"
    if not hw.webgpu:
        return f"{no_gpu_reason(hw)}: {cpu}"
    if not hw.shader_f16:
        return f"WebGPU adapter without shader-f16 ({adapter_name(hw)}): {cpu}"
    return f"{adapter_name(hw)} with shader-f16, not used: {cpu}"


_probed = None


async def probe(refresh=False):
    global _probed
    if _probed is not None and not refresh:
        return _probed
    nav = js.navigator
    features, info = frozenset(), {}
    gpu = js_get(nav, "gpu")
    adapter = None
    if gpu is not None:
        try:
            adapter = js_none(await gpu.requestAdapter())   # null: no usable GPU
        except Exception:  # noqa: BLE001 - no adapter is an answer, not an error
            adapter = None
    if adapter is not None:
        features = frozenset(str(f) for f in adapter.features)
        if (ainfo := js_get(adapter, "info")) is not None:
            info = {"vendor": str(js_get(ainfo, "vendor", "")),
                    "architecture": str(js_get(ainfo, "architecture", "")),
                    "fallback": bool(js_get(ainfo, "isFallbackAdapter")     # Chromium 121+
                                     or js_get(adapter, "isFallbackAdapter", False))}
    _probed = Hardware(
        webgpu=adapter is not None,
        features=features,
        isolated=bool(js_get(js, "crossOriginIsolated", False)),
        cores=int(js_get(nav, "hardwareConcurrency", 1) or 1),
        adapter=info,
        webgpu_api=gpu is not None,
    )
    return _probed
