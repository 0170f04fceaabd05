"""A scripted engine for unit tests of the chat logic (the browser tests use the real one)."""
import asyncio

from app.engines.base import Engine, EngineInfo


class FakeEngine(Engine):
    name = "fake"

    def __init__(self, reply="Sure thing.", context_size=2048, delay=0.0):
        self.reply = reply
        self.context_size = context_size
        self.delay = delay
        self.calls = []
        self._stop = False
        self._loaded = True

    async def load(self, model, store, on_progress=None):
        self._loaded = True

    async def chat(self, messages, options=None):
        self.calls.append(list(messages))
        self._stop = False
        for word in self.reply.split(" "):
            if self._stop:
                return
            await asyncio.sleep(self.delay)
            yield word + " "

    def stop(self):
        self._stop = True

    async def unload(self):
        self._loaded = False

    def info(self):
        return EngineInfo("fake", "fake-model", context_size=self.context_size)

    @property
    def loaded(self):
        return self._loaded
