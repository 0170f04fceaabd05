"""web-llm (MLC, WebGPU) in a module worker: WebWorkerMLCEngine driven from Python.

web-llm keeps its own caches ("webllm/config", "webllm/wasm", "webllm/model", keyed by the
exact URLs it requests, in the backend chosen by `cache_backend`). Files we already hold
(downloaded with resume and verification into one of our Stores) are copied into its cache
under those URLs first, so web-llm requests nothing it would find there.
"""
from app.compat import JsException, create_proxy, js, js_none, to_js_object
from app.download.catalog import store_key
from app.engines import hardware
from app.engines.base import EngineError, EngineInfo
from app.engines.jsmodules import import_module, site_url
from app.engines.messages import normalize, options_or_default, read_openai_chunk
from app.engines.runtime import RuntimeEngine
from app.engines.webllm_models import base_url, cache_urls, progress
from app.storage.base import StoreError

WORKER = "js/webllm-worker.js"
CLIENT = "js/webllm-client.js"    # every web-llm promise Python awaits goes through it
BACKENDS = ("cache", "indexeddb", "opfs", "cross-origin")


async def client():
    return await import_module(CLIENT)


async def prebuilt_records():
    """web-llm's prebuilt model list (plain dicts)."""
    return (await client()).prebuiltModels().to_py()


def on_this_site(record):
    """A record whose model and library live on our own site (a model compiled here by
    `build.py convert --to webllm`) names them relative to the site; web-llm needs them absolute."""
    record = dict(record)
    for key in ("model", "model_lib"):
        if record.get(key) and "://" not in record[key]:
            record[key] = site_url(record[key])
    return record


def library_url(model):
    """The URL of a catalog entry's model library: its one `.wasm` file. An entry compiled here
    lists one library per kind of adapter ("adapter": "gpu" | "software"); the catalog as the
    app loads it (`load_catalog()`) has kept only the one for this browser's adapter."""
    libraries = [f for f in model.get("files", []) if f["name"].endswith(".wasm")]
    if len(libraries) != 1:
        raise EngineError(f"{model.get('id')}: expected one model library for this adapter, "
                          f"found {', '.join(f['name'] for f in libraries) or 'none'}")
    return libraries[0]["url"]


async def record_for(model):
    """The web-llm ModelRecord of a catalog entry: its own "webllm.record" (whose library, when
    the record names none, is the entry's library for this adapter), or the prebuilt record
    named by "webllm.model_id"."""
    spec = model.get("webllm") or {}
    if "record" in spec:
        record = spec["record"]
        if "model_lib" not in record:
            record = {**record, "model_lib": library_url(model)}
        return on_this_site(record)
    wanted = spec.get("model_id") or model.get("id")
    for record in await prebuilt_records():
        if record["model_id"] == wanted:
            return record
    raise EngineError(f"web-llm has no prebuilt model {wanted!r}")


async def prefill_cache(record, files):
    """Put {file name: Blob} into web-llm's Cache API caches under the URLs it will request
    (the model library is named by its full URL). Only the "cache" backend is filled this
    way; the other backends keep web-llm's own layout and download themselves."""
    urls = cache_urls(record, tensor_cache=None)
    base = base_url(record)
    for name, blob in files.items():
        url = name if "://" in name else base + name
        scope = next((s for s, listed in urls.items() if url in listed), "webllm/model")
        cache = await js.caches.open(scope)
        headers = to_js_object({"Content-Type": "application/octet-stream",
                                "Content-Length": str(int(blob.size))})
        await cache.put(js.Request.new(url), js.Response.new(blob, to_js_object({"headers": headers})))


async def _load_error(record, exc):
    """A message that says which part failed; the usual one offline is the model library."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    lib = record.get("model_lib", "")
    if lib and js_none(await (await js.caches.open("webllm/wasm")).match(lib)) is None \
            and ("fetch" in message.lower() or "request failed" in message.lower()):
        return (f"web-llm could not load {record['model_id']}: its model library could not be "
                f"downloaded ({lib}). Connect to the network once, or pick another model. "
                f"[{message}]")
    return f"web-llm could not load {record['model_id']}: {message}"


class WebLlmEngine(RuntimeEngine):
    name = label = "web-llm"

    def __init__(self, cache_backend="cache"):
        if cache_backend not in BACKENDS:
            raise EngineError(f"unknown web-llm cache backend {cache_backend!r}")
        super().__init__()
        self.cache_backend = cache_backend
        self._engine = self._worker = self._record = None

    @property
    def loaded(self):
        return self._engine is not None

    def app_config(self, record):
        return {"model_list": [record], "cacheBackend": self.cache_backend}

    async def _start(self, model, store, report):
        """`store` may be None: web-llm then fetches every file itself."""
        record = await record_for(model)
        hw = await hardware.probe()
        if not hw.webgpu:      # web-llm has no CPU path: say why, before starting its worker
            raise EngineError(f"web-llm needs a WebGPU adapter. {hardware.no_gpu_reason(hw)}.")
        if store is not None and self.cache_backend == "cache":
            await self._prefill_from(store, model, record)
        webllm = await client()
        floor = [0.0]

        def on_report(report_js):
            fraction, text = progress(report_js.to_py() if hasattr(report_js, "to_py") else report_js,
                                      floor[0])
            floor[0] = fraction
            report(fraction, text)

        callback = create_proxy(on_report)
        report(0.0, "Starting web-llm")
        try:
            started = await webllm.createEngine(site_url(WORKER), record["model_id"],
                                                to_js_object(self.app_config(record)), callback)
        except JsException as exc:
            callback.destroy()
            raise EngineError(await _load_error(record, exc)) from exc
        self._engine, self._worker = started.engine, started.worker
        self._record, self._callback, self._client = record, callback, webllm
        context = int((record.get("overrides") or {}).get("context_window_size") or 0)
        return EngineInfo(engine=self.name, model=record["model_id"], backend="webgpu",
                          threads=1, context_size=context,
                          notes=[f"cache backend: {self.cache_backend}"],
                          runs_on=hardware.runs_on(hw, self.label, "webgpu", 1))

    async def _prefill_from(self, store, model, record):
        files = {}
        for f in model.get("files", []):
            try:
                files[f["name"]] = await store.read(store_key(model["id"], f["name"]))
            except StoreError:
                continue            # not downloaded by us: web-llm fetches it itself
        if files:
            await prefill_cache(record, files)

    async def chat(self, messages, options=None):
        self._require_loaded()
        opts = options_or_default(options)
        request = {"messages": normalize(messages), "stream": True,
                   "max_tokens": int(opts.max_tokens), "temperature": float(opts.temperature),
                   "top_p": float(opts.top_p), "stream_options": {"include_usage": True}}
        if opts.seed is not None:
            request["seed"] = int(opts.seed)
        with self.replying() as stats:
            async for chunk in self._client.chat(self._engine, to_js_object(request)):
                if text := read_openai_chunk(chunk, stats):
                    yield text

    def _interrupt(self):
        self._client.interrupt(self._engine)

    async def _release(self):
        engine, worker = self._engine, self._worker
        self._engine = self._worker = None
        try:
            await self._client.unload(engine, worker)      # also terminates the worker
        finally:
            self._callback.destroy()

    async def is_cached(self, record):
        return bool(await (await client()).hasModel(record["model_id"],
                                                      to_js_object(self.app_config(record))))

    async def delete_cached(self, record):
        """Remove the model's weights, tokenizer, config and library from web-llm's cache."""
        await (await client()).deleteModel(record["model_id"], to_js_object(self.app_config(record)))
