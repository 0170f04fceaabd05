"""The to-dos in IndexedDB (browser only): one object store, one record per to-do, keyed by id.

A minimal helper until the shared storage layer has an idb-keyval-like API (then this file
shrinks to the store class). The trap it avoids: a transaction goes inactive across any
Python `await`, so every request of a transaction is issued before the first await, and the
completion handler is attached first (see FIELD_NOTES, TransactionInactiveError).
"""
import asyncio

from app.compat import create_proxy, js, to_js_object

DB_NAME = "todo-assistant"
DB_VERSION = 1          # IndexedDB schema version; the record format has its own (model.py)
STORE = "todos"


class IdbError(Exception):
    """IndexedDB failed; str() is fit for the user."""


def _settle(target, ok_event, error_events, result):
    """A Future resolved by `ok_event` (with result()) or failed by any of `error_events`."""
    fut = asyncio.get_event_loop().create_future()
    proxies = []

    def ok(_event):
        if not fut.done():
            fut.set_result(result())

    def fail(_event):
        if not fut.done():
            error = getattr(target, "error", None)
            fut.set_exception(IdbError(f"Saving to the browser failed: "
                                       f"{getattr(error, 'message', None) or 'aborted'}"))

    for name, fn in [(ok_event, ok)] + [(e, fail) for e in error_events]:
        proxy = create_proxy(fn)
        proxies.append(proxy)
        setattr(target, name, proxy)
    fut.add_done_callback(lambda _f: [p.destroy() for p in proxies])
    return fut


def request(req):
    return _settle(req, "onsuccess", ["onerror"], lambda: req.result)


def transaction_done(tx):
    return _settle(tx, "oncomplete", ["onerror", "onabort"], lambda: None)


async def open_db(name=DB_NAME, version=DB_VERSION):
    req = js.indexedDB.open(name, version)

    def upgrade(_event):
        db = req.result
        if not db.objectStoreNames.contains(STORE):
            db.createObjectStore(STORE)         # out-of-line keys: a broken value keeps its key

    upgrade_proxy = create_proxy(upgrade)
    req.onupgradeneeded = upgrade_proxy
    try:
        db = await request(req)
    except IdbError as exc:
        raise IdbError(f"Your to-dos cannot be stored in this browser ({exc}).") from None
    finally:
        upgrade_proxy.destroy()
    # Another tab upgrading the schema: let it, rather than blocking it forever.
    db.onversionchange = create_proxy(lambda _e: db.close())
    return db


class IdbTodoStore:
    def __init__(self, db):
        self.db = db

    @classmethod
    async def open(cls, name=DB_NAME):
        return cls(await open_db(name))

    async def load(self):
        tx = self.db.transaction(STORE, "readonly")
        done = transaction_done(tx)
        store = tx.objectStore(STORE)
        keys, values = request(store.getAllKeys()), request(store.getAll())   # both before awaiting
        keys, values = await keys, await values
        await done
        return [(_to_py(k), _to_py(v)) for k, v in zip(keys, values)]

    async def put_many(self, records):
        tx = self.db.transaction(STORE, "readwrite")
        done = transaction_done(tx)
        store = tx.objectStore(STORE)
        for key, record in records.items():
            store.put(to_js_object(record), key)
        await done

    async def delete_many(self, keys):
        tx = self.db.transaction(STORE, "readwrite")
        done = transaction_done(tx)
        store = tx.objectStore(STORE)
        for key in keys:
            store.delete(key)
        await done


def _to_py(value):
    """JS value -> Python; anything exotic stays a JsProxy (and is then rejected as a record)."""
    try:
        return value.to_py() if hasattr(value, "to_py") else value
    except Exception:  # noqa: BLE001 - an unconvertible value is just a bad record
        return value
