"""Browser: sha256 while downloading.

FileHasher: for a store that writes in a worker (OPFS), that worker reads the stored bytes back
in file order and hashes them in a nested worker as soon as the bytes in front are stored
(resumed bytes included), so the digest is ready about when the last chunk lands.

ChunkHasher (every other store), with the chunk buffers of a BufferPool that double as its
queue: a worker (static/js/sha256-worker.js, hash-wasm) hashes chunks in file order as they
arrive in any order; each chunk buffer is transferred to it (no copy) once stored and comes
back once hashed. So the buffers bound memory: at most `limit` chunk buffers exist, whatever
the file size, and a chunk far ahead of the hashing front waits for a buffer.

Files with a chunk manifest need neither: each chunk is checked on arrival with the browser's
native sha256 (`chunk_check()`, or the OPFS worker's verifyChunks).
"""
import asyncio

from app.compat import js, to_js_object
from app.workers import Worker

WORKER_URL = "js/sha256-worker.js"
READER_URL = "js/body-reader.js"
CHECK_URL = "js/chunk-check.js"

_modules = {}


async def js_module(url):
    """A module of static/js, imported once (a JS loop: one Python await per body or file)."""
    if url not in _modules:
        href = js.URL.new(url, js.document.baseURI).href
        _modules[url] = await js.Function.new("url", "return import(url)")(href)
    return _modules[url]


async def body_reader():
    """static/js/body-reader.js."""
    return await js_module(READER_URL)


async def chunk_check():
    """static/js/chunk-check.js: native sha256 of a chunk, or of the chunks of a stream."""
    return await js_module(CHECK_URL)


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


class BufferPool:
    """Chunk buffers for the buffer lane: at most `limit` exist, whatever the file size; a
    chunk waits for a free one instead of piling up. `buffer()` -> one; `release(buf)`."""

    def __init__(self, chunk_size, limit):
        self.chunk_size, self.limit = chunk_size, limit
        self.created = 0
        self.free = []
        self.error = None
        self._returned = asyncio.Event()

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

    def fail(self, exc):
        """Wake whoever waits for a buffer with `exc` (the hashing worker that holds them died)."""
        self.error = exc
        self._returned.set()


class ChunkHasher:
    """`hash(at, buf, length)` hands a stored chunk buffer of `pool` over in any order; the
    worker gives it back to the pool once hashed; `await digest()` -> (bytes hashed, hex)."""

    def __init__(self, pool):
        self.pool = pool
        self._digest = None
        self.error = None
        self.worker = Worker(WORKER_URL, self._on_message, self._on_error)

    def _on_message(self, event):
        data = event.data
        if data.op == "free":
            self.pool.release(data.buf)
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
        self.pool.fail(exc)

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
