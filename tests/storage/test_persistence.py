"""Stored models, resumable partials, the default store and kept file handles survive a reload
and a browser relaunch on the same profile."""
import pytest

from tests.conftest import run_py
from tests.storage.conftest import boot

pytestmark = pytest.mark.browser

SIZE = 1 << 20

SAVE = """
import js
from app.storage.registry import get_store, set_default_kind
sums = {}
for kind in ("cache", "idb", "opfs"):
    store = get_store(kind)
    src = js.storageTest.source(SIZE, 256 * 1024)
    async def chunks():
        while (c := await src.next()) is not None:
            yield c
    await store.write(f"keep/{kind}.bin", chunks(), SIZE, {"etag": kind})
    sums[kind] = await src.sha256()
    partial = await store.begin(f"resume/{kind}.bin", 2 * SIZE, {"etag": "p"})
    await partial.write_at(0, js.Uint8Array.new(SIZE).fill(7))
    await partial.mark_done(0, SIZE)
fsa = get_store("fsa")
await fsa.add_handle(await get_store("opfs").handle("keep/opfs.bin"), "disk/model.bin")
await set_default_kind("idb")
sums
"""

CHECK = """
import js
from app.storage.registry import get_store, default_kind
out = {"default": await default_kind()}
for kind in ("cache", "idb", "opfs"):
    store = get_store(kind)
    out[kind] = {
        "listed": [[e.key, e.size, e.meta] for e in await store.list()],
        "partials": [[e.key, e.size] for e in await store.partials()],
        "sha": await js.storageTest.hashBlob(await store.read(f"keep/{kind}.bin")),
        "done": await (await store.begin(f"resume/{kind}.bin", 2 * SIZE, {"etag": "p"})).done_ranges(),
    }
fsa = get_store("fsa")
out["fsa"] = {"permission": await fsa.permission("disk/model.bin"),
              "sha": await js.storageTest.hashBlob(await fsa.read("disk/model.bin"))}
out
"""

FINISH = """
import js
from app.storage.registry import get_store
out = {}
for kind in ("cache", "idb", "opfs"):
    store = get_store(kind)
    partial = await store.begin(f"resume/{kind}.bin", 2 * SIZE, {"etag": "p"})
    await partial.write_at(SIZE, js.Uint8Array.new(SIZE).fill(9))
    await partial.mark_done(SIZE, 2 * SIZE)
    await partial.commit({"sha256": "x"})
    data = (await (await store.read(f"resume/{kind}.bin")).arrayBuffer()).to_py()
    out[kind] = [data[0], data[SIZE - 1], data[SIZE], data[-1], len(data),
                 [e.key for e in await store.partials()]]
out
"""


def check(page, sums):
    got = run_py(page, f"SIZE = {SIZE}\n" + CHECK)
    assert got["default"] == "idb"
    for kind in ("cache", "idb", "opfs"):
        assert got[kind]["listed"] == [[f"keep/{kind}.bin", SIZE, {"etag": kind}]], got
        assert got[kind]["partials"] == [[f"resume/{kind}.bin", 2 * SIZE]]
        assert got[kind]["sha"] == sums[kind]
        assert got[kind]["done"] == [[0, SIZE]]
    assert got["fsa"] == {"permission": "granted", "sha": sums["opfs"]}


def test_survives_reload_and_relaunch(profile):
    page = profile.launch()
    sums = run_py(page, f"SIZE = {SIZE}\n" + SAVE)
    boot(page, page.url)     # a reload
    check(page, sums)
    # The panel lists what survived.
    models = page.get_by_role("region", name="Models & storage")
    assert models.get_by_role("list", name="Models in IndexedDB").get_by_text("keep/idb.bin").is_visible()

    profile.close()
    page = profile.launch()
    check(page, sums)
    finished = run_py(page, f"SIZE = {SIZE}\n" + FINISH)
    for kind in ("cache", "idb", "opfs"):
        assert finished[kind] == [7, 7, 9, 9, 2 * SIZE, []], (kind, finished[kind])
