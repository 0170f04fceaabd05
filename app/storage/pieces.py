"""The Partial shared by the stores that keep a partial entry as pieces (Cache API,
IndexedDB, OPFS on the main thread).

Small contiguous writes (a fetch body arrives in ~64 KiB chunks) are coalesced in memory into
pieces of up to `CHUNK` bytes, one buffer per run of contiguous writes, so parallel
out-of-order downloads still give large pieces and memory stays at (runs x CHUNK). A Blob
written is a piece of its own, as it is: never wrapped in a Blob of Blob slices (measured on
Chromium 156: IndexedDB refuses such composites of a 256 MiB Blob with "DataError: Failed to
write blobs (InvalidBlob)"). A store subclass only says how to put a piece, list pieces,
persist the done ranges and finish.
"""
import asyncio

from app.storage import quota, ranges
from app.storage.base import Partial, StoreError
from app.storage.jsio import CHUNK, blob_of, concat_stream, in_memory, nbytes, to_u8, translated

MAX_INFLIGHT = 3


class PiecePartial(Partial):
    max_inflight = MAX_INFLIGHT
    def __init__(self, store, key, size, meta=None, done=()):
        self.store, self.key, self.size = store, key, int(size)
        self.meta = dict(meta or {})
        self._done = ranges.merge(done)
        self._runs = {}          # end offset -> [start, [Uint8Array...], length]
        self._pending = []       # piece puts in flight
        self._marked = []        # ranges marked done, waiting for the next record save
        self._save_lock = asyncio.Lock()
        self._aborted = False

    # -- what a store implements -------------------------------------------------------
    async def _put_piece(self, offset, blob):
        """Durably store `blob` as the piece starting at `offset`."""
        raise NotImplementedError

    async def _put_parts(self, offset, parts):
        """Store a run of Uint8Arrays starting at `offset` (default: as one Blob piece)."""
        await self._put_piece(offset, blob_of(parts))

    async def _pieces(self):
        """[(offset, length, ref)] of every stored piece."""
        raise NotImplementedError

    def _source(self, ref, start, end):
        """A concat_stream source for bytes [start, end) of piece `ref`."""
        raise NotImplementedError

    async def _save_done(self):
        raise NotImplementedError

    async def _finish(self, meta, segments):
        """Make the entry complete from `segments` [(ref, start, end)] covering [0, size)."""
        raise NotImplementedError

    async def _discard(self):
        raise NotImplementedError

    # -- the Partial contract -----------------------------------------------------------
    async def write_at(self, offset, data):
        n = nbytes(data)
        if n == 0:
            return
        if offset < 0 or offset + n > self.size:
            raise StoreError(f"{self.key}: write of {n} bytes at {offset} is outside its "
                             f"{self.size} bytes")
        if not in_memory(data):          # a Blob: its own piece, by reference
            await self._put([offset, [data], n])
            return
        run = self._runs.pop(offset, None) or [offset, [], 0]
        run[1].append(to_u8(data))
        run[2] += n
        if run[2] >= CHUNK:
            await self._put(run)
        else:
            self._runs[offset + n] = run

    async def _put(self, run):
        """Start storing a run; wait only while MAX_INFLIGHT pieces are already on their way
        (overlapping the puts is most of the speed; memory stays at MAX_INFLIGHT runs)."""
        self._pending.append(asyncio.ensure_future(self._put_parts(run[0], run[1])))
        await self._drain(self.max_inflight - 1)

    async def _drain(self, keep):
        """Wait until at most `keep` puts are in flight; re-raise the first failure."""
        async with translated(self.key, self.store.label):
            while True:
                for task in [t for t in self._pending if t.done()]:
                    self._pending.remove(task)
                    task.result()
                if len(self._pending) <= keep:
                    return
                await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)

    async def flush(self):
        """Store every buffered run and wait for every piece in flight."""
        runs = list(self._runs.values())
        self._runs.clear()
        for run in runs:
            await self._put(run)
        await self._drain(0)

    async def done_ranges(self):
        return list(self._done)

    async def mark_done(self, start, end):
        await self.note_done(start, end)
        await self.record()

    async def note_done(self, start, end):
        await self.flush()
        self._marked.append((start, end))

    async def record(self):
        """Group commit: ranges noted while a save runs are recorded together by the next
        one (one flush + one record for several parallel chunks, same ordering guarantee).
        Shielded: a caller cancelled mid-save (a download failing elsewhere) must not leave a
        half-done save whose JS write lands after `abort()` and brings the entry back."""
        await asyncio.shield(self._record())

    async def _record(self):
        async with self._save_lock:
            if not self._marked or self._aborted:
                return                   # the save that just ran recorded ours too
            batch = self._take_marked()
            try:
                async with translated(self.key, self.store.label):
                    await self._save_done()
            except BaseException:
                self._marked[:0] = batch    # not recorded: the next save tries again
                raise

    def _take_marked(self):
        batch, self._marked = self._marked, []
        for s, e in batch:
            self._done = ranges.add(self._done, s, e)
        return batch

    async def _segments(self, whole):
        pieces = await self._pieces()
        covered = ranges.merge((o, o + n) for o, n, _ in pieces)
        end = self.size if whole else next((e for s, e in covered if s == 0), 0)
        try:
            return ranges.plan(pieces, end)
        except ranges.Gap as gap:
            raise StoreError(f"{self.key} is incomplete: {gap}.") from None

    async def stream(self):
        await self.flush()
        async with translated(self.key, self.store.label, "read"):
            segments = await self._segments(whole=False)
        return concat_stream([self._source(ref, a, b) for ref, a, b in segments])

    async def commit(self, meta=None):
        await self.flush()
        self._take_marked()        # no record needed: the entry stops being partial
        if gaps := ranges.missing(self._done, self.size):
            raise StoreError(f"{self.key} is incomplete: bytes {gaps[0][0]}-{gaps[0][1] - 1} "
                             "are not marked done.")
        final = {**self.meta, **dict(meta or {})}
        async with translated(self.key, self.store.label):
            await self._finish(final, await self._segments(whole=True))
        await quota.after_save()

    async def abort(self):
        self._aborted = True         # a record saved after this would bring the entry back
        self._runs.clear()
        self._marked.clear()
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending, return_exceptions=True)
        async with self._save_lock:  # a record in flight lands before the discard
            async with translated(self.key, self.store.label, "delete"):
                await self._discard()
