"""The one engine in use. Loading a model whose engine differs from the current one
unloads the current one first: two runtimes never hold memory (or the GPU) at once.

Engines are created lazily by name, so a runtime's Python (and JS) is only imported when
a model needs it. The chat and the UI share `active`.
"""
import importlib

from app.engines.base import EngineError

# engine name (catalog "engine" field) -> "module:Class"
ENGINE_CLASSES = {
    "wllama": "app.engines.wllama:WllamaEngine",
    "mediapipe": "app.engines.mediapipe:MediaPipeEngine",
    "web-llm": "app.engines.webllm:WebLlmEngine",
}


class ActiveEngine:
    def __init__(self, classes=None):
        self._classes = dict(ENGINE_CLASSES if classes is None else classes)
        self.engine = None         # the current Engine (loaded or not) or None
        self._listeners = []

    @property
    def loaded(self):
        return self.engine is not None and self.engine.loaded

    def subscribe(self, callback):
        """callback(engine_or_None) after every load and unload."""
        self._listeners.append(callback)

    def _notify(self):
        for callback in list(self._listeners):
            callback(self.engine)

    def create(self, name):
        try:
            module_name, class_name = self._classes[name].split(":")
        except KeyError:
            raise EngineError(f"unknown engine {name!r}") from None
        return getattr(importlib.import_module(module_name), class_name)()

    async def load(self, model, store, on_progress=None):
        name = model.get("engine")
        if self.engine is not None and self.engine.name != name:
            previous, self.engine = self.engine, None
            await previous.unload()
            self._notify()
        if self.engine is None:
            self.engine = self.create(name)
        await self.engine.load(model, store, on_progress)
        self._notify()
        return self.engine

    async def unload(self):
        if self.engine is not None:
            await self.engine.unload()
            self._notify()


active = ActiveEngine()
