"""wllama (llama.cpp in wasm, optional WebGPU): the embedded default engine.

The GGUF comes from our Store as a Blob and goes to wllama as is; wllama's worker reads
it in slices, so the model never passes through Python. wllama never fetches anything
itself: the wasm is the vendored one and compat mode (a CDN build) is switched off.
"""
from dataclasses import dataclass

from app.compat import JsException, js, js_get, jsnull, to_js, to_js_object
from app.engines import hardware
from app.engines.base import EngineInfo
from app.engines.jsmodules import WLLAMA_DIR, import_module, site_url
from app.engines.messages import normalize, options_or_default, read_openai_chunk
from app.engines.runtime import RuntimeEngine, model_files, read_stored

DEFAULT_CONTEXT = 2048
ALL_LAYERS = 999


@dataclass(frozen=True)
class WllamaPlan:
    backend: str        # "webgpu" | "wasm"
    threads: int
    gpu_layers: int


def plan(hw):
    """WebGPU only with shader-f16 (wllama's WebGPU kernels need it; without it wllama would
    quietly run on the CPU anyway). Threads are always explicit: wllama's own default is
    half the cores, which is slower."""
    threads = hardware.wasm_threads(hw)
    if hw.webgpu and hw.shader_f16:
        return WllamaPlan("webgpu", threads, ALL_LAYERS)
    return WllamaPlan("wasm", threads, 0)


def request_params(messages, opts):
    """OpenAI-style chat completion parameters for wllama (without the abort signal)."""
    params = {
        "messages": normalize(messages),
        "stream": True,
        "max_tokens": int(opts.max_tokens),
        "temperature": float(opts.temperature),
        "top_k": int(opts.top_k),
        "top_p": float(opts.top_p),
        # Reuse the KV cache of the longest prefix already evaluated: a follow-up turn then
        # evaluates only its new tokens. Deterministic tests switch it off through `extra`.
        "cache_prompt": True,
    }
    if opts.seed is not None:
        params["seed"] = int(opts.seed)
    params.update(opts.extra)
    return params


class WllamaEngine(RuntimeEngine):
    name = label = "wllama"

    def __init__(self, n_ctx=DEFAULT_CONTEXT, hw=None):
        super().__init__()
        self.n_ctx = n_ctx
        self._hw = hw                  # a fixed Hardware (tests, benchmarks) or None: probe
        self._wllama = None
        self._abort = None             # AbortController of the reply in progress

    @property
    def loaded(self):
        return self._wllama is not None

    async def _start(self, model, store, report):
        ggufs = model_files(model, ".gguf", what="GGUF file for wllama")
        report(0.0, "Reading the model from storage")
        blobs = [await read_stored(store, model, f) for f in ggufs]

        hw = self._hw or await hardware.probe()
        chosen = plan(hw)
        report(0.1, "Starting wllama")
        module = await import_module(WLLAMA_DIR + "index.js")
        wllama = module.Wllama.new(
            to_js_object({"default": site_url(WLLAMA_DIR + "wllama.wasm")}),
            to_js_object({"suppressNativeLog": True, "logger": module.LoggerWithoutDebug}),
        )
        wllama.setCompat(jsnull)   # never the CDN compat build (None would be `undefined`)
        report(0.2, f"Loading the model ({chosen.backend}, {chosen.threads} threads)")
        try:
            await wllama.loadModel(to_js(blobs), to_js_object({
                "n_ctx": self.n_ctx,
                "n_threads": chosen.threads,
                "n_gpu_layers": chosen.gpu_layers,
            }))
        except JsException as exc:
            await _quietly(wllama.exit())
            raise self.load_failed(model, exc) from exc
        self._wllama = wllama
        threads = int(wllama.getNumThreads())
        return EngineInfo(
            engine=self.name, model=model.get("id"), backend=chosen.backend, threads=threads,
            context_size=int(wllama.getLoadedContextInfo().n_ctx),
            runs_on=hardware.runs_on(hw, self.label, chosen.backend, threads))

    async def chat(self, messages, options=None):
        self._require_loaded()
        params = to_js_object(request_params(messages, options_or_default(options)))
        self._abort = js.AbortController.new()
        params.abortSignal = self._abort.signal
        with self.replying() as stats:
            stream = await self._wllama.createChatCompletion(params)
            async for chunk in stream:
                if text := read_openai_chunk(chunk, stats):
                    yield text
                _read_timings(chunk, stats)

    def _interrupt(self):
        self._abort.abort()

    async def _release(self):
        wllama, self._wllama = self._wllama, None
        await wllama.exit()        # terminates the worker: wasm heap (and GPU buffers) freed


def _read_timings(chunk, stats):
    timings = js_get(chunk, "timings")
    if timings is None:
        return
    stats.tokens = int(js_get(timings, "predicted_n") or stats.tokens)
    stats.prompt_tokens = int(js_get(timings, "prompt_n", 0))
    stats.prompt_ms = float(js_get(timings, "prompt_ms", 0))
    stats.decode_tps = float(js_get(timings, "predicted_per_second", 0))


async def _quietly(awaitable):
    try:
        await awaitable
    except Exception:  # noqa: BLE001 - cleanup after a failure must not hide that failure
        pass
