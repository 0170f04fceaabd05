"""The plumbing every JS-runtime engine shares (app/engines/runtime.py), in CPython with a
scripted runtime. The real runtimes go through it in test_wllama/test_mediapipe/test_webllm."""
import asyncio

import pytest

from app.compat import JsException
from app.engines.base import EngineError, EngineInfo
from app.engines.runtime import RuntimeEngine, read_stored
from app.storage.base import NotFound
from tests.aio import run


class Scripted(RuntimeEngine):
    """Streams `deltas`; raises `error` (a JS error) when the runtime is interrupted or at
    the end, like runtimes that reject their promise on abort."""
    name = label = "scripted"

    def __init__(self, deltas=("a", "b", "c"), error_on_interrupt=False, error_at_end=False):
        super().__init__()
        self.deltas, self.error_on_interrupt, self.error_at_end = deltas, error_on_interrupt, error_at_end
        self.model = None
        self.log = []

    @property
    def loaded(self):
        return self.model is not None

    async def _start(self, model, store, report):
        report(0.5, "starting")
        self.model = model["id"]
        self.log.append(("start", model["id"]))
        return EngineInfo(self.name, model["id"])

    async def chat(self, messages, options=None):
        self._require_loaded()
        with self.replying() as stats:
            for delta in self.deltas:
                await asyncio.sleep(0)
                if self._stopped:
                    if self.error_on_interrupt:
                        raise JsException("AbortError: aborted")
                    break
                stats.tokens += 1
                yield delta
            if self.error_at_end:
                raise JsException("RuntimeError: out of memory")

    def _interrupt(self):
        self.log.append("interrupt")

    async def _release(self):
        self.log.append(("release", self.model))
        self.model = None


def test_load_replaces_the_previous_model_and_ends_ready():
    engine, steps = Scripted(), []

    async def scenario():
        await engine.load({"id": "m1"}, None, lambda f, text: steps.append((f, text)))
        await engine.load({"id": "m2"}, None)
        return engine.info()

    info = run(scenario())
    assert engine.log == [("start", "m1"), ("release", "m1"), ("start", "m2")]
    assert steps == [(0.5, "starting"), (1.0, "Ready")] and info.model == "m2"


def test_a_finished_reply_and_one_stopped_midway():
    engine = Scripted()

    async def scenario():
        await engine.load({"id": "m"}, None)
        whole = [d async for d in engine.chat([])]
        finished = engine.last_reply.finish
        got = []
        async for delta in engine.chat([]):
            got.append(delta)
            engine.stop()
        return whole, finished, got, engine.last_reply

    whole, finished, got, stopped = run(scenario())
    assert whole == ["a", "b", "c"] and finished == "stop"
    assert got == ["a"] and stopped.finish == "aborted" and "interrupt" in engine.log


def test_runtime_errors_become_engine_errors_unless_stop_caused_them():
    async def scenario(engine, stop):
        await engine.load({"id": "m"}, None)
        async for _ in engine.chat([]):
            if stop:
                engine.stop()
        return engine.last_reply.finish

    assert run(scenario(Scripted(error_on_interrupt=True), stop=True)) == "aborted"
    failing = Scripted(error_at_end=True)
    with pytest.raises(EngineError, match="scripted stopped with an error: RuntimeError: out of memory"):
        run(scenario(failing, stop=False))
    assert failing.last_reply.finish == "error" and not failing._busy


def test_a_consumer_that_goes_away_interrupts_the_runtime():
    engine = Scripted()

    async def scenario():
        await engine.load({"id": "m"}, None)
        reply = engine.chat([])
        await anext(reply)
        await reply.aclose()

    run(scenario())
    assert "interrupt" in engine.log and engine.last_reply.finish == "aborted"


def test_unload_frees_once_and_chat_needs_a_model():
    engine = Scripted()

    async def scenario():
        await engine.load({"id": "m"}, None)
        await engine.unload()
        await engine.unload()
        return [d async for d in engine.chat([])]

    with pytest.raises(EngineError, match="No model is loaded"):
        run(scenario())
    assert engine.log.count(("release", "m")) == 1 and engine.info().model is None


class _EmptyStore:
    kind, label = "opfs", "Origin private file system"

    async def read(self, key):
        raise NotFound(f"{key} is not stored")


def test_a_missing_stored_file_is_a_clear_error():
    model = {"id": "m", "files": [{"name": "w.gguf"}]}
    with pytest.raises(EngineError, match="not available in Origin private file system: m/w.gguf"):
        run(read_stored(_EmptyStore(), model, model["files"][0]))
