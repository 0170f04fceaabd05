"""Storage quota and persistence: `estimate()`, `persisted()`, and `persist()` requested once
the first model is saved (the browser may otherwise evict models under storage pressure)."""
from app.compat import js, js_get
from app.storage import kv

PERSIST_RESULT = "storage.persist_result"   # kv key: what persist() last answered
_requested_this_session = False


def _storage():
    return js_get(js_get(js, "navigator"), "storage")


async def estimate():
    """{"usage": bytes, "quota": bytes} for this origin (None values when unsupported)."""
    storage = _storage()
    if storage is None or not hasattr(storage, "estimate"):
        return {"usage": None, "quota": None}
    est = await storage.estimate()
    return {"usage": int(est.usage), "quota": int(est.quota)}


async def persisted():
    storage = _storage()
    return bool(await storage.persisted()) if storage and hasattr(storage, "persisted") else False


async def request_persist():
    """Ask for persistent storage; returns the browser's answer and remembers it."""
    global _requested_this_session
    _requested_this_session = True
    storage = _storage()
    granted = bool(await storage.persist()) if storage and hasattr(storage, "persist") else False
    await kv.set(PERSIST_RESULT, "granted" if granted else "denied")
    return granted


async def after_save():
    """Called when a model has been saved: ask for persistence once per session if needed."""
    if _requested_this_session:
        return
    try:
        if not await persisted():
            await request_persist()
    except Exception:  # persistence is a nice-to-have: never fail a save because of it
        pass


async def state():
    """What the panel shows: persisted now, the last answer to a request, usage and quota."""
    return {"persisted": await persisted(), "last_request": await kv.get(PERSIST_RESULT),
            **await estimate()}
