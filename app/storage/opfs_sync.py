"""Client of static/js/opfs-worker.js: OPFS writes through sync access handles in a worker."""
import asyncio

from app.compat import js, js_get, to_js_object
from app.workers import Worker
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
        self._progress = {}         # call id -> callback for {id, progress} messages
        self._last = {}             # call id -> future of its last progress (call_until_last)
        self._next_id = 0

    async def start(self):
        """Start the worker; True when it can use createSyncAccessHandle."""
        self.worker = Worker(WORKER_URL, self._on_message, self._on_error)
        try:
            return bool(await asyncio.wait_for(self.call("probe"), 30))
        except (asyncio.TimeoutError, WorkerError, StoreError):
            self.stop()
            return False

    def stop(self):
        if self.worker is not None:
            self.worker.terminate()
            self.worker = None
        self._fail_all(StoreError("the OPFS worker stopped"))

    def call(self, op, on_progress=None, **args):
        return self._call(op, on_progress, None, args)

    def call_until_last(self, op, on_progress, **args):
        """-> (answer, last): futures of the answer and of the progress message marked `last`
        (progress may go on after the answer, e.g. chunk hashes after the body); on_progress
        gets every progress message until then."""
        last = asyncio.get_event_loop().create_future()
        return self._call(op, on_progress, last, args), last

    def _call(self, op, on_progress, last, args):
        self._next_id += 1
        call_id = self._next_id
        fut = asyncio.get_event_loop().create_future()
        self._calls[call_id] = fut
        if on_progress is not None:
            self._progress[call_id] = on_progress
            if last is None:
                fut.add_done_callback(lambda _f: self._progress.pop(call_id, None))
            else:
                self._last[call_id] = last
        message = js.Object.new()
        message.id, message.op, message.args = call_id, op, to_js_object(args)
        self.worker.post(message)
        return fut

    def _on_message(self, event):
        data = event.data
        call_id = int(data.id)
        if (progress := js_get(data, "progress")) is not None:
            if callback := self._progress.get(call_id):
                callback(progress)
            if js_get(progress, "last") and (last := self._last.pop(call_id, None)):
                self._progress.pop(call_id, None)
                if not last.done():
                    last.set_result(progress)
            return
        fut = self._calls.pop(call_id, None)
        if not data.ok and (last := self._last.pop(call_id, None)):
            self._progress.pop(call_id, None)     # failed before anything was started
            if not last.done():
                last.set_result(None)
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
        lasts, self._last = self._last, {}
        self._progress = {}
        for fut in [*calls.values(), *lasts.values()]:
            if not fut.done():
                fut.set_exception(exc)

    # -- operations ----------------------------------------------------------------------
    async def write(self, path, at, parts):
        return await self.call("write", path=list(path), at=at, parts=list(parts))

    async def flush(self, path):
        await self.call("flush", path=list(path))

    async def close(self, path):
        await self.call("close", path=list(path))


class FileSink:
    """Fetches straight into one partial file in the worker, and its sha256 read back from the
    file there (what app/download uses for OPFS: model bytes never reach this thread)."""

    def __init__(self, worker, path, on_written):
        self.worker, self.path = worker, list(path)
        self._on_written = on_written
        self._next_req = 0

    def new_request(self):
        self._next_req += 1
        return self._next_req

    async def open(self, req, url, range_header):
        """-> {status, etag, lastModified, contentRange, contentLength} of a ranged GET."""
        return await self.worker.call("fetchOpen", req=req, url=url, range=range_header)

    def run(self, req, at, end, chunks, on_progress, stall=0):
        """The body of `req` into the file from `at` to `end`, a run of chunks in one call
        (a body that sends nothing for `stall` seconds is given up: error TimeoutError).
        `chunks`: [(start, end, hex or None)] ending in (at, end], each hashed in the worker
        once stored; `on_progress({n, chunks: [[start, end, ok]], last?, error?})` gets the
        bytes and verdicts as they come. -> (answer, last): futures of {n, overflow, error?},
        ready once the body is done, and of the last progress, after every verdict."""
        return self.worker.call_until_last("fetchRun", on_progress, path=self.path, req=req,
                                           at=at, end=end, chunks=[list(c) for c in chunks],
                                           stallMs=int(stall * 1000))

    def abort(self, req):
        self._post("fetchAbort", req=req)

    def written(self, start, end):
        self._on_written(start, end)

    async def verify(self, chunks):
        """[(start, end, hex)] stored chunks -> [bool]: each read back and hashed natively in
        the worker (app/download/manifest.py: files with a chunk manifest)."""
        value = await self.worker.call("verifyChunks", path=self.path,
                                       chunks=[list(c) for c in chunks])
        return [bool(ok) for ok in value]

    def hash_begin(self, done):
        self._post("hashBegin", path=self.path, ranges=[list(r) for r in done])

    def hash_add(self, start, end):
        self._post("hashAdd", path=self.path, start=start, end=end)

    async def hash_digest(self):
        """-> (bytes hashed from 0, hex) once every byte stored in front of the hash is hashed."""
        value = await self.worker.call("hashDigest", path=self.path)
        return int(value.pos), str(value.hex)

    def hash_end(self):
        if self.worker.worker is not None:
            self._post("hashEnd", path=self.path)

    def _post(self, op, **args):
        """Fire and forget (messages keep their order); failures show up at hash_digest()."""
        self.worker.call(op, **args).add_done_callback(lambda f: f.cancelled() or f.exception())
