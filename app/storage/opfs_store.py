"""OPFS store (Origin Private File System): a complete model is one file, read back as a File.

Layout under the OPFS root (names are keys, percent-encoded into one path segment):
    model-store/complete/<name>             the model, only ever created by a rename
    model-store/complete/<name>.meta.json   {key, size, meta}
    model-store/partial/<name>.json         manifest {key, size, meta, done, layout}
    model-store/partial/<name>.data         layout "file": written in place by the worker
    model-store/partial/<name>.pieces/<N>   layout "pieces": one file per piece (main thread)

Writes go through a dedicated worker with createSyncAccessHandle when the browser has it
(5-10x faster, written in place at any offset, flushed before a range is marked done). On
the main thread, createWritable only commits a file on close() and keepExistingData copies
the whole file each time, so there a partial is kept as piece files and assembled on commit.
A sequential `write()` on the main thread skips the pieces and streams into one file.

Damage (`damaged()`): a sidecar that cannot be read or does not match its file (the file's
sha256 is then unknown: it is never used), a manifest that cannot be read, and partial data
with no manifest (an interrupted one-go write), each with the bytes it holds.
"""
import asyncio
import json

from app.compat import JsException, js, to_js_object
from app.storage import quota, ranges
from app.storage.base import EntryInfo, NotFound, Store, StoreError
from app.storage.jsio import (
    call, damage_text, dumps, file_name, key_of, loads, nbytes, to_u8, translated)
from app.storage.opfs_sync import FileSink, SyncWorker
from app.storage.pieces import PiecePartial

ROOT, COMPLETE, PARTIAL = "model-store", "complete", "partial"
META = ".meta.json"
SIDECAR_DAMAGED = "its record is damaged, so the file cannot be checked"


def _create():
    return to_js_object({"create": True})


_dirs = {}   # our directories never go away, so their handles are looked up once


async def _dir(*names):
    if names not in _dirs:
        d = await js.navigator.storage.getDirectory()
        for name in (ROOT, *names):
            d = await d.getDirectoryHandle(name, _create())
        _dirs[names] = d
    return _dirs[names]


async def _write_file(directory, name, data):
    """A small file written whole (JSON sidecars and manifests)."""
    writable = await (await directory.getFileHandle(name, _create())).createWritable()
    try:
        await call(writable, "write", data)
        await call(writable, "close")
    except BaseException:
        await call(writable, "abort")
        raise


async def _read_json(directory, name):
    try:
        return loads(await (await (await directory.getFileHandle(name)).getFile()).text())
    except JsException:
        return None


async def _sidecar(complete, name, size):
    """("ok", meta), ("absent", {}) (no sidecar: nothing to keep) or ("damaged", None) for the
    sidecar of the complete file `name` of `size` bytes."""
    try:
        text = await (await (await complete.getFileHandle(name + META)).getFile()).text()
    except JsException:
        return "absent", {}
    try:
        side = json.loads(text)
        meta = side.get("meta") or {}
        if side["key"] == key_of(name) and int(side["size"]) == size and isinstance(meta, dict):
            return "ok", dict(meta)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    return "damaged", None


async def _size(handle):
    """Bytes of a file or of every file in a folder (0 where one cannot be read: a file
    held open by a sync access handle)."""
    try:
        if handle.kind == "file":
            return int((await handle.getFile()).size)
        return sum([await _size(h) async for h in handle.values()])
    except JsException:
        return 0


async def _remove(directory, name, recursive=False, tries=10):
    """Remove an entry (absent is fine). Another tab removing or writing the same entry holds
    it for a moment (NoModificationAllowedError, measured with two tabs deleting one model at
    once): a few short retries, then the error."""
    for attempt in range(tries):
        try:
            await directory.removeEntry(name, to_js_object({"recursive": recursive}))
            return
        except JsException as exc:
            error = getattr(exc, "name", "")
            if error == "NotFoundError":
                return
            if error != "NoModificationAllowedError" or attempt == tries - 1:
                raise
        await asyncio.sleep(0.2)


async def _names(directory):
    return [h.name async for h in directory.values()]


class OpfsPartial(PiecePartial):
    """Shared by both layouts: manifest, completion by rename, cleanup."""

    layout = ""

    def __init__(self, store, key, size, meta=None, done=()):
        super().__init__(store, key, size, meta, done)
        self.name = file_name(key)

    async def _save_done(self):
        manifest = {"key": self.key, "size": self.size, "meta": self.meta,
                    "done": self._done, "layout": self.layout}
        await _write_file(await _dir(PARTIAL), self.name + ".json", json.dumps(manifest))

    async def _complete_from(self, data_handle, meta):
        """Rename the assembled data file into complete/ (the entry appears at once)."""
        complete = await _dir(COMPLETE)
        if meta:    # no sidecar when there is nothing to keep: the name and size say the rest
            await _write_file(complete, self.name + META,
                              json.dumps({"key": self.key, "size": self.size, "meta": meta}))
        else:
            await _remove(complete, self.name + META)
        await _remove(complete, self.name)
        await data_handle.move(complete, self.name)
        await self._discard()

    async def _discard(self):
        partial = await _dir(PARTIAL)
        for suffix in (".data", ".json"):
            await _remove(partial, self.name + suffix)
        await _remove(partial, self.name + ".pieces", recursive=True)


class PiecesPartial(OpfsPartial):
    """Main thread: each piece is its own file, written with createWritable."""

    layout = "pieces"

    async def _pieces_dir(self):
        return await (await _dir(PARTIAL)).getDirectoryHandle(self.name + ".pieces", _create())

    async def _put_piece(self, offset, blob):
        handle = await (await self._pieces_dir()).getFileHandle(str(offset), _create())
        writable = await handle.createWritable()
        try:
            await call(writable, "write", blob)
            await call(writable, "close")
        except BaseException:
            await call(writable, "abort")
            raise

    async def _pieces(self):
        out = []
        async for handle in (await self._pieces_dir()).values():
            if handle.name.isdigit():
                file = await handle.getFile()
                out.append((int(handle.name), int(file.size), file))
        return out

    def _source(self, file, start, end):
        async def source():
            return file.slice(start, end).stream()
        return source

    async def _finish(self, meta, segments):
        partial = await _dir(PARTIAL)
        handle = await partial.getFileHandle(self.name + ".data", _create())
        writable = await handle.createWritable()
        try:
            for file, a, b in segments:      # Blob writes: the bytes never enter JS memory
                await call(writable, "write", file.slice(a, b))
            await call(writable, "close")
        except BaseException:
            await call(writable, "abort")
            raise
        await self._complete_from(handle, meta)


class FilePartial(OpfsPartial):
    """Worker: one data file written in place through a sync access handle."""

    layout = "file"
    max_inflight = 2    # writes in the worker are serial; one message queued behind is enough

    def __init__(self, store, key, size, meta=None, done=()):
        super().__init__(store, key, size, meta, done)
        self.path = [ROOT, PARTIAL, self.name + ".data"]
        self._written = []          # ranges written in this session (not yet marked done)

    async def _put_parts(self, offset, parts):
        await self.store.worker.write(self.path, offset, parts)
        self._note_written(offset, offset + sum(nbytes(p) for p in parts))

    def _note_written(self, start, end):
        self._written = ranges.add(self._written, start, end)

    def worker_sink(self):
        return FileSink(self.store.worker, self.path, self._note_written)

    async def _save_done(self):
        await self.store.worker.flush(self.path)   # the bytes are durable before the record
        await super()._save_done()

    async def sync(self):
        await self.store.worker.flush(self.path)

    async def _data_handle(self):
        await self.store.worker.close(self.path)   # getFile() and move() need the lock free
        return await (await _dir(PARTIAL)).getFileHandle(self.name + ".data", _create())

    async def _pieces(self):
        return [(s, e - s, s) for s, e in ranges.merge([*self._done, *self._written])]

    def _source(self, piece_offset, start, end):
        async def source():
            file = await (await self._data_handle()).getFile()
            return file.slice(piece_offset + start, piece_offset + end).stream()
        return source

    async def _finish(self, meta, segments):
        handle = await self._data_handle()
        if int((await handle.getFile()).size) != self.size:
            raise StoreError(f"{self.key}: the written file has the wrong size.")
        await self._complete_from(handle, meta)

    async def _discard(self):
        if self.store.worker is not None:
            await self.store.worker.close(self.path)
        await super()._discard()


class OpfsStore(Store):
    kind = "opfs"
    label = "OPFS"

    def __init__(self, sync=None):
        """sync: None = use the worker when the browser supports it; False = main thread only."""
        self.sync = sync
        self.worker = None
        self._writing = set()   # keys of one-go writes in progress here (no manifest yet)
        self._mode = None   # "file" (worker) or "pieces" (main thread), decided on first write

    async def mode(self):
        if self._mode is None:
            self._mode = "pieces"
            if self.sync is not False and hasattr(js, "Worker"):
                worker = SyncWorker()
                if await worker.start():
                    self.worker, self._mode = worker, "file"
        return self._mode

    async def begin(self, key, size, meta=None):
        async with translated(key, self.label):
            layout = await self.mode()
            cls = FilePartial if layout == "file" else PiecesPartial
            found = _valid(await _read_json(await _dir(PARTIAL), file_name(key) + ".json"))
            if (found and found["size"] == size and found["layout"] == layout
                    and dumps(found["meta"]) == dumps(meta)):
                await quota.check_room(size - ranges.covered(found["done"]), key, self.label)
                return cls(self, key, size, meta, found["done"])
            await cls(self, key, size)._discard()
            await quota.check_room(size, key, self.label)
            partial = cls(self, key, size, meta)
            await partial._save_done()
            return partial

    async def write(self, key, chunks, size, meta=None):
        await quota.check_room(size, key, self.label)
        self._writing.add(key)
        try:
            if await self.mode() == "file":
                return await self._write_in_worker(key, chunks, size, meta)
            return await self._write_on_main_thread(key, chunks, size, meta)
        finally:
            self._writing.discard(key)

    async def _write_on_main_thread(self, key, chunks, size, meta):
        # Main thread, sequential: one writable, no pieces to assemble afterwards.
        partial = PiecesPartial(self, key, size, meta)
        offset = 0
        async with translated(key, self.label):
            await partial._discard()
            handle = await (await _dir(PARTIAL)).getFileHandle(partial.name + ".data", _create())
            writable = await handle.createWritable()
            try:
                async for chunk in chunks:
                    await call(writable, "write", to_u8(chunk))
                    offset += nbytes(chunk)
                if offset != size:
                    raise StoreError(f"{key}: wrote {offset} bytes, expected {size}")
                await call(writable, "close")
                await partial._complete_from(handle, dict(meta or {}))
            except BaseException:
                try:
                    await call(writable, "abort")
                except Exception:
                    pass
                await partial._discard()
                raise
        await quota.after_save()
        return EntryInfo(key, size, True, dict(meta or {}))

    async def save_blob(self, key, blob, meta=None):
        """The Blob as one chunk: the worker reads it in slices as it writes (bounded memory),
        createWritable takes it whole."""
        async def whole():
            yield blob
        return await self.write(key, whole(), int(blob.size), meta)

    async def _write_in_worker(self, key, chunks, size, meta):
        """A sequential, one-go write: no manifest (it could not be resumed anyway); an
        interrupted one leaves only a .data file that no listing shows and the next write
        or delete of the key removes."""
        partial = FilePartial(self, key, size, meta)
        offset = 0
        async with translated(key, self.label):
            try:
                await partial._discard()
                async for chunk in chunks:
                    await partial.write_at(offset, chunk)
                    offset += nbytes(chunk)
                if offset != size:
                    raise StoreError(f"{key}: wrote {offset} bytes, expected {size}")
                await partial.flush()
                await partial._complete_from(await partial._data_handle(), dict(meta or {}))
            except BaseException:
                await partial._discard()
                raise
        await quota.after_save()
        return EntryInfo(key, size, True, dict(meta or {}))

    async def partials(self):
        partial = await _dir(PARTIAL)
        out = []
        for name in await _names(partial):
            if name.endswith(".json") and (m := _valid(await _read_json(partial, name))):
                out.append(EntryInfo(m["key"], m["size"], False, m["meta"]))
        return out

    async def _entry(self, key):
        """(File, meta) of a sound complete entry; NotFound, or StoreError when damaged."""
        async with translated(key, self.label, "read"):
            complete = await _dir(COMPLETE)
            try:
                handle = await complete.getFileHandle(file_name(key))
            except JsException as exc:
                if getattr(exc, "name", "") in ("NotFoundError", "TypeError", "TypeMismatchError"):
                    raise NotFound(f"{key} is not stored in {self.label}.") from None
                raise
            file = await handle.getFile()
            state, meta = await _sidecar(complete, file_name(key), int(file.size))
        if state == "damaged":
            raise StoreError(f"{key} in {self.label}: " + damage_text([SIDECAR_DAMAGED]))
        return file, meta

    async def read(self, key):
        return (await self._entry(key))[0]

    async def handle(self, key):
        """The FileSystemFileHandle of a complete entry (what the File System Access store keeps)."""
        await self._entry(key)
        return await (await _dir(COMPLETE)).getFileHandle(file_name(key))

    async def info(self, key):
        try:
            file, meta = await self._entry(key)
        except StoreError:          # absent or damaged: not a usable entry
            return None
        return EntryInfo(key, int(file.size), True, meta)

    async def list(self):
        complete = await _dir(COMPLETE)
        out = []
        for name in sorted(await _names(complete)):
            if name.endswith(META):
                continue
            file = await (await complete.getFileHandle(name)).getFile()
            state, meta = await _sidecar(complete, name, int(file.size))
            if state != "damaged":                 # damaged() lists it
                out.append(EntryInfo(key_of(name), int(file.size), True, meta))
        return out

    async def damaged(self):
        complete, partial = await _dir(COMPLETE), await _dir(PARTIAL)
        found = {}       # key -> ([problems], bytes)

        def note(key, problem, nbytes):
            problems, size = found.get(key, ([], 0))
            found[key] = ([*problems, problem] if problem else problems, size + nbytes)
        files = {h.name: h async for h in complete.values() if not h.name.endswith(META)}
        for name, handle in files.items():
            size = await _size(handle)
            if (await _sidecar(complete, name, size))[0] == "damaged":
                note(key_of(name), SIDECAR_DAMAGED, size)
        parts = {}       # partial name -> {suffix: handle}
        async for handle in partial.values():
            for suffix in (".json", ".data", ".pieces"):
                if handle.name.endswith(suffix):
                    parts.setdefault(handle.name[:-len(suffix)], {})[suffix] = handle
        for name, here in parts.items():
            key = key_of(name)
            if ".json" in here:
                if _valid(await _read_json(partial, name + ".json")) is not None:
                    continue                       # a resumable download: partials() lists it
                problem = "its download record is damaged"
            elif key in self._writing:
                continue                           # a one-go write in progress in this tab
            else:
                problem = "no record claims these bytes (an interrupted save)"
            held = sum([await _size(h) for h in here.values()])
            if key not in found and name in files:   # delete(key) frees the file as well
                held += await _size(files[name])
            note(key, problem, held)
        return [EntryInfo(key, size, False, {}, damage=damage_text(problems))
                for key, (problems, size) in sorted(found.items())]

    async def delete(self, key):
        name = file_name(key)
        async with translated(key, self.label, "delete"):
            if self.worker is not None:
                await self.worker.close([ROOT, PARTIAL, name + ".data"])
            complete = await _dir(COMPLETE)
            await _remove(complete, name)
            await _remove(complete, name + META)
            await PiecesPartial(self, key, 0)._discard()


def _valid(m):
    try:
        return {"key": str(m["key"]), "size": int(m["size"]), "meta": dict(m.get("meta") or {}),
                "done": [(int(s), int(e)) for s, e in m.get("done") or []],
                "layout": str(m.get("layout") or "")}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
