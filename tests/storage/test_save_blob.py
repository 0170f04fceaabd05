"""`Store.save_blob`: a whole file held as a Blob goes in with each store's one-go write, reads
back the same through read() and stream(), replaces a download's pieces (and is replaced by
them) without leaving any behind, and falls back to pieces where the Cache API refuses one
big entry (Chromium's in-memory storage, as in incognito windows)."""
import pytest

from tests.conftest import run_py, wait_for_boot
from tests.storage.conftest import HELPERS, MiB

pytestmark = pytest.mark.browser

KEY = "test/saved.bin"

SAVE = """
import js
from app.storage.registry import get_store
from app.storage.opfs_store import OpfsStore
store = OpfsStore(sync=False) if MODE == "main" else get_store(KIND)
blob = js.storageTest.blob(SIZE)
info = await store.save_blob(KEY, blob, {"sha256": "abc"})
back = await store.read(KEY)
result = {"info": [info.key, info.size, info.meta], "sent": await js.storageTest.hashBlob(blob),
          "blob": await js.storageTest.hashBlob(back), "blob_size": back.size,
          "stream": await js.storageTest.hashStream(await store.stream(KEY)),
          "stored": [[e.key, e.size, e.meta] for e in await store.list()],
          "partials": [e.key for e in await store.partials()]}
del blob, back
result
"""

# What each store keeps for KEY besides the entry itself: Cache API requests, IndexedDB chunk
# records, OPFS partial files. A replaced entry must leave none of its old pieces behind.
LEFTOVERS = """
import js
from app.storage import idb
from app.storage.jsio import file_name
name = file_name(KEY)
cache = await js.caches.open("model-store")
db = await idb.open_db("model-store", ("models", "partials", "chunks"))
tx = db.transaction("chunks")
count = tx.objectStore("chunks").count()
await idb.done(tx)
{"cache": sorted(r.url.split("/model-store/")[1].split("?")[0].replace(name, "NAME")
                 for r in await cache.keys() if name in r.url),
 "idb_chunks": count.result}
"""


def save(page, kind, size, mode=""):
    return run_py(page, f"KIND = {kind!r}\nMODE = {mode!r}\nKEY = {KEY!r}\nSIZE = {size}\n" + SAVE)


@pytest.mark.parametrize("kind,mode", [("cache", ""), ("idb", ""), ("opfs", ""), ("opfs", "main")])
def test_save_blob_round_trip(clean, kind, mode):
    size = 16 * MiB + 123
    got = save(clean, kind, size, mode)
    assert got["info"] == [KEY, size, {"sha256": "abc"}]
    assert got["blob_size"] == size
    assert got["blob"] == got["sent"] and got["stream"] == got["sent"]
    assert got["stored"] == [[KEY, size, {"sha256": "abc"}]] and got["partials"] == []


DOWNLOAD = """
import js
from app.storage.registry import get_store
for kind in ("cache", "idb"):
    src = js.storageTest.source(SIZE)
    if PAUSED:                                   # begun, one MiB written, then left
        p = await get_store(kind).begin(KEY, SIZE)
        await p.write_at(0, await src.next())
        await p.mark_done(0, 1 << 20)
    else:
        async def chunks():
            while (c := await src.next()) is not None:
                yield c
        await get_store(kind).write(KEY, chunks(), SIZE)
True
"""


def test_save_blob_and_downloads_replace_each_other_without_leftovers(clean):
    size = 24 * MiB
    leftovers = lambda: run_py(clean, f"KEY = {KEY!r}\n" + LEFTOVERS)   # noqa: E731
    # A paused download, then the whole file saved over it: the partial and its pieces go.
    run_py(clean, f"KEY = {KEY!r}\nSIZE = {size}\nPAUSED = True\n" + DOWNLOAD)
    for kind in ("cache", "idb"):
        assert save(clean, kind, size)["stored"] == [[KEY, size, {"sha256": "abc"}]]
    assert leftovers() == {"cache": ["model/NAME"], "idb_chunks": 0}
    # A download completed over the saved file replaces it (8 MiB pieces) ...
    run_py(clean, f"KEY = {KEY!r}\nSIZE = {size}\nPAUSED = False\n" + DOWNLOAD)
    left = leftovers()
    assert left["cache"][0] == "model/NAME" and len(left["cache"]) == 4
    assert all(p.startswith("piece/NAME/") for p in left["cache"][1:])
    assert left["idb_chunks"] == 3
    # ... and a saved file replaces a complete download.
    for kind in ("cache", "idb"):
        assert save(clean, kind, size)["stored"] == [[KEY, size, {"sha256": "abc"}]]
    assert leftovers() == {"cache": ["model/NAME"], "idb_chunks": 0}


def test_cache_falls_back_to_pieces_where_one_big_entry_is_refused(page, server):
    """Playwright's default context keeps Cache Storage in memory, like an incognito window,
    where Chromium refuses one entry of 256 MiB."""
    page.context.add_init_script(path=str(HELPERS))
    page.goto(server + "/")
    assert wait_for_boot(page) == "ready"
    got = save(page, "cache", 256 * MiB)
    assert got["blob"] == got["sent"] and got["stored"][0][:2] == [KEY, 256 * MiB]
    assert run_py(page, "from app.storage.cache_store import CacheStore\n"
                        "CacheStore.refused_size") == 256 * MiB
