"""The to-dos in IndexedDB (browser only): one object store, one record per to-do, keyed by id.

Built on app.storage.idb (the shared, await-safe IndexedDB plumbing). Every request of a
transaction is issued before the one await on the transaction: a Python await would
otherwise let it auto-commit (TransactionInactiveError, see FIELD_NOTES). Batches (add 500
to-dos, clear the list) are one transaction each.
"""
from app.compat import to_js_object
from app.storage import idb

DB_NAME = "todo-assistant"
STORE = "todos"         # out-of-line keys: a value that cannot be read still has its key


class StorageFull(Exception):
    """The browser refused a to-do save for space; str() says what to do."""


NO_SPACE = ("Your change could not be saved: this site has no storage space left. Delete "
            "models you no longer need (Models & storage panel), then try again.")


async def _commit(tx):
    try:
        await idb.done(tx)
    except idb.IDBError as exc:
        if exc.name == "QuotaExceededError":
            raise StorageFull(NO_SPACE) from None
        raise


class IdbTodoStore:
    def __init__(self, name=DB_NAME):
        self.name = name

    @classmethod
    async def open(cls, name=DB_NAME):
        """The store, once its database is known to open (else IDBError fit for the user)."""
        store = cls(name)
        try:
            await store._db()
        except idb.IDBError as exc:
            raise idb.IDBError(exc.name, f"Your to-dos cannot be stored in this browser "
                                         f"({exc.message}).") from None
        return store

    async def _db(self):
        # Cached by app.storage.idb; reopened if another tab's upgrade closed it.
        return await idb.open_db(self.name, (STORE,))

    async def _tx(self, mode):
        tx = (await self._db()).transaction(STORE, mode)
        return tx, tx.objectStore(STORE)

    async def load(self):
        tx, store = await self._tx("readonly")
        keys, values = store.getAllKeys(), store.getAll()
        await idb.done(tx)
        return [(_to_py(k), _to_py(v)) for k, v in zip(keys.result, values.result)]

    async def put_many(self, records):
        tx, store = await self._tx("readwrite")
        for key, record in records.items():
            store.put(to_js_object(record), key)
        await _commit(tx)

    async def delete_many(self, keys):
        tx, store = await self._tx("readwrite")
        for key in keys:
            store.delete(key)
        await _commit(tx)


def _to_py(value):
    """JS value -> Python; anything exotic stays a JsProxy (and is then rejected as a record)."""
    try:
        return value.to_py() if hasattr(value, "to_py") else value
    except Exception:  # noqa: BLE001 - an unconvertible value is just a bad record
        return value
