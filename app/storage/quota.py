"""Storage quota and persistence: `estimate()`, `persisted()`, and `persist()` requested once
the first model is saved (the browser may otherwise evict models under storage pressure).

Models and the to-do list share one origin quota. A to-do save needs a few KiB, so a model
write is refused up front when it would leave less than `RESERVE` free (`check_room`): models
never take the last of the space, and a full model store cannot stop the list from saving.
"""
from app.compat import js, js_get
from app.storage import kv
from app.storage.base import QuotaExceeded

MiB = 1 << 20
RESERVE = 8 * MiB     # kept free for the to-do list, settings and the stores' own records

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


def shortfall(size, usage, quota, reserve=RESERVE):
    """Bytes missing for a write of `size` to leave `reserve` free (0: it fits). Unknown usage
    or quota (None/0) is never a reason to refuse: the write itself will say."""
    if usage is None or not quota:
        return 0
    return max(0, int(size) - (int(quota) - int(usage) - reserve))


def no_room_message(key, label, size=None, free=None, action="save"):
    need = f" It needs {size / MiB:,.1f} MiB; {max(free, 0) / MiB:,.1f} MiB is free for models " \
        f"({RESERVE // MiB} MiB stay free for your to-dos)." if size is not None else ""
    return (f"Not enough storage space to {action} {key} in {label}.{need} Delete models you no "
            "longer need (Models & storage panel) or free disk space, then try again.")


async def check_room(size, key, label):
    """Raise QuotaExceeded (nothing written yet) when `size` more bytes would leave less than
    RESERVE free for this origin."""
    try:
        est = await estimate()
    except Exception:  # an estimate that fails is no reason to refuse a write
        return
    if shortfall(size, est["usage"], est["quota"]):
        free = est["quota"] - est["usage"] - RESERVE
        raise QuotaExceeded(no_room_message(key, label, size, free))


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
