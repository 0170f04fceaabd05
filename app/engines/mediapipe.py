"""MediaPipe tasks-genai (LlmInference on WebGPU) for `.bin`/`.task` models: Gemma-style ones
and the ones `build.py convert` makes (tools/convert/).

The model streams in from our Store through a ReadableStreamDefaultReader (MediaPipe's
`modelAssetBuffer` accepts one): it is never held whole in JS or Python. MediaPipe fixes
topK, temperature and randomSeed when the task is created (its `setOptions` re-reads the
whole model), so they are the engine's `sampling` options, applied at load; per request
there are max_tokens and the LoRA adapter (ranks declared at creation, adapters loaded
from a URL or a stored file; MediaPipe takes LoRA for `.bin` models only).

What a catalog entry says about its model: "chat_format" (app/engines/prompts.py),
"tokenizer": "byte-level" when the prompt goes in and the reply comes out in a byte-level
BPE vocabulary's alphabet (app/engines/byte_level.py), and "force_f32" when the model's
activations overflow float16 on the GPU (SmolLM2's residuals reach about 25,000).
"""
import asyncio
from dataclasses import dataclass

from app.compat import JsException, create_proxy, js, to_js_object
from app.engines import byte_level, hardware
from app.engines.base import EngineError, EngineInfo, GenerationOptions
from app.engines.jsmodules import TASKS_GENAI_DIR, import_module, site_url
from app.engines.messages import options_or_default
from app.engines.prompts import prompt_for
from app.engines.runtime import (UNLOAD_WAIT, RuntimeEngine, model_files, no_progress,
                                 read_stored)
from app.storage.base import StoreError

DEFAULT_CONTEXT = 1024      # MediaPipe's maxTokens: prompt + reply


@dataclass(frozen=True)
class Sampling:
    top_k: int
    temperature: float
    seed: int

    @classmethod
    def of(cls, opts):
        return cls(int(opts.top_k), float(opts.temperature), int(opts.seed or 0))

    def as_options(self):
        return {"topK": self.top_k, "temperature": self.temperature, "randomSeed": self.seed}


def creation_options(model, sampling, context=DEFAULT_CONTEXT):
    """LlmInference options (without the model source) for a catalog entry."""
    options = {"maxTokens": int(model.get("context", context)), **sampling.as_options()}
    if model.get("lora_ranks"):
        options["loraRanks"] = [int(r) for r in model["lora_ranks"]]
    if model.get("force_f32"):
        options["forceF32"] = True
    return options


class MediaPipeEngine(RuntimeEngine):
    name, label = "mediapipe", "MediaPipe"

    def __init__(self, sampling=None):
        """`sampling`: GenerationOptions whose top_k, temperature and seed apply at load."""
        super().__init__()
        self.sampling = sampling or GenerationOptions()
        self._llm = None
        self._loras = {}               # name -> LoraModel
        self._counter = None           # progress proxy, alive while the model may be read
        self._prompt = prompt_for({})  # the loaded model's chat template
        self._byte_level = False       # its tokenizer speaks a byte-level BPE alphabet
        self._converted = False        # a .task: its generation ignores cancelProcessing()
        self._halt = None              # ends such a reply in progress (set while one runs)
        self._running = None           # after such a stop: the runtime's end and reopening
        self._source = None            # (model, store) it was loaded from, to reopen it
        self._lost = None              # why reopening failed

    @property
    def loaded(self):
        return self._llm is not None or self._running is not None    # or reopening

    def describe(self, exc):
        return _first_line(exc)

    async def _start(self, model, store, report):
        file = model_files(model, ".bin", ".task", what="MediaPipe model file")[0]
        prompt = prompt_for(model)
        report(0.0, "Opening the model in storage")
        stream = await read_stored(store, model, file, stream=True)
        hw = await hardware.probe()
        if not hw.webgpu:
            await stream.cancel()
            raise EngineError(f"MediaPipe needs a WebGPU adapter. {hardware.no_gpu_reason(hw)}.")
        module = await import_module(TASKS_GENAI_DIR + "genai_bundle.mjs")
        fileset = await module.FilesetResolver.forGenAiTasks(site_url(TASKS_GENAI_DIR + "wasm"))
        total = int(file.get("size") or 0)
        counted, counter = _feeding(stream, total, report)
        sampling = Sampling.of(self.sampling)
        options = to_js_object(creation_options(model, sampling))
        options.baseOptions = to_js_object({})
        options.baseOptions.modelAssetBuffer = counted.getReader()
        report(0.01, "Loading the model")
        try:
            llm = await module.LlmInference.createFromOptions(fileset, options)
        except JsException as exc:
            counter.destroy()
            raise self.load_failed(model, exc) from exc
        self._llm, self._counter = llm, counter
        self._prompt, self._byte_level = prompt, model.get("tokenizer") == "byte-level"
        self._converted = file["name"].lower().endswith(".task")
        self._source, self._lost = (model, store), None
        return EngineInfo(
            engine=self.name, model=model.get("id"), backend="webgpu", threads=1,
            context_size=int(options.maxTokens),
            notes=[f"sampling fixed at load: top-k {sampling.top_k}, temperature "
                   f"{sampling.temperature}, seed {sampling.seed}"]
            + (["float32 activations (the model overflows float16)"] if model.get("force_f32")
               else []),
            runs_on=hardware.runs_on(hw, self.label, "webgpu", 1))

    async def load_lora(self, name, source, store=None):
        """A LoRA adapter from a URL (str) or, with `store`, a stored file key."""
        self._require_loaded()
        try:
            asset = await store.read(source) if store is not None else site_url(source)
            self._loras[name] = await self._llm.loadLoraModel(asset)
        except (StoreError, JsException) as exc:
            raise EngineError(f"Could not load the LoRA adapter {name!r}: {_first_line(exc)}") from exc
        return name

    @property
    def loras(self):
        return sorted(self._loras)

    async def chat(self, messages, options=None):
        if self._busy:
            raise EngineError("A reply is already in progress")
        await self._wind_down()
        if self._lost:                  # reopening after a stop failed (the file is gone, ...)
            raise EngineError(self._lost)
        self._require_loaded()
        opts = options_or_default(options)
        prompt = self._prompt(messages)
        decoder = None
        if self._byte_level:
            prompt, decoder = byte_level.encode(prompt), byte_level.Decoder()
        lora = opts.extra.get("lora")
        if lora is not None and lora not in self._loras:
            raise EngineError(f"No LoRA adapter named {lora!r} is loaded")
        queue = asyncio.Queue()
        pieces = _Pieces(lambda partial, done: queue.put_nowait((str(partial or ""), bool(done))))
        finished = None
        try:
            with self.replying() as stats:
                if self._converted:
                    self._halt = lambda: (pieces.halt(), queue.put_nowait(("", True)))
                args = [prompt] + ([self._loras[lora]] if lora is not None else []) + [pieces.listener]
                finished = asyncio.ensure_future(self._llm.generateResponse(*args))
                finished.add_done_callback(_seen)
                finished.add_done_callback(lambda _f: queue.put_nowait(("", True)))
                while True:
                    text, done = await queue.get()
                    if text and not self._stopped:
                        stats.tokens += 1
                        out = decoder.feed(text) if decoder else text
                        if out:     # empty while a character's bytes continue in the next piece
                            yield out
                        if stats.tokens >= opts.max_tokens and not done:
                            stats.finish = "length"     # maxTokens is the context: cap the reply here
                            self.stop()
                    if done:
                        break
                if not self._stopped:
                    await finished
                    tail = decoder.flush() if decoder else ""
                    if tail:
                        yield tail
        finally:
            self._halt = None
            if finished is not None and not finished.done():
                # stopped: the call ends at the runtime's next piece, then the runtime reopens
                finished.add_done_callback(lambda _f: pieces.destroy())
                self._running = running = asyncio.ensure_future(self._reopen(finished))
                running.add_done_callback(self._reopened)
            else:
                pieces.destroy()

    def _interrupt(self):
        # A converted (.task) model's generation ignores cancelProcessing() (tasks-genai
        # 0.10.29): there the reply ends here at once, the listener throws at the runtime's
        # next piece, which ends its call, and then the runtime is opened again (_reopen).
        self._llm.cancelProcessing()
        if self._halt is not None:
            self._halt()

    async def _reopen(self, halted):
        """After a halted call: each one leaves its session behind in the runtime (on an H100
        the 12th stop in a row aborted the wasm), so close it and open the model again from
        the store (about 3 s on a GPU)."""
        try:
            await halted
        except JsException:
            pass                        # the listener's "Stopped"
        self._close()
        try:
            self._info = await self._start(*self._source, no_progress)
        except (EngineError, JsException) as exc:
            self._info = EngineInfo(self.name)
            self._lost = f"{self.label} could not open the model again after Stop: {_first_line(exc)}"

    def _reopened(self, task):
        if self._running is task:
            self._running = None

    async def _wind_down(self, wait=None):
        """Wait for a stopped reply's runtime call to end and the runtime to reopen (at most
        `wait` seconds: then give up on it)."""
        running = self._running
        if running is not None:
            try:
                await asyncio.wait_for(asyncio.shield(running), wait)
            except TimeoutError:
                running.cancel()        # a runtime that never came back: freed anyway
                self._reopened(running)

    def _close(self):
        llm, self._llm, self._loras = self._llm, None, {}
        if llm is not None:
            try:
                llm.close()             # frees the wasm heap and the GPU buffers
            except JsException:
                pass                    # a runtime that aborted: dropped with its wasm instance
        if self._counter is not None:
            self._counter.destroy()
            self._counter = None

    async def _release(self):
        await self._wind_down(UNLOAD_WAIT)
        self._close()


class _Pieces:
    """generateResponse's listener: passes pieces to `push` until halt(); after that it throws,
    which ends a converted model's generation at its next piece (the wasm unwinds and the
    call rejects; measured on SwiftShader and on an H100)."""
    _make = None

    def __init__(self, push):
        if _Pieces._make is None:
            _Pieces._make = js.Function.new("push", """
                let halted = false;
                return {
                  listener: (partial, done) => {
                    if (halted) throw new Error("Stopped");
                    push(partial, done);
                  },
                  halt: () => { halted = true; },
                };""")
        self._push = create_proxy(push)
        self._js = _Pieces._make(self._push)
        self.listener = self._js.listener

    def halt(self):
        self._js.halt()

    def destroy(self):
        self._push.destroy()


def _seen(future):
    """Mark a runtime call's outcome as seen: a stopped reply's error is expected."""
    if not future.cancelled():
        future.exception()


def _first_line(exc):
    """MediaPipe errors carry a long source-location trace; the first line says it all."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)


_feeder = None


def _feeding(stream, total, report):
    """The stream MediaPipe reads -> (stream, progress proxy to destroy after the load).

    Progress is reported as bytes pass. The newest chunk is held back until the next one or
    the end arrives, so the last bytes come together with the end of the stream, as in
    MediaPipe's own Uint8Array path. Why: MediaPipe 0.10.29 tees the reader to sniff the
    format, both branches pulling through one promise chain (`Ai` in genai_bundle.mjs). When
    sniffing has read a small file ahead to its last chunk and the end comes a task later
    (our Cache API stream always, a Blob stream sometimes), the sniffing branch, cancelled by
    then, still calls close() on its controller; that TypeError stays in the chain, the
    loading branch's next read rejects inside the wasm's reader callback, and
    createFromOptions never settles."""
    global _feeder
    if _feeder is None:
        _feeder = js.Function.new("count", """
            let held = null;
            const pass = (controller) => {
              if (held !== null) {
                count(held.byteLength);
                controller.enqueue(held);
                held = null;
              }
            };
            return {
              transform(chunk, controller) { pass(controller); held = chunk; },
              flush(controller) { pass(controller); },
            };""")
    seen = [0]

    def count(n):
        seen[0] += int(n)
        if total:
            report(min(0.99, seen[0] / total), "Loading the model")

    proxy = create_proxy(count)
    return stream.pipeThrough(js.TransformStream.new(_feeder(proxy))), proxy
