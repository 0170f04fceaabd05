"""What the engines over a JS runtime (wllama, MediaPipe, web-llm) share, so each one says
only what is its own.

`RuntimeEngine` keeps the Engine contract: `load()` unloads a previous model, reports
progress and ends with "Ready"; `chat()` bodies run inside `replying()`, which tracks the
reply (stop, how it finished, runtime errors worded for the user); `unload()` lets a reply
wind down before the runtime is freed. A subclass implements:

- `_start(model, store, report)` -> EngineInfo: bring the runtime up with the model;
- `_interrupt()`: make the runtime end the reply in progress;
- `_release()`: free the runtime (no reply is running any more);
- `loaded`.

`model_files()` and `read_stored()` are the model-side prologue: which files of a catalog
entry the runtime takes, and each one from the Store as a Blob or a stream.
"""
import asyncio
from abc import abstractmethod
from contextlib import contextmanager

from app.compat import JsException
from app.download.catalog import store_key
from app.engines.base import Engine, EngineError, EngineInfo
from app.engines.messages import ReplyStats
from app.storage.base import StoreError

UNLOAD_WAIT = 30    # seconds a stopped reply gets to wind down before its runtime is freed anyway


def model_title(model):
    return model.get("name") or model["id"]


def model_files(model, *suffixes, what):
    """The files of a catalog entry whose names end in `suffixes` (any case); EngineError
    naming `what` the runtime wanted when there is none."""
    files = [f for f in model.get("files", []) if f["name"].lower().endswith(suffixes)]
    if not files:
        raise EngineError(f"{model_title(model)} has no {what}")
    return files


async def read_stored(store, model, file, stream=False):
    """One file of `model` from `store`: a JS Blob, or with `stream` a ReadableStream.
    Either way the bytes stay in JS."""
    key = store_key(model["id"], file["name"])
    try:
        return await (store.stream(key) if stream else store.read(key))
    except StoreError as exc:
        raise EngineError(f"The model is not available in {store.label or store.kind}: {exc}") from exc


def no_progress(_fraction, _text):
    pass


class RuntimeEngine(Engine):
    label = ""          # the runtime's name in messages: "wllama", "MediaPipe", "web-llm"

    def __init__(self):
        self._info = EngineInfo(self.name)
        self._busy = False          # a reply is being generated
        self._stopped = False       # ...and stop() (or its consumer leaving) ended it
        self._idle = asyncio.Event()
        self._idle.set()
        self.last_reply = None      # ReplyStats of the last finished reply

    async def load(self, model, store=None, on_progress=None):
        report = on_progress or no_progress
        if self.loaded:
            await self.unload()
        self._info = await self._start(model, store, report)
        report(1.0, "Ready")

    @abstractmethod
    async def _start(self, model, store, report):
        """Bring the runtime up with `model` -> EngineInfo."""

    @abstractmethod
    def _interrupt(self):
        """Make the runtime end the reply in progress."""

    @abstractmethod
    async def _release(self):
        """Free the runtime (memory, GPU buffers, workers)."""

    def describe(self, exc):
        """A runtime's JS error as the user reads it."""
        return str(exc)

    def load_failed(self, model, exc):
        return EngineError(f"{self.label} could not load {model_title(model)}: {self.describe(exc)}")

    def _require_loaded(self):
        if not self.loaded:
            raise EngineError("No model is loaded")

    @contextmanager
    def replying(self):
        """Around the generation of one reply; gives its ReplyStats. A JS error that stop()
        did not cause becomes an EngineError; a reply that stop() ended finishes "aborted"
        (unless it had reached max tokens)."""
        stats = ReplyStats()
        self._busy, self._stopped = True, False
        self._idle.clear()
        try:
            yield stats
        except JsException as exc:
            if not self._stopped:
                stats.finish = "error"
                raise EngineError(f"{self.label} stopped with an error: {self.describe(exc)}") from exc
        except GeneratorExit:
            self.stop()             # the consumer went away: stop generating for nobody
            raise
        finally:
            if self._stopped and stats.finish not in ("length", "error"):
                stats.finish = "aborted"
            self._busy = False
            self.last_reply = stats
            self._idle.set()

    def stop(self):
        if self._busy:
            self._stopped = True
            self._interrupt()

    async def unload(self):
        if not self.loaded:
            return
        self.stop()
        try:
            await asyncio.wait_for(self._idle.wait(), UNLOAD_WAIT)
        except TimeoutError:
            pass
        self._info = EngineInfo(self.name)
        await self._release()
