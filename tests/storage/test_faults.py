"""Bad input and faults give clear messages and lose nothing: quota exceeded, missing keys,
a revoked file permission, a file changed or gone on disk, damaged records, read-only."""
import pytest

from tests.conftest import run_py
from tests.storage.conftest import MiB

pytestmark = pytest.mark.browser

WRITE_16 = """
import js
from app.storage import QuotaExceeded
from app.storage.registry import get_store
from app.storage.opfs_store import OpfsStore
store = OpfsStore(sync=False) if MODE == "main" else get_store(KIND)
src = js.storageTest.source(16 << 20)
async def chunks():
    while (c := await src.next()) is not None:
        yield c
try:
    if MODE == "save_blob":      # a whole Blob in one go (the store's own fast path)
        await store.save_blob("big/model.bin", js.storageTest.blob(16 << 20))
    else:
        await store.write("big/model.bin", chunks(), 16 << 20)
    error = None
except QuotaExceeded as exc:
    error = str(exc)
{"error": error, "listed": [e.key for e in await store.list()],
 "partials": [e.key for e in await store.partials()]}
"""


@pytest.mark.parametrize("kind,mode", [
    ("cache", ""), ("idb", ""), ("opfs", ""), ("opfs", "main"),
    ("cache", "save_blob"), ("idb", "save_blob"), ("opfs", "save_blob")])
def test_quota_exceeded_is_clear_and_leaves_nothing(clean, kind, mode):
    cdp = clean.context.new_cdp_session(clean)
    origin = clean.evaluate("location.origin")
    used = run_py(clean, "from app.storage import quota\n(await quota.estimate())['usage']")
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": used + 4 * MiB})
    try:
        got = run_py(clean, f"KIND = {kind!r}\nMODE = {mode!r}\n" + WRITE_16)
    finally:
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin})
        cdp.detach()
    assert got["error"] and "Not enough storage space" in got["error"], got
    assert "big/model.bin" in got["error"]
    assert got["listed"] == [] and got["partials"] == []


def test_missing_key_is_not_found_everywhere(clean):
    got = run_py(clean, """
from app.storage import NotFound
from app.storage.registry import all_stores
out = {}
for store in all_stores():
    try:
        await store.read("no/such.bin")
        out[store.kind] = None
    except NotFound as exc:
        out[store.kind] = [str(exc), await store.info("no/such.bin"), await store.exists("no/such.bin")]
    await store.delete("no/such.bin")      # deleting what is absent is fine
out
""")
    for kind, (message, info, exists) in got.items():
        assert "no/such.bin" in message and info is None and exists is False, kind


def test_file_store_is_read_only(clean):
    msg = run_py(clean, """
from app.storage import StoreError
from app.storage.registry import get_store
try:
    await get_store("fsa").begin("x.bin", 10)
except StoreError as exc:
    msg = str(exc)
msg
""")
    assert "read-only" in msg


FSA_SETUP = """
import js
from app.compat import to_js_object
from app.storage.registry import get_store
root = await js.navigator.storage.getDirectory()
handle = await root.getFileHandle("picked-model.gguf", to_js_object({"create": True}))
w = await handle.createWritable()
await w.write(js.Uint8Array.new(1000).fill(1))
await w.close()
fsa = get_store("fsa")
await fsa.add_handle(handle, "disk/picked.gguf")
(await (await fsa.read("disk/picked.gguf")).arrayBuffer()).byteLength
"""

FSA_READ = """
from app.storage import StoreError
from app.storage.registry import get_store
fsa = get_store("fsa")
try:
    f = await fsa.read("disk/picked.gguf")
    out = ["ok", int(f.size)]
except StoreError as exc:
    out = [type(exc).__name__, str(exc)]
out
"""


def refresh_panel(page):
    run_py(page, "from app.ui import storage_panel\nawait storage_panel.current.refresh()")


def test_revoked_permission_is_explained_and_can_be_granted_again(clean):
    assert run_py(clean, FSA_SETUP) == 1000
    # Headless Chromium grants OPFS handles; a revoked permission is what a user's disk file
    # gives after a browser restart: the prompt state, and requestPermission needing a click.
    clean.evaluate("""() => {
        const proto = FileSystemHandle.prototype;
        window.__perm = {query: proto.queryPermission, request: proto.requestPermission};
        proto.queryPermission = async () => "prompt";
        proto.requestPermission = async () => {
            throw new DOMException("User activation is required to request permissions.", "SecurityError");
        };
    }""")
    try:
        kind, message = run_py(clean, FSA_READ)
        assert kind == "PermissionDenied"
        assert "disk/picked.gguf" in message and "Allow access" in message
        refresh_panel(clean)
        allow = clean.get_by_role("button", name="Allow access to disk/picked.gguf")
        assert allow.is_visible()
        # The user allows it on the click.
        clean.evaluate("""() => {
            FileSystemHandle.prototype.requestPermission = async () => {
                FileSystemHandle.prototype.queryPermission = async () => "granted";
                return "granted";
            };
        }""")
        allow.click()
        allow.wait_for(state="detached", timeout=30_000)
        assert run_py(clean, FSA_READ) == ["ok", 1000]
    finally:
        clean.evaluate("""() => {
            FileSystemHandle.prototype.queryPermission = __perm.query;
            FileSystemHandle.prototype.requestPermission = __perm.request;
        }""")


def test_file_changed_or_gone_on_disk_is_explained(clean):
    assert run_py(clean, FSA_SETUP) == 1000
    run_py(clean, """
import js
w = await handle.createWritable()
await w.write(js.Uint8Array.new(2000).fill(2))
await w.close()
""")
    kind, message = run_py(clean, FSA_READ)
    assert kind == "Changed" and "changed on disk" in message and "2000" in message
    refresh_panel(clean)
    clean.get_by_role("button", name="Use the new version of disk/picked.gguf").click()
    clean.wait_for_function("() => !document.querySelector('[data-action=accept]')", timeout=30_000)
    assert run_py(clean, FSA_READ) == ["ok", 2000]

    run_py(clean, 'await root.removeEntry("picked-model.gguf")')
    kind, message = run_py(clean, FSA_READ)
    assert kind == "NotFound" and "no longer on your disk" in message
    refresh_panel(clean)  # the panel still renders, and says so
    assert clean.get_by_text("(no longer on disk)").is_visible()


def test_file_input_fallback_without_file_system_access(clean):
    clean.evaluate("() => { window.__picker = window.showOpenFilePicker; delete window.showOpenFilePicker; }")
    try:
        with clean.expect_file_chooser() as chooser:
            clean.get_by_role("button", name="Use a model file from disk").click()
        chooser.value.set_files(files=[{"name": "tiny.gguf", "mimeType": "application/octet-stream",
                                         "buffer": b"GGUF" + bytes(96)}])
        clean.get_by_text("(this session only)").wait_for(timeout=30_000)
        got = run_py(clean, """
from app.storage.registry import get_store
fsa = get_store("fsa")
[(await (await fsa.read("tiny.gguf")).arrayBuffer()).byteLength, [e.key for e in await fsa.list()]]
""")
        assert got == [100, ["tiny.gguf"]]
    finally:
        clean.evaluate("() => { window.showOpenFilePicker = window.__picker; }")


def test_damaged_records_are_not_listed_as_usable_and_not_fatal(clean):
    # (test_damage.py: how each kind of damage is listed, shown and freed)
    got = run_py(clean, """
import js
from app.compat import to_js_object
from app.storage import idb
from app.storage.registry import get_store
db = await idb.open_db("model-store", ("models", "partials", "chunks"))
tx = db.transaction("models", "readwrite")
tx.objectStore("models").put(to_js_object({"gen": 1}), "broken.bin")
await idb.done(tx)
cache = await js.caches.open("model-store")
await cache.put(js.location.origin + "/model-store/model/broken.bin", js.Response.new("{not json"))
root = await js.navigator.storage.getDirectory()
d = await (await root.getDirectoryHandle("model-store", to_js_object({"create": True}))).getDirectoryHandle("partial", to_js_object({"create": True}))
w = await (await d.getFileHandle("broken.bin.json", to_js_object({"create": True}))).createWritable()
await w.write("[1, 2")
await w.close()
out = {k: [[e.key for e in await get_store(k).list()], [e.key for e in await get_store(k).partials()],
           [e.key for e in await get_store(k).damaged()]]
       for k in ("idb", "cache", "opfs")}
await cache.delete(js.location.origin + "/model-store/model/broken.bin")
await d.removeEntry("broken.bin.json")
out
""")
    damaged = [[], [], ["broken.bin"]]
    assert got == {"idb": damaged, "cache": damaged, "opfs": damaged}
