"""Damaged bookkeeping is never hidden and never usable (issue 14, bug 4): an index, record,
manifest or sidecar overwritten with garbage from plain JS, or bytes no record claims, is
listed by its Store's `damaged()` with its size and a message, shown in the Models & storage
panel with a Delete, never listed, offered to an engine or to the embedded-model locator, and
its Delete frees the bytes (read back with plain JS and through `estimate()`)."""
import pytest

from tests.conftest import run_py
from tests.storage.conftest import MiB

pytestmark = pytest.mark.browser

SIZE = 4 * MiB
LABELS = {"cache": "Cache API", "idb": "IndexedDB", "opfs": "OPFS"}

PRE = """
import js
from app.storage.jsio import file_name
from app.storage.registry import get_store
KEY, SIZE = f"damaged/{SCENARIO}.bin", %d
NAME = file_name(KEY)
store = get_store(KIND)

async def write(meta=None):
    src = js.storageTest.source(SIZE)
    async def chunks():
        while (c := await src.next()) is not None:
            yield c
    await store.write(KEY, chunks(), SIZE, meta)

async def partial():
    p = await store.begin(KEY, 2 * SIZE, {"etag": "x"})
    await p.write_at(0, js.Uint8Array.new(SIZE).fill(7))
    await p.mark_done(0, SIZE)
""" % SIZE

# scenario: (store, what the app stores first, the damage done from plain JS, bytes it holds)
SCENARIOS = {
    "cache-index": ("cache", "await write()", """async (name) => {
        const cache = await caches.open("model-store");
        await cache.put(`${location.origin}/model-store/model/${name}`, new Response("{not json"));
    }""", SIZE),
    "cache-partial": ("cache", "await partial()", """async (name) => {
        const cache = await caches.open("model-store");
        await cache.put(`${location.origin}/model-store/partial/${name}`, new Response("[1, 2"));
    }""", SIZE),
    "cache-unclaimed-pieces": ("cache", "await partial()", """async (name) => {
        const cache = await caches.open("model-store");
        await cache.delete(`${location.origin}/model-store/partial/${name}`);
    }""", SIZE),
    "idb-record": ("idb", "await write()", """async (name, key) => idbPut("models", key, "garbage")""", SIZE),
    "idb-partial": ("idb", "await partial()", """async (name, key) => idbPut("partials", key, {gen: 42})""", SIZE),
    "idb-saved-blob": ("idb", "await store.save_blob(KEY, js.storageTest.blob(SIZE))",
                       """async (name, key) => idbPut("models", key, [1, 2])""", 0),
    "opfs-manifest": ("opfs", "await partial()", """async (name) => {
        await opfsWrite(["partial", name + ".json"], "[1, 2");
    }""", SIZE),
    "opfs-sidecar": ("opfs", "await write({'sha256': 'x'})", """async (name) => {
        await opfsWrite(["complete", name + ".meta.json"], "{oops");
    }""", SIZE),
    "opfs-interrupted-save": ("opfs", "None", """async (name) => {
        await opfsWrite(["partial", name + ".data"], new Uint8Array(4 << 20).fill(3));
    }""", SIZE),
}

JS_TOOLS = """() => {
    window.idbPut = (store, key, value) => new Promise((ok, no) => {
        const req = indexedDB.open("model-store");
        req.onsuccess = () => {
            const tx = req.result.transaction(store, "readwrite");
            tx.objectStore(store).put(value, key);
            tx.oncomplete = () => { req.result.close(); ok(); };
            tx.onerror = () => no(tx.error);
        };
    });
    window.opfsWrite = async (path, data) => {
        let dir = await (await navigator.storage.getDirectory()).getDirectoryHandle("model-store", {create: true});
        for (const name of path.slice(0, -1)) dir = await dir.getDirectoryHandle(name, {create: true});
        const w = await (await dir.getFileHandle(path[path.length - 1], {create: true})).createWritable();
        await w.write(data);
        await w.close();
    };
}"""

CHECK = """
from app.download.catalog import Model, ModelFile
from app.engines.embedded import find
model = Model("damaged", "damaged", (ModelFile(f"{SCENARIO}.bin", "x.bin", SIZE, None),))
damaged = [[e.key, e.size, e.complete, e.damage] for e in await store.damaged()]
{"listed": [e.key for e in await store.list()], "partials": [e.key for e in await store.partials()],
 "info": await store.info(KEY), "exists": await store.exists(KEY),
 "found": (await find(model, [store])) is not None, "damaged": damaged}
"""


def usage(page):
    return run_py(page, """
from app.storage.registry import all_stores
from app.storage import quota
for s in all_stores():
    await s.settle()
(await quota.estimate())["usage"]""")


def traces(raw, name, key):
    """What plain JS still finds of the entry in the raw stores."""
    return {"cache": [u for u in raw["cache"] if f"/{name}" in u],
            "idb": [k for k in raw["idb"]["models"] + raw["idb"]["partials"] if k == key]
            + ([raw["idb"]["chunks"]] if raw["idb"]["chunks"] else []),
            "opfs": [p for p, _ in raw["opfs"] if name in p]}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_damaged_entry_is_listed_with_its_size_and_delete_frees_it(clean, scenario):
    kind, setup, damage, held = SCENARIOS[scenario]
    pre = f"SCENARIO = {scenario!r}\nKIND = {kind!r}\n" + PRE
    name = run_py(clean, pre + setup + "\nNAME")
    key = f"damaged/{scenario}.bin"
    clean.evaluate(JS_TOOLS)
    clean.evaluate(damage, name) if "key" not in damage.split("=>")[0] else \
        clean.evaluate(f"([name, key]) => ({damage})(name, key)", [name, key])

    got = run_py(clean, pre + CHECK)
    # Never usable: not listed, no info, not offered to the embedded-model locator.
    assert key not in got["listed"] and key not in got["partials"], got
    assert got["info"] is None and got["exists"] is False and got["found"] is False
    # Never hidden: listed as damaged, with the bytes it holds.
    [[d_key, d_size, complete, message]] = [d for d in got["damaged"] if d[0] == key]
    assert complete is False and message.startswith("Damaged:") and "delete it" in message
    assert held <= d_size <= held + 64 * 1024, got["damaged"]

    from tests.storage.test_faults import refresh_panel
    refresh_panel(clean)
    panel = clean.get_by_role("region", name="Models & storage")
    rows = panel.get_by_role("list", name=f"Damaged entries in {LABELS[kind]}")
    row = rows.get_by_role("listitem").filter(has_text=key)
    text = row.inner_text()
    assert "Damaged:" in text and ("4.0 MiB" in text if held else "bytes" in text), text
    assert panel.get_by_role("list", name=f"Models in {LABELS[kind]}").filter(has_text=key).count() == 0

    before = usage(clean)
    row.get_by_role("button", name=f"Delete damaged {key} from {LABELS[kind]}").click()
    row.wait_for(state="detached", timeout=30_000)
    clean.wait_for_selector("[data-feature=storage][data-state=ready]", state="attached")
    assert not panel.get_by_text("Could not").count()
    raw = clean.evaluate("storageTest.raw()")
    assert traces(raw, name, key) == {"cache": [], "idb": [], "opfs": []}, raw
    assert run_py(clean, pre + "[e.key for e in await store.damaged()]") == []
    if held and kind != "idb":     # estimate() under-counts IndexedDB Blobs (README)
        assert usage(clean) <= before - held // 2, (before, usage(clean))


def test_indexeddb_chunks_no_record_or_name_claims_are_listed_and_freed(clean):
    """Chunks of a bare-uuid generation (written before ids carried their key) that no record
    names: one row for them all, and its Delete frees them."""
    clean.evaluate("""() => new Promise((ok, no) => {
        const req = indexedDB.open("model-store");
        req.onsuccess = () => {
            const tx = req.result.transaction("chunks", "readwrite");
            tx.objectStore("chunks").put(new Blob([new Uint8Array(4 << 20).fill(5)]),
                                         ["0b7c5a1e-6b2f-4c1a-9d3e-2f4a5b6c7d8e", 0]);
            tx.oncomplete = () => { req.result.close(); ok(); };
            tx.onerror = () => no(tx.error);
        };
    })""")
    key = "(model data of unknown origin)"          # app.storage.idb_store.UNIDENTIFIED
    got = run_py(clean, "from app.storage.registry import get_store\n"
                        "[[e.key, e.size] for e in await get_store('idb').damaged()]")
    assert got == [[key, SIZE]], got
    from tests.storage.test_faults import refresh_panel
    refresh_panel(clean)
    panel = clean.get_by_role("region", name="Models & storage")
    row = panel.get_by_role("list", name="Damaged entries in IndexedDB").get_by_role("listitem")
    assert "Damaged:" in row.inner_text() and "4.0 MiB" in row.inner_text()
    row.get_by_role("button", name=f"Delete damaged {key} from IndexedDB").click()
    row.wait_for(state="detached", timeout=30_000)
    assert clean.evaluate("storageTest.raw()")["idb"]["chunks"] == 0
