"""Model storage from Python: one `Store` interface over Cache API, OPFS, IndexedDB and File
System Access (see base.py for the contract every store keeps).

    from app.storage import get_store, default_store
    store = get_store("opfs")                    # "cache" | "opfs" | "idb" | "fsa"
    await store.write(key, chunks, size)         # chunks: async iterable of Uint8Array
    blob = await store.read(key)                 # a JS Blob/File; store.stream(key) for a stream
"""
from app.storage.base import (  # noqa: F401
    Changed, EntryInfo, NotFound, Partial, PermissionDenied, QuotaExceeded, Store, StoreError)


def get_store(kind):
    from app.storage.registry import get_store as get
    return get(kind)


async def default_store():
    from app.storage.registry import default_store as get
    return await get()
