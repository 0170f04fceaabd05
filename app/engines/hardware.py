"""What the browser offers an engine: WebGPU adapter features, cross-origin isolation, cores.

`probe()` asks the browser once (requesting an adapter is slow); the planning functions
that turn a `Hardware` into engine settings are pure, so they run in CPython tests too.
"""
from dataclasses import dataclass, field

from app.compat import js

MAX_THREADS = 16   # past this, wasm threads stop paying off for small models


@dataclass(frozen=True)
class Hardware:
    webgpu: bool = False                  # an adapter was granted
    features: frozenset = frozenset()     # adapter.features, e.g. {"shader-f16"}
    isolated: bool = False                # crossOriginIsolated: SharedArrayBuffer, wasm threads
    cores: int = 1                        # navigator.hardwareConcurrency
    adapter: dict = field(default_factory=dict, compare=False)   # vendor, architecture

    @property
    def shader_f16(self):
        return "shader-f16" in self.features


def wasm_threads(hw):
    """2+ threads when the page is cross-origin isolated (SharedArrayBuffer), else 1."""
    if not hw.isolated:
        return 1
    return max(2, min(hw.cores, MAX_THREADS))


_probed = None


async def probe(refresh=False):
    global _probed
    if _probed is not None and not refresh:
        return _probed
    nav = js.navigator
    features, info = frozenset(), {}
    gpu = getattr(nav, "gpu", None)
    adapter = None
    if gpu is not None:
        try:
            adapter = await gpu.requestAdapter()
        except Exception:  # noqa: BLE001 - no adapter is an answer, not an error
            adapter = None
    if adapter is not None:
        features = frozenset(str(f) for f in adapter.features)
        ainfo = getattr(adapter, "info", None)
        if ainfo is not None:
            info = {"vendor": str(ainfo.vendor or ""), "architecture": str(ainfo.architecture or "")}
    _probed = Hardware(
        webgpu=adapter is not None,
        features=features,
        isolated=bool(getattr(js, "crossOriginIsolated", False)),
        cores=int(getattr(nav, "hardwareConcurrency", 1) or 1),
        adapter=info,
    )
    return _probed
