"""Switching engines (logic, CPython, with fake engines). The browser test with real
runtimes is in test_switching.py."""
from tests.aio import run

import pytest

from app.engines.active import ActiveEngine
from app.engines.base import Engine, EngineError, EngineInfo
from app.models_state import ENGINE, ModelsState

LOG = []


class _Fake(Engine):
    def __init__(self):
        self._loaded = None

    @property
    def loaded(self):
        return self._loaded is not None

    async def load(self, model, store, on_progress=None):
        LOG.append((self.name, "load", model["id"]))
        self._loaded = model["id"]

    async def chat(self, messages, options=None):
        yield "x"

    def stop(self):
        pass

    async def unload(self):
        LOG.append((self.name, "unload", self._loaded))
        self._loaded = None

    def info(self):
        return EngineInfo(self.name, self._loaded)


class FakeA(_Fake):
    name = "a"


class FakeB(_Fake):
    name = "b"


def test_loading_another_engine_unloads_the_current_one():
    LOG.clear()
    state = ModelsState()
    active = ActiveEngine({"a": f"{__name__}:FakeA", "b": f"{__name__}:FakeB"}, state=state)
    seen = []
    state.subscribe(lambda _t: seen.append((state.engine.status, state.engine.info and
                                            state.engine.info.engine)), ENGINE)

    async def scenario():
        first = await active.load({"id": "m1", "engine": "a"}, store=None)
        same = await active.load({"id": "m2", "engine": "a"}, store=None)
        assert same is first            # same engine: reused, it swaps its own model
        await active.load({"id": "m3", "engine": "b"}, store=None)
        assert not first.loaded and active.engine.name == "b" and active.loaded
        await active.unload()
        assert not active.loaded

    run(scenario())
    assert LOG == [("a", "load", "m1"), ("a", "load", "m2"), ("a", "unload", "m2"),
                   ("b", "load", "m3"), ("b", "unload", "m3")]
    loads = [s for s in seen if s[0] != "loading"]   # each load also reports its progress
    assert loads == [("loaded", "a"), ("loaded", "a"), ("loaded", "b"), ("idle", None)]
    assert seen[0] == ("loading", None)


def test_unknown_engine_is_a_clear_error():
    state = ModelsState()
    with pytest.raises(EngineError, match="unknown engine 'nope'"):
        run(ActiveEngine({}, state=state).load({"id": "m", "engine": "nope"}, store=None))
    assert state.engine.status == "failed" and "unknown engine" in state.engine.error
