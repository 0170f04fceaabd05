"""Raw IndexedDB through the FFI, made safe for Python's `await`.

A transaction auto-commits as soon as control returns to the event loop with no request
pending, and a Python `await` always does that (TransactionInactiveError otherwise). So the
rule here: issue every request of a transaction first, then await the transaction once
(`await done(tx)`), then read the requests' `.result`s.
"""
import asyncio

from app.compat import create_proxy, js, js_get

_dbs = {}          # name -> open IDBDatabase (one connection per database per page)


class IDBError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


def _error(target):
    err = js_get(target, "error")        # null after abort() with no error
    if err is None:
        return IDBError("AbortError", "the transaction was aborted")
    return IDBError(err.name, err.message)


def _future_from(target, ok_events, fail_events, result=lambda t: None):
    """An asyncio Future settled by the first of the target's events; the callbacks are
    proxies that are destroyed as soon as it settles."""
    fut = asyncio.get_event_loop().create_future()
    proxies = []

    def settle(ok):
        def handler(_event):
            if not fut.done():
                fut.set_result(result(target)) if ok else fut.set_exception(_error(target))
            for name in (*ok_events, *fail_events):
                setattr(target, "on" + name, None)
            for p in proxies:
                p.destroy()
        return handler

    for names, ok in ((ok_events, True), (fail_events, False)):
        for name in names:
            proxies.append(p := create_proxy(settle(ok)))
            setattr(target, "on" + name, p)
    return fut


def done(tx):
    """Awaitable: the transaction committed (raises IDBError with the DOMException's name,
    e.g. QuotaExceededError, when it aborted)."""
    return _future_from(tx, ("complete",), ("abort", "error"))


def on_result(req, then):
    """Call `then(result)` when `req` succeeds, from its success event: the transaction is
    still active there, so `then` may issue more requests in it (chaining a lookup and what
    depends on it in one transaction, which a Python await in between would have ended)."""
    def handler(_event):
        req.onsuccess = None
        proxy.destroy()
        then(req.result)

    proxy = create_proxy(handler)
    req.onsuccess = proxy


def request(req):
    """Awaitable result of a lone request (open, deleteDatabase); not for requests inside a
    transaction you still need (await the transaction with `done` instead)."""
    return _future_from(req, ("success",), ("error",), lambda r: r.result)


async def open_db(name, stores, version=1):
    """The database `name`, created with the object `stores` (names) when new."""
    db = _dbs.get(name)
    if db is not None:
        return db
    req = js.indexedDB.open(name, version)

    def upgrade(_event):
        db = req.result
        for store in stores:
            if not db.objectStoreNames.contains(store):
                db.createObjectStore(store)

    proxy = create_proxy(upgrade)
    req.onupgradeneeded = proxy
    try:
        db = await request(req)
    finally:
        proxy.destroy()

    def closed(_event=None):
        db.close()
        _dbs.pop(name, None)

    # Another tab (or a test) deleting or upgrading the database must not be blocked by us.
    db.onversionchange = create_proxy(closed)
    _dbs[name] = db
    return db


async def delete_db(name):
    if (db := _dbs.pop(name, None)) is not None:
        db.close()
    await request(js.indexedDB.deleteDatabase(name))
