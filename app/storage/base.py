"""The one storage interface. Every store (Cache API, OPFS, IndexedDB, File System Access)
implements it; downloads, engines and the UI only ever talk to it.

Contract (every implementation keeps all of it):
- Bytes stay in JS. Writes take JS `Uint8Array`s or `Blob`s (Python `bytes` are accepted
  for small data and tests); reads hand back a JS `Blob`/`File` or a `ReadableStream`, never a Python
  copy of a model.
- Two ways in: `begin()`/`write()` for bytes that arrive over time (downloads: resumable, in
  any order), `save_blob()` for a whole file the caller already holds as a Blob (imports from
  disk, copies between stores, a fetched `Response.blob()`): one go, each store's fastest way.
  Readers read whatever layout either one left.
- An entry is *complete* only after `Partial.commit()`; `list()`, `exists()`, `read()` see
  complete entries only. Partial data is never listed as a model, and it survives reloads
  so a download can resume (`begin()` on an existing partial reopens it).
- Memory is bounded: nothing buffers a whole file, whatever its size.
- Failures raise `StoreError` subclasses with a message a user can read; a failed write
  leaves no complete-looking entry, and one refused for space (`QuotaExceeded`) leaves
  nothing: what it wrote is freed, so the rest of the app (the to-do list) still has room.
  A write of known size that would leave less than `quota.RESERVE` free is refused up front.
- Damaged bookkeeping (an index, record, manifest or sidecar that cannot be read, or bytes
  that no record claims) is never hidden and never usable: `damaged()` lists it with its size
  and a message, `list()`/`info()`/`read()` never show it, and `delete(key)` frees it.

Keys are stable strings such as "smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf".
"""
import functools
import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field


def _length(chunk):
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return len(chunk)
    length = getattr(chunk, "byteLength", None)      # Uint8Array
    return int(length if length is not None else chunk.size)   # Blob


BLOB_SLICE = 64 << 20   # save_blob()'s default piece size (a Blob slice costs no memory)


async def _slices(blob, size, step=BLOB_SLICE):
    for start in range(0, size, step):
        yield blob.slice(start, min(start + step, size))


class StoreError(Exception):
    """Base of every storage failure; str() is a message fit for the user."""


class NotFound(StoreError):
    pass


class QuotaExceeded(StoreError):
    pass


class PermissionDenied(StoreError):
    """A File System Access permission that is missing or was revoked."""


class Changed(StoreError):
    """The file behind an entry changed (e.g. a user's file on disk was modified)."""


@dataclass
class EntryInfo:
    key: str
    size: int
    complete: bool = True
    meta: dict = field(default_factory=dict)   # e.g. {"sha256": ..., "etag": ..., "url": ...}
    damage: str = ""     # damaged(): what is wrong, in words a user can act on


class Partial(ABC):
    """A resumable, not-yet-visible entry of known size. Chunks may arrive in any order."""

    key: str
    size: int

    @abstractmethod
    async def write_at(self, offset, data):
        """Write `data` (JS Uint8Array or Blob, or bytes) at byte `offset`. Small contiguous writes
        may be buffered (up to 8 MiB per run) until the run is full or `mark_done`/`note_done`/
        `stream`/`commit` flushes it: do not mutate `data` until a `mark_done` (or `note_done`)
        covering it has returned; after that the caller may reuse it (the downloader recycles its buffers)."""

    @abstractmethod
    async def done_ranges(self):
        """Persisted [(start, end_exclusive), ...] already written: what a resume can skip."""

    @abstractmethod
    async def mark_done(self, start, end):
        """Record [start, end) as written, durably (after the bytes themselves are durable)."""

    async def note_done(self, start, end):
        """[start, end) is written (the caller may reuse its buffers); the durable record may
        wait for the next `record()`, so several chunks share one (app/download/recorder.py)."""
        await self.mark_done(start, end)

    async def record(self):
        """Record durably every range given to `note_done` so far."""

    @abstractmethod
    async def stream(self):
        """A JS ReadableStream over the bytes written so far, in order, from byte 0 up to the
        first byte not yet written (for verification: after the last write it is the file)."""

    async def sync(self):
        """Optional: push the bytes written so far to disk now, the part of `commit` that
        takes time, so that a caller can overlap it with other work (the last hashing)."""

    @abstractmethod
    async def commit(self, meta=None):
        """Make the entry complete and visible; `meta` is kept with it (sha256, etag, ...)."""

    @abstractmethod
    async def abort(self):
        """Discard the partial data entirely."""

    def worker_sink(self):
        """Optional: a sink that fetches and hashes straight into this entry in a worker
        (app.storage.opfs_sync.FileSink), so a download's bytes never reach this thread.
        The downloader then skips `write_at` and still calls `note_done`. None: use write_at."""
        return None


# Every method that changes what a store holds announces it afterwards, succeeded or not (a
# failed write may have cleaned up or left a partial): the models state re-reads that store.
# Wrapped once here for every store, so no store and no caller can forget to say so.
CHANGES = ("write", "save_blob", "delete", "pick", "add_handle", "add_file", "allow",
           "accept_change")
_observers = []


def observe(callback):
    """callback(store) after every change a store announces; returns the unsubscribe function."""
    _observers.append(callback)
    return lambda: _observers.remove(callback) if callback in _observers else None


def announce(store):
    """Say that `store`'s contents changed (downloads call this when they end)."""
    for callback in list(_observers):
        callback(store)


def _announcing(method):
    if inspect.iscoroutinefunction(method):
        @functools.wraps(method)
        async def changes(self, *args, **kwargs):
            try:
                return await method(self, *args, **kwargs)
            finally:
                announce(self)
    else:
        @functools.wraps(method)
        def changes(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            finally:
                announce(self)
    changes.announces = True
    return changes


def _announce_changes(cls):
    for name in CHANGES:
        method = cls.__dict__.get(name)
        if method is not None and not getattr(method, "announces", False):
            setattr(cls, name, _announcing(method))


class Store(ABC):
    kind = ""            # "cache" | "opfs" | "idb" | "fsa"
    label = ""           # shown in the UI
    read_only = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _announce_changes(cls)

    @abstractmethod
    async def begin(self, key, size, meta=None):
        """Create, or reopen for resume, the partial entry `key` of `size` bytes -> Partial.
        A partial whose size or meta (e.g. etag) differs from the request is discarded first."""

    async def write(self, key, chunks, size, meta=None):
        """Store a stream of chunks (async iterable of Uint8Array/bytes) in order -> EntryInfo."""
        partial = await self.begin(key, size, meta)
        offset = 0
        try:
            async for chunk in chunks:
                await partial.write_at(offset, chunk)
                offset += _length(chunk)
            if offset != size:
                raise StoreError(f"{key}: wrote {offset} bytes, expected {size}")
            await partial.mark_done(0, size)
            await partial.commit(meta)
        except BaseException:
            await partial.abort()
            raise
        return EntryInfo(key, size, True, dict(meta or {}))

    async def save_blob(self, key, blob, meta=None):
        """Store a whole file held as a JS Blob/File -> EntryInfo. Complete when it returns;
        on failure nothing complete-looking is left. This default goes through `write()` in
        Blob slices (each slice a piece, no copy); stores override it with a one-go write."""
        size = int(blob.size)
        return await self.write(key, _slices(blob, size), size, meta)

    @abstractmethod
    async def read(self, key):
        """JS Blob (or File) of a complete entry; raises NotFound."""

    async def stream(self, key):
        """JS ReadableStream of a complete entry (what MediaPipe's stream reader wants)."""
        return (await self.read(key)).stream()

    @abstractmethod
    async def info(self, key):
        """EntryInfo of a complete entry, or None."""

    async def exists(self, key):
        return await self.info(key) is not None

    @abstractmethod
    async def list(self):
        """[EntryInfo] of complete entries only."""

    @abstractmethod
    async def partials(self):
        """[EntryInfo(complete=False)] of resumable partial entries."""

    async def damaged(self):
        """[EntryInfo(complete=False, damage=message)] of entries whose bookkeeping is damaged
        or whose bytes no record claims, with their size as well as it can be measured (the
        bytes they hold). Never usable; `delete(key)` frees them."""
        return []

    @abstractmethod
    async def delete(self, key):
        """Remove a complete, partial or damaged entry and every byte it holds (no error if
        absent)."""

    async def settle(self):
        """Bring the browser's usage accounting for this store up to date before an
        `estimate()` (the Cache API reports a deleted entry that was still being read until
        its next write); a no-op for most stores."""


_announce_changes(Store)   # its default write() and save_blob()
