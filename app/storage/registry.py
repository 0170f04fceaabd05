"""Which stores exist, one instance of each, and the user's default store (persisted)."""
from app.storage import kv

KINDS = ("opfs", "cache", "idb", "fsa")     # display order; the first is the fallback default
WRITABLE = ("opfs", "cache", "idb")
DEFAULT_KEY = "storage.default_store"
_stores = {}


def _make(kind):
    if kind == "cache":
        from app.storage.cache_store import CacheStore
        return CacheStore()
    if kind == "opfs":
        from app.storage.opfs_store import OpfsStore
        return OpfsStore()
    if kind == "idb":
        from app.storage.idb_store import IdbStore
        return IdbStore()
    if kind == "fsa":
        from app.storage.fsa_store import FsaStore
        return FsaStore()
    raise KeyError(f"unknown store {kind!r}; known: {', '.join(KINDS)}")


def get_store(kind):
    if kind not in _stores:
        _stores[kind] = _make(kind)
    return _stores[kind]


def all_stores():
    return [get_store(kind) for kind in KINDS]


async def default_kind():
    kind = await kv.get(DEFAULT_KEY)
    kind = kind if kind in WRITABLE else KINDS[0]
    _publish_default(kind)
    return kind


async def set_default_kind(kind):
    if kind not in WRITABLE:
        raise ValueError(f"{kind!r} cannot be the default store (writable: {', '.join(WRITABLE)})")
    await kv.set(DEFAULT_KEY, kind)
    _publish_default(kind)


def _publish_default(kind):
    # Both store choices on screen (storage, downloads) follow the models state.
    from app.models_state import models
    models.set_default_store(kind)


async def default_store():
    return get_store(await default_kind())
