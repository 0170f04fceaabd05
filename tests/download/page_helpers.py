# Runs inside the page (sent with run_py): start, watch and finish downloads for the tests.
import asyncio
import hashlib

from app.download.catalog import ChunksRef, Model, ModelFile
from app.download.fetcher import ModelDownload
from app.download.plan import RetryPolicy
from app.storage import get_store  # noqa: F401 - used by the tests' expressions

downloads = {}      # name -> (ModelDownload, task, events)


def test_model(model_id, file_name, size, sha256, chunks_sha256=None):
    """`chunks_sha256`: the file has a chunk manifest, files/<file>.chunks.json, with this sha256."""
    chunks = ChunksRef(f"files/{file_name}.chunks.json", chunks_sha256) if chunks_sha256 else None
    return Model(model_id, model_id,
                 (ModelFile(file_name, "files/" + file_name, size, sha256, chunks),))


async def corrupt_opfs(key, offset, complete=False):
    """Flip one stored byte of an OPFS entry behind the store's back (a disk gone bad)."""
    from app.compat import js
    from app.compat import to_js_object
    from app.storage.opfs_store import COMPLETE, PARTIAL, ROOT, file_name
    store = get_store("opfs")
    name = file_name(key)
    if not complete:
        await store.mode()
        path = [ROOT, PARTIAL, name + ".data"]
        await store.worker.close(path)          # the handle's lock: the writable needs it
    else:
        path = [ROOT, COMPLETE, name]
    return await js.Function.new("path", "at", """return (async () => {
        let dir = await navigator.storage.getDirectory();
        for (const n of path.slice(0, -1)) dir = await dir.getDirectoryHandle(n);
        const handle = await dir.getFileHandle(path[path.length - 1]);
        const byte = new Uint8Array(await (await handle.getFile()).slice(at, at + 1).arrayBuffer());
        const w = await handle.createWritable({ keepExistingData: true });
        await w.write({ type: "write", position: at, data: new Uint8Array([byte[0] ^ 0xff]) });
        await w.close();
        return byte[0];
    })()""")(to_js_object(path), offset)


async def _outcome(download):
    try:
        infos = await download.run()
        return {"ok": True, "meta": [dict(i.meta) for i in infos], "sizes": [i.size for i in infos]}
    except Exception as exc:
        return {"ok": False, "type": type(exc).__name__, "error": str(exc)}


def start(name, store, model, **kw):
    kw.setdefault("chunk_size", 2 << 20)
    kw.setdefault("retry", RetryPolicy(retries=3, base_delay=0.05, max_delay=0.2))
    events = []
    download = ModelDownload(model, store, on_progress=events.append, **kw)
    downloads[name] = (download, asyncio.ensure_future(_outcome(download)), events)


async def finish(name, timeout=180):
    """The outcome; a download that hangs comes back as a failure with its progress."""
    download, task, events = downloads[name]
    try:
        return await asyncio.wait_for(asyncio.shield(task), timeout)
    except asyncio.TimeoutError:
        return {"ok": False, "type": "Timeout", "error": f"no outcome after {timeout} s",
                "progress": download.progress.to_dict()}


def progress(name):
    download, task, events = downloads[name]
    return download.progress.to_dict()


def events_of(name):
    return [e.to_dict() for e in downloads[name][2]]


async def stored_sha256(store, key):
    blob = await store.read(key)
    reader = blob.stream().getReader()
    digest = hashlib.sha256()
    while True:
        chunk = await reader.read()
        if chunk.done:
            return digest.hexdigest()
        digest.update(chunk.value.to_py())


async def store_state(store, key):
    info = await store.info(key)
    partials = [p.key for p in await store.partials()]
    return {"complete": info is not None, "partial": key in partials}


shared = {}         # name -> (Download, events): downloads coordinated across tabs


def start_shared(name, store, model, **kw):
    from app.download.manager import Download
    kw.setdefault("chunk_size", 2 << 20)
    kw.setdefault("retry", RetryPolicy(retries=3, base_delay=0.05, max_delay=0.2))
    events = []
    download = Download(model, store, on_progress=events.append, **kw).start()
    shared[name] = (download, events)


async def finish_shared(name, timeout=180):
    download, events = shared[name]
    try:
        return await asyncio.wait_for(_outcome_of(asyncio.shield(download.task)), timeout)
    except asyncio.TimeoutError:
        return {"ok": False, "type": "Timeout", "progress": download.progress.to_dict()}


async def _outcome_of(task):
    try:
        infos = await task
        return {"ok": True, "meta": [dict(i.meta) for i in infos]}
    except Exception as exc:
        return {"ok": False, "type": type(exc).__name__, "error": str(exc)}


def shared_events(name):
    return [e.to_dict() for e in shared[name][1]]
