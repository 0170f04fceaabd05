"""Browser: sha256 while downloading.

FileHasher: for a store that writes in a worker (OPFS), that worker reads the stored bytes back
in file order and hashes them in a nested worker as soon as the bytes in front are stored
(resumed bytes included), so the digest is ready about when the last chunk lands.

ChunkHasher (every other store), with the chunk buffers that double as its queue: a worker (static/js/sha256-worker.js, hash-wasm) hashes chunks in file order as they arrive in
any order; each chunk buffer is transferred to it (no copy) once stored and comes back once
hashed. So the buffers bound memory: at most `limit` chunk buffers exist, whatever the file
size, and a chunk far ahead of the hashing front waits for a buffer instead of piling up.
"""
import asyncio

from app.compat import js, to_js_object
from app.workers import Worker

WORKER_URL = "js/sha256-worker.js"
READER_URL = "js/body-reader.js"

_reader_module = None


async def body_reader():
    """static/js/body-reader.js, imported once (a module: one Python await per body)."""
    global _reader_module
    if _reader_module is None:
        url = js.URL.new(READER_URL, js.document.baseURI).href
        _reader_module = await js.Function.new("url", "return import(url)")(url)
    return _reader_module


class HashError(Exception):
    pass


class FileHasher:
    """`stored(start, end)` after each `mark_done`; `await digest()` -> (bytes hashed, hex)."""

    def __init__(self, sink, done):
        self.sink = sink
        sink.hash_begin(done)

    def stored(self, start, end):
        self.sink.hash_add(start, end)

    async def digest(self):
        try:
            return await self.sink.hash_digest()
        except Exception as exc:
            raise HashError(f"hashing failed: {getattr(exc, 'message', None) or exc}") from None

    def close(self):
        self.sink.hash_end()


class ChunkHasher:
    """`buffer()` -> a free chunk buffer; `hash(at, buf, length)` hands it over in any order;
    `release(buf)` returns one unhashed; `await digest()` -> (bytes hashed, hex)."""

    def __init__(self, chunk_size, limit):
        self.chunk_size, self.limit = chunk_size, limit
        self.created = 0
        self.free = []
        self._returned = asyncio.Event()
        self._digest = None
        self.error = None
        self.worker = Worker(WORKER_URL, self._on_message, self._on_error)

    def _on_message(self, event):
        data = event.data
        if data.op == "free":
            self.release(data.buf)
        elif data.op == "digest":
            if self._digest and not self._digest.done():
                self._digest.set_result((int(data.pos), str(data.hex)))
        elif data.op == "error":
            self._fail(HashError(f"hashing failed: {data.message}"))

    def _on_error(self, event):
        event.preventDefault()
        self._fail(HashError(f"the hashing worker failed: {getattr(event, 'message', '')}"))

    def _fail(self, exc):
        self.error = exc
        if self._digest and not self._digest.done():
            self._digest.set_exception(exc)
        self._returned.set()

    async def buffer(self):
        while True:
            if self.error:
                raise self.error
            if self.free:
                return self.free.pop()
            if self.created < self.limit:
                self.created += 1
                return js.Uint8Array.new(self.chunk_size)
            self._returned.clear()
            await self._returned.wait()

    def release(self, buf):
        self.free.append(buf)
        self._returned.set()

    def hash(self, at, buf, length):
        message = to_js_object({"op": "chunk", "at": at, "length": length})
        message.buf = buf
        self.worker.post(message, [buf.buffer])

    def _request(self, message, transfer=None):
        self._digest = asyncio.get_event_loop().create_future()
        if self.error:
            self._digest.set_exception(self.error)
        else:
            self.worker.post(message, transfer)
        return self._digest

    async def digest(self):
        return await self._request(to_js_object({"op": "digest"}))

    async def digest_stream(self, stream):
        """Hash a whole JS ReadableStream in the worker (transferred, not read through Python)."""
        message = to_js_object({"op": "stream"})
        message.stream = stream
        return await self._request(message, [stream])

    def close(self):
        self.worker.terminate()
