"""One download per model across tabs: a Web Lock says who downloads, a BroadcastChannel
carries that tab's progress to the others.

The lock is released by the browser when its tab closes, so a waiting tab then takes over and
resumes from the stored chunks; when the owner finished, the waiting tab finds the model
complete in the store and makes no request at all.
"""
import asyncio

from app.compat import JsException, create_proxy, js, js_get, to_js_object
from app.download.progress import Progress

CHANNEL = "model-downloads"
# Tells this tab's messages apart from the other tabs' (a channel hears its own tab's others).
TAB_ID = f"{js.Math.random():.12f}"[2:] if js is not None else "cpython"


class WebLock:
    """A held navigator.locks lock; `release()` lets the next tab in."""

    def __init__(self, name, release):
        self.name, self._release = name, release

    def release(self):
        if self._release is not None:
            self._release()
            self._release = None

    @classmethod
    async def acquire(cls, name, if_available=False, signal=None):
        """-> WebLock, or None when `if_available` and another tab holds it. An aborted
        `signal` (AbortSignal) while waiting raises JsException(AbortError)."""
        granted = asyncio.get_event_loop().create_future()
        resolvers = []

        def executor(resolve, _reject):
            resolvers.append(resolve)

        keep = create_proxy(executor)
        held = js.Promise.new(keep)             # the lock is held until this promise settles
        keep.destroy()

        def on_grant(lock):
            # JS null when the lock is not available; a granted Lock has a `mode`.
            got = js_get(lock, "mode") is not None
            if not granted.done():
                granted.set_result(got)
            return held if got else None

        callback = create_proxy(on_grant)
        options = {"ifAvailable": True} if if_available else {}
        if signal is not None:
            options["signal"] = signal
        request = js.navigator.locks.request(name, to_js_object(options), callback)

        def on_error(err):
            if not granted.done():
                granted.set_exception(JsException(err) if not isinstance(err, Exception) else err)

        error_handler = create_proxy(on_error)
        request.catch(error_handler)
        try:
            got = await granted
        finally:
            callback.destroy()
            error_handler.destroy()
        if not got:
            resolvers[0]()                          # nothing held: settle the unused promise
            return None
        return cls(name, resolvers[0])


class ProgressChannel:
    """Progress snapshots between tabs (BroadcastChannel), filtered by lock name."""

    def __init__(self):
        self.channel = js.BroadcastChannel.new(CHANNEL)
        self._listeners = {}

    def publish(self, name, progress):
        self.channel.postMessage(to_js_object({"name": name, "tab": TAB_ID,
                                               "progress": progress.to_dict()}))

    def subscribe(self, name, callback):
        """callback(Progress) for messages about `name`; returns an unsubscribe function."""
        return self._listen(lambda data: data.get("name") == name,
                            lambda data, progress: callback(progress))

    def watch(self, callback):
        """callback(name, Progress) for every download running in another tab."""
        return self._listen(lambda data: data.get("tab") != TAB_ID,
                            lambda data, progress: callback(str(data.get("name")), progress))

    def _listen(self, wanted, callback):
        def on_message(event):
            data = event.data.to_py() if hasattr(event.data, "to_py") else None
            if isinstance(data, dict) and wanted(data):
                try:
                    progress = Progress.from_dict(data["progress"])
                except (TypeError, KeyError, ValueError):
                    return                          # a malformed message is ignored
                callback(data, progress)

        proxy = create_proxy(on_message)
        self.channel.addEventListener("message", proxy)

        def unsubscribe():
            self.channel.removeEventListener("message", proxy)
            proxy.destroy()
        return unsubscribe

    def close(self):
        self.channel.close()
