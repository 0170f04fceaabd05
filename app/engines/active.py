"""The one engine in use. Loading a model whose engine differs from the current one
unloads the current one first: two runtimes never hold memory (or the GPU) at once.

Engines are created lazily by name, so a runtime's Python (and JS) is only imported when
a model needs it. The chat and the UI share `active`; it publishes every load, its progress,
its failure and every unload into the models state (app.models_state), which the panels show.
"""
import asyncio
import importlib

from app.engines.base import EngineError
from app.models_state import models as default_state

# engine name (catalog "engine" field) -> "module:Class"
ENGINE_CLASSES = {
    "wllama": "app.engines.wllama:WllamaEngine",
    "mediapipe": "app.engines.mediapipe:MediaPipeEngine",
    "web-llm": "app.engines.webllm:WebLlmEngine",
}


class ActiveEngine:
    def __init__(self, classes=None, state=None):
        self._classes = dict(ENGINE_CLASSES if classes is None else classes)
        self.state = default_state if state is None else state
        self.engine = None         # the current Engine (loaded or not) or None
        self._loaded = None        # (model, store kind) the engine holds
        self._embedded = None      # the load of the built-in model in flight (one at a time)

    @property
    def loaded(self):
        return self.engine is not None and self.engine.loaded

    def create(self, name):
        try:
            module_name, class_name = self._classes[name].split(":")
        except KeyError:
            raise EngineError(f"unknown engine {name!r}") from None
        return getattr(importlib.import_module(module_name), class_name)()

    def _reporter(self, model, store_kind, on_progress):
        def report(fraction, text=""):
            self.state.engine_loading(model, store_kind, fraction, text)
            if on_progress:
                on_progress(fraction, text)
        return report

    def _failed(self, exc):
        still = (*self._loaded, self.engine.info()) if self.loaded and self._loaded else None
        self.state.engine_failed(str(exc) or type(exc).__name__, still)

    async def load(self, model, store, on_progress=None):
        kind = getattr(store, "kind", None)
        report = self._reporter(model, kind, on_progress)
        report(0.0, f"Loading {model.get('name') or model.get('id')}…")
        try:
            name = model.get("engine")
            if self.engine is not None and self.engine.name != name:
                previous, self.engine, self._loaded = self.engine, None, None
                await previous.unload()
            if self.engine is None:
                self.engine = self.create(name)
            await self.engine.load(model, store, report)
        except BaseException as exc:
            self._failed(exc)
            raise
        self._loaded = (model, kind)
        self.state.engine_loaded(model, kind, self.engine.info())
        return self.engine

    def load_embedded(self, on_progress=None):
        """Load the built-in model (found in a store, or first copied into the default store
        from the copy that ships with the app) -> awaitable Engine. A second call while it
        loads waits for the same load: two clicks load it once."""
        if self._embedded is None or self._embedded.done():
            self._embedded = asyncio.ensure_future(self._load_embedded(on_progress))
        return asyncio.shield(self._embedded)

    async def _load_embedded(self, on_progress):
        from app.engines.embedded import locate_embedded
        report = self._reporter(None, None, on_progress)
        report(0.0, "Looking for the built-in model…")
        try:
            model, store = await locate_embedded(report)
        except BaseException as exc:
            self._failed(exc)
            raise
        return await self.load(model, store, on_progress)

    async def unload(self):
        if self.engine is not None:
            await self.engine.unload()
        self._loaded = None
        self.state.engine_unloaded()


active = ActiveEngine()
