"""The models state (CPython): what every panel reads about stored, downloading and loaded
models, and who hears about which change. The browser tests of the panels following it are
in tests/ui/test_one_truth.py."""
import asyncio

from app.coalesce import Coalesced
from app.download.catalog import parse_catalog
from app.download.progress import CANCELLED, DONE, DOWNLOADING, FAILED, Progress
from app.engines.active import ActiveEngine
from app.engines.base import EngineError, EngineInfo
from app.models_state import (DEFAULT, DOWNLOADS, ENGINE, STORED, ModelsState, model_keys)
from app.storage.base import EntryInfo, Store, observe
from tests.aio import run
from tests.engines.test_active import FakeA

MODEL = parse_catalog({"format": 1, "default": "m", "models": [{
    "id": "m", "name": "Model M", "engine": "a",
    "files": [{"name": "w.bin", "url": "w.bin", "size": 10},
              {"name": "t.json", "url": "t.json", "size": 2}]}]}).get("m")


def entries(*keys, size=1):
    return [EntryInfo(k, size) for k in keys]


def test_status_follows_listings_and_downloads():
    state = ModelsState()
    assert state.status(MODEL, "opfs") == "unknown"        # not read yet: no guess
    state.set_listing("opfs")
    assert state.status(MODEL, "opfs") == "absent"
    state.set_progress("opfs", Progress("m", DOWNLOADING, 4, 12))
    assert state.status(MODEL, "opfs") == "downloading"
    assert [t.progress.done for t in state.downloading("opfs")] == [4]
    state.set_progress("opfs", Progress("m", CANCELLED, 4, 12))
    state.set_listing("opfs", partials=entries("m/w.bin"))
    assert state.status(MODEL, "opfs") == "partial" and state.downloading("opfs") == []
    state.set_progress("opfs", Progress("m", DONE, 12, 12))
    state.set_listing("opfs", entries("m/w.bin", "m/t.json"))
    assert state.status(MODEL, "opfs") == "stored"
    assert state.holds("opfs", MODEL) and state.stores_holding(MODEL.as_dict()) == ["opfs"]
    assert state.status(MODEL, "cache") == "unknown"
    state.set_listing("opfs", entries("m/w.bin"))          # one file gone: not stored
    assert state.status(MODEL, "opfs") == "absent" and not state.holds("opfs", MODEL)


def test_a_damaged_entry_is_listed_and_never_usable():
    state = ModelsState()
    bad = EntryInfo("m/w.bin", 10, complete=False)        # what Store.damaged() lists
    state.set_listing("idb", [EntryInfo("m/t.json", 2)], damaged=[bad])
    assert state.status(MODEL, "idb") == "damaged" and not state.holds("idb", MODEL)
    assert list(state.listing("idb").damaged) == ["m/w.bin"]
    state.set_listing("idb", error="unreadable")           # the last listing stays, damage too
    assert list(state.listing("idb").damaged) == ["m/w.bin"]


def test_a_store_that_cannot_be_read_keeps_its_last_listing():
    state = ModelsState()
    state.set_listing("cache", entries("m/w.bin", "m/t.json"))
    state.set_listing("cache", error="QuotaExceededError")
    assert state.listing("cache").error == "QuotaExceededError"
    assert state.status(MODEL, "cache") == "stored"
    state.set_listing("idb", error="broken")
    assert state.status(MODEL, "idb") == "error"


def test_a_remote_snapshot_never_overrides_this_tabs_own_download():
    state = ModelsState()
    state.set_progress("opfs", Progress("m", DOWNLOADING, 4, 12))
    state.set_progress("opfs", Progress("m", DOWNLOADING, 9, 12), remote=True)
    assert state.transfer("opfs", MODEL).progress.done == 4
    state.set_progress("opfs", Progress("m", FAILED, 4, 12, error="gone"))
    state.set_progress("opfs", Progress("m", DOWNLOADING, 9, 12), remote=True)
    transfer = state.transfer("opfs", MODEL)
    assert transfer.remote and transfer.progress.done == 9 and transfer.active


def test_subscribers_hear_only_their_topics_and_a_broken_one_stops_nobody():
    state = ModelsState()
    heard = []
    state.subscribe(lambda t: 1 / 0)                       # a panel with a bug
    unsubscribe = state.subscribe(heard.append, STORED, ENGINE)
    everything = []
    state.subscribe(everything.append)
    state.set_listing("opfs")
    state.set_progress("opfs", Progress("m", DOWNLOADING, 1, 12))
    state.engine_loading({"id": "m"})
    state.set_default_store("idb")
    state.set_default_store("idb")                         # no change: nobody is told
    unsubscribe()
    state.set_listing("idb")
    assert heard == [STORED, ENGINE]
    assert everything == [STORED, DOWNLOADS, ENGINE, DEFAULT, STORED]


def test_engine_states_and_what_is_loaded_from_where():
    state = ModelsState()
    model = MODEL.as_dict()
    state.engine_loading(None, None, 0.1, "Looking for the built-in model…")
    state.engine_loading(model, "opfs", 2.0, "Copying")   # a fraction is clamped
    e = state.engine
    assert (e.status, e.model_name, e.store, e.fraction) == ("loading", "Model M", "opfs", 1.0)
    state.engine_loaded(model, "opfs", EngineInfo("a", "m"))
    assert state.loaded_keys() == {("opfs", "m/w.bin"), ("opfs", "m/t.json")}
    state.set_listing("opfs", entries(*model_keys(model)))
    assert state.loaded_still_stored()
    state.set_listing("opfs")                              # deleted from the store: still loaded
    assert state.engine.status == "loaded" and not state.loaded_still_stored()
    state.engine_failed("no space", loaded=(model, "opfs", EngineInfo("a", "m")))
    assert state.engine.status == "loaded" and state.engine.error == "no space"
    state.engine_failed("broken")
    assert state.engine.status == "failed" and state.engine.model_name == "Model M"
    state.engine_unloaded()
    assert state.engine.status == "idle" and state.loaded_keys() == set()


def test_active_engine_publishes_a_failed_load_and_keeps_what_is_still_loaded():
    state = ModelsState()
    active = ActiveEngine({"a": "tests.engines.test_active:FakeA"}, state=state)

    class Store:
        kind = "idb"

    async def scenario():
        await active.load({"id": "m1", "engine": "a", "files": []}, Store())
        assert state.engine.status == "loaded" and state.engine.store == "idb"

        async def broken(*_a, **_k):
            raise EngineError("no model file")
        active.engine.load = broken          # still holds m1: a failed load leaves it loaded
        try:
            await active.load({"id": "m2", "engine": "a"}, Store())
        except EngineError:
            pass
        assert state.engine.status == "loaded" and state.engine.model["id"] == "m1"
        assert state.engine.error == "no model file"
    run(scenario())


def test_two_loads_of_the_built_in_model_at_once_load_it_once(monkeypatch):
    from app.engines import embedded
    state = ModelsState()
    active = ActiveEngine({"a": "tests.engines.test_active:FakeA"}, state=state)
    calls = []

    async def locate(report):
        calls.append(1)
        report(0.5, "Copying")
        await asyncio.sleep(0.01)
        return {"id": "m", "name": "M", "engine": "a", "files": []}, None
    monkeypatch.setattr(embedded, "locate_embedded", locate)

    async def scenario():
        first, second = await asyncio.gather(active.load_embedded(), active.load_embedded())
        assert first is second and len(calls) == 1
        assert isinstance(first, FakeA) and state.engine.status == "loaded"
    run(scenario())


def test_every_change_a_store_makes_is_announced():
    class Memory(Store):
        kind = "mem"

        def __init__(self):
            self.data = {}

        async def begin(self, key, size, meta=None):
            raise NotImplementedError

        async def save_blob(self, key, blob, meta=None):
            self.data[key] = blob

        async def read(self, key):
            return self.data[key]

        async def info(self, key):
            return None

        async def list(self):
            return []

        async def partials(self):
            return []

        async def delete(self, key):
            raise KeyError(key)              # failed: announced all the same

    heard = []
    stop = observe(lambda store: heard.append(store.kind))
    try:
        store = Memory()

        async def scenario():
            await store.save_blob("k", b"x")
            await store.read("k")            # reading changes nothing
            try:
                await store.delete("k")
            except KeyError:
                pass
        run(scenario())
    finally:
        stop()
    assert heard == ["mem", "mem"]


def test_coalesced_runs_once_more_for_requests_made_while_running():
    runs = []

    async def job():
        runs.append(len(runs))
        await asyncio.sleep(0.01)

    async def scenario():
        again = Coalesced(job)
        first = again()
        assert again.busy
        await asyncio.sleep(0)                              # the first run has started
        tasks = [again() for _ in range(5)]                 # a burst while it runs
        await asyncio.gather(first, *tasks)
        assert not again.busy
        await again()
    run(scenario())
    assert runs == [0, 1, 2]
