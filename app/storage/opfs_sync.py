"""Client of static/js/opfs-worker.js: OPFS writes through sync access handles in a worker."""
import asyncio

from app.compat import create_proxy, js, to_js_object
from app.storage.base import StoreError

WORKER_URL = "js/opfs-worker.js"


class WorkerError(Exception):
    """A DOMException raised in the worker (name kept, so jsio.translate can map it)."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


class SyncWorker:
    def __init__(self):
        self.worker = None
        self._calls = {}
        self._next_id = 0
        self._proxies = []

    async def start(self):
        """Start the worker; True when it can use createSyncAccessHandle."""
        url = js.URL.new(WORKER_URL, js.document.baseURI).href
        self.worker = js.Worker.new(url)
        self._proxies = [create_proxy(self._on_message), create_proxy(self._on_error)]
        self.worker.onmessage, self.worker.onerror = self._proxies
        try:
            return bool(await asyncio.wait_for(self.call("probe"), 30))
        except (asyncio.TimeoutError, WorkerError, StoreError):
            self.stop()
            return False

    def stop(self):
        if self.worker is not None:
            self.worker.terminate()
            self.worker = None
        for p in self._proxies:
            p.destroy()
        self._proxies = []
        self._fail_all(StoreError("the OPFS worker stopped"))

    def call(self, op, **args):
        self._next_id += 1
        fut = asyncio.get_event_loop().create_future()
        self._calls[self._next_id] = fut
        message = js.Object.new()
        message.id, message.op, message.args = self._next_id, op, to_js_object(args)
        self.worker.postMessage(message)
        return fut

    def _on_message(self, event):
        data = event.data
        fut = self._calls.pop(int(data.id), None)
        if fut is None or fut.done():
            return
        if data.ok:
            fut.set_result(data.value)
        else:
            fut.set_exception(WorkerError(data.name, data.message))

    def _on_error(self, event):
        event.preventDefault()
        self._fail_all(StoreError(f"the OPFS worker failed: {getattr(event, 'message', '')}"))

    def _fail_all(self, exc):
        calls, self._calls = self._calls, {}
        for fut in calls.values():
            if not fut.done():
                fut.set_exception(exc)

    # -- operations ----------------------------------------------------------------------
    async def write(self, path, at, parts):
        return await self.call("write", path=list(path), at=at, parts=list(parts))

    async def flush(self, path):
        await self.call("flush", path=list(path))

    async def close(self, path):
        await self.call("close", path=list(path))
