"""A tiny key-value store on IndexedDB, in the spirit of idb-keyval: get/set/delete/keys.

    from app.storage import kv
    await kv.set("theme", "dark")
    await kv.get("theme")                       # "dark"
    todos = kv.Bucket("todos")                  # its own database, same API
    await todos.set(1, {"text": "buy milk"})

Values are anything structured clone accepts: plain Python data (dicts, lists, str, numbers),
or JS objects such as Blobs and FileSystemFileHandles. Plain data comes back as Python data;
JS objects inside it come back as JS objects.
"""
from app.compat import js, js_none, to_js_object
from app.storage import idb

STORE = "kv"


def _to_js(value):
    if isinstance(value, (dict, list, tuple)):
        return to_js_object(value)
    return value


def _to_py(value):
    value = js_none(value)          # a stored null reads as None (getPrototypeOf(null) throws)
    return value.to_py() if hasattr(value, "to_py") and _is_plain(value) else value


def _is_plain(value):
    # Only Objects and Arrays become Python data; Blobs, handles and typed arrays stay JS.
    return js.Array.isArray(value) or js.Object.getPrototypeOf(value) == js.Object.prototype


class Bucket:
    """One IndexedDB database holding one object store of key -> value."""

    def __init__(self, db_name):
        self.db_name = db_name

    async def _tx(self, mode="readonly"):
        db = await idb.open_db(self.db_name, (STORE,))
        tx = db.transaction(STORE, mode)
        return tx, tx.objectStore(STORE)

    async def get(self, key, default=None):
        tx, store = await self._tx()
        req = store.get(key)
        await idb.done(tx)
        value = _to_py(req.result)
        return default if value is None else value

    async def get_many(self, keys):
        tx, store = await self._tx()
        reqs = [store.get(k) for k in keys]
        await idb.done(tx)
        return [_to_py(r.result) for r in reqs]

    async def set(self, key, value):
        tx, store = await self._tx("readwrite")
        store.put(_to_js(value), key)
        await idb.done(tx)

    async def delete(self, key):
        tx, store = await self._tx("readwrite")
        store.delete(key)
        await idb.done(tx)

    async def keys(self):
        tx, store = await self._tx()
        req = store.getAllKeys()
        await idb.done(tx)
        return list(req.result.to_py())

    async def items(self):
        tx, store = await self._tx()
        keys, values = store.getAllKeys(), store.getAll()
        await idb.done(tx)
        return list(zip(keys.result.to_py(), (_to_py(v) for v in values.result)))

    async def clear(self):
        tx, store = await self._tx("readwrite")
        store.clear()
        await idb.done(tx)


default = Bucket("app-kv")
get, set, delete, keys, items = default.get, default.set, default.delete, default.keys, default.items
