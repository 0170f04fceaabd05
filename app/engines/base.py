"""The one engine interface. The chat and the UI only ever talk to it.

Contract:
- `load()` takes the model from a Store (as a Blob / stream reader, no copy through Python)
  and reports progress as fractions 0..1 through `on_progress(fraction, text)`.
- `chat()` is an async generator of text deltas; joining them gives the whole reply.
- `stop()` ends the current reply promptly (the generator finishes, no exception).
- `unload()` releases memory (and GPU buffers); a new load may follow.
- `info()` says what it runs on.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field


class EngineError(Exception):
    """Base of every engine failure; str() is a message fit for the user."""


@dataclass
class GenerationOptions:
    max_tokens: int = 256
    temperature: float = 0.7
    top_k: int = 40
    top_p: float = 0.95
    seed: int | None = None
    extra: dict = field(default_factory=dict)   # engine-specific (e.g. {"cache_prompt": False})


@dataclass
class EngineInfo:
    engine: str                 # "wllama" | "mediapipe" | "web-llm" | "fake"
    model: str | None = None
    backend: str = "wasm"       # "webgpu" | "wasm"
    threads: int = 1
    context_size: int = 0
    notes: list = field(default_factory=list)
    runs_on: str = ""           # what it runs on and why, in words (hardware.runs_on)


@dataclass
class Message:
    role: str                   # "system" | "user" | "assistant"
    content: str


class Engine(ABC):
    name = ""

    @abstractmethod
    async def load(self, model, store, on_progress=None):
        """`model` is a catalog entry (dict from models/catalog.json); `store` a Store."""

    @abstractmethod
    def chat(self, messages, options=None):
        """Async generator of str deltas for [Message] (or dicts with role/content)."""

    @abstractmethod
    def stop(self):
        """Stop the reply in progress, if any."""

    @abstractmethod
    async def unload(self):
        """Free the model."""

    def info(self):
        """EngineInfo: engines keep theirs current in `self._info`."""
        return self._info

    @property
    def loaded(self):
        return False
