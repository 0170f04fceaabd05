"""IndexedDB store: a model is a set of Blob chunk records, read back as one Blob.

Object stores: `models` (key -> {gen, size, meta}), `partials` (key -> {gen, size, meta, done})
and `chunks` ([gen, offset] -> Blob). Every write generation has its own id, so a new download
of a key never mixes with the complete entry it will replace, and commit is one transaction:
the entry appears complete all at once, and the chunks it no longer needs go with it.
A download leaves one chunk per piece. `save_blob` keeps the caller's Blob in the model record
itself (`blob`), with no chunks: one `put` to save and one `get` to restore, as the Chrome
guide's idb-keyval `set`/`get` (static/js/sw-models.js reads both layouts too).
"""
import json

from app.compat import js, js_get, js_none, to_js
from app.storage import idb, quota
from app.storage.base import EntryInfo, NotFound, Store, StoreError
from app.storage.jsio import blob_of, dumps, loads, translated
from app.storage.pieces import PiecePartial
from app.storage.ranges import Gap, plan

DB = "model-store"
STORES = ("models", "partials", "chunks")


def _chunk_key(gen, offset):
    return to_js([gen, offset])


def _chunk_range(gen):
    return js.IDBKeyRange.bound(to_js([gen, 0]), to_js([gen, js.Infinity]))


def _record(value):
    """A stored record as a dict, or None when it is missing or damaged. `blob` is the whole
    file of a model saved by save_blob (None for one made of chunks)."""
    if js_none(value) is None:
        return None
    try:
        blob = js_get(value, "blob")
        return {"gen": str(value.gen), "size": int(value.size), "meta": loads(value.meta),
                "done": [(int(s), int(e)) for s, e in json.loads(js_get(value, "done", "[]"))],
                "blob": blob if blob is not None and int(blob.size) == int(value.size) else None}
    except Exception:
        return None


def _to_record(gen, size, meta, done=None, blob=None):
    rec = js.Object.new()
    rec.gen, rec.size, rec.meta = gen, size, dumps(meta)
    if done is not None:
        rec.done = json.dumps(done)
    if blob is not None:
        rec.blob = blob
    return rec


async def _db():
    return await idb.open_db(DB, STORES)


async def _pieces(gen):
    """[(offset, length, blob)] of the chunks of one generation (one read transaction)."""
    tx = (await _db()).transaction("chunks")
    chunks = tx.objectStore("chunks")
    keys, blobs = chunks.getAllKeys(_chunk_range(gen)), chunks.getAll(_chunk_range(gen))
    await idb.done(tx)
    # The piece ref is (offset, blob): the offset names the record, the blob reads it.
    return [(int(k[1]), int(b.size), (int(k[1]), b)) for k, b in zip(keys.result, blobs.result)]


class IdbPartial(PiecePartial):
    def __init__(self, store, key, size, meta=None, done=(), gen=None):
        super().__init__(store, key, size, meta, done)
        self.gen = gen or str(js.crypto.randomUUID())

    async def _put_piece(self, offset, blob):
        tx = (await _db()).transaction("chunks", "readwrite")
        tx.objectStore("chunks").put(blob, _chunk_key(self.gen, offset))
        await idb.done(tx)

    async def _pieces(self):
        return await _pieces(self.gen)

    def _source(self, ref, start, end):
        blob = ref[1]

        async def source():
            return blob.slice(start, end).stream()
        return source

    async def _save_done(self):
        tx = (await _db()).transaction("partials", "readwrite")
        tx.objectStore("partials").put(
            _to_record(self.gen, self.size, self.meta, self._done), self.key)
        await idb.done(tx)

    async def _finish(self, meta, segments):
        old = await self.store._records(self.key)
        used = {ref[0] for ref, _a, _b in segments}
        unused = [o for o, _n, _ref in await self._pieces() if o not in used]
        tx = (await _db()).transaction(STORES, "readwrite")
        tx.objectStore("models").put(_to_record(self.gen, self.size, meta), self.key)
        tx.objectStore("partials").delete(self.key)
        chunks = tx.objectStore("chunks")
        for offset in unused:
            chunks.delete(_chunk_key(self.gen, offset))
        if old["models"] and old["models"]["gen"] != self.gen:
            chunks.delete(_chunk_range(old["models"]["gen"]))
        await idb.done(tx)

    async def _discard(self):
        tx = (await _db()).transaction(("partials", "chunks"), "readwrite")
        tx.objectStore("partials").delete(self.key)
        tx.objectStore("chunks").delete(_chunk_range(self.gen))
        await idb.done(tx)


class IdbStore(Store):
    kind = "idb"
    label = "IndexedDB"

    async def _records(self, key):
        tx = (await _db()).transaction(("models", "partials"))
        reqs = {name: tx.objectStore(name).get(key) for name in ("models", "partials")}
        await idb.done(tx)
        return {name: _record(req.result) for name, req in reqs.items()}

    async def begin(self, key, size, meta=None):
        async with translated(key, self.label):
            found = (await self._records(key))["partials"]
            if found and found["size"] == size and dumps(found["meta"]) == dumps(meta):
                return IdbPartial(self, key, size, meta, found["done"], found["gen"])
            if found:
                await IdbPartial(self, key, found["size"], gen=found["gen"])._discard()
            partial = IdbPartial(self, key, size, meta)
            await partial._save_done()
            return partial

    async def _all(self, store_name):
        tx = (await _db()).transaction(store_name)
        store = tx.objectStore(store_name)
        keys, values = store.getAllKeys(), store.getAll()
        await idb.done(tx)
        return [(str(k), rec) for k, v in zip(keys.result, values.result)
                if (rec := _record(v)) is not None]

    async def save_blob(self, key, blob, meta=None):
        """One transaction: the model record holding the Blob, and the removal of what it
        replaces (the chunks of an older entry or of a partial download of `key`). It commits
        whole or not at all; a quota error aborts it and surfaces as QuotaExceeded."""
        size, gen = int(blob.size), str(js.crypto.randomUUID())
        async with translated(key, self.label):
            tx = (await _db()).transaction(STORES, "readwrite")
            chunks = tx.objectStore("chunks")

            def drop_chunks(value):
                if (rec := _record(value)) is not None:
                    chunks.delete(_chunk_range(rec["gen"]))
            for name in ("models", "partials"):     # read before the puts below replace them
                idb.on_result(tx.objectStore(name).get(key), drop_chunks)
            tx.objectStore("models").put(_to_record(gen, size, meta, blob=blob), key)
            tx.objectStore("partials").delete(key)
            await idb.done(tx)
        await quota.after_save()
        return EntryInfo(key, size, True, dict(meta or {}))

    async def partials(self):
        return [EntryInfo(k, r["size"], False, r["meta"]) for k, r in await self._all("partials")]

    async def list(self):
        return [EntryInfo(k, r["size"], True, r["meta"]) for k, r in await self._all("models")]

    async def info(self, key):
        async with translated(key, self.label, "read"):
            rec = (await self._records(key))["models"]
        return EntryInfo(key, rec["size"], True, rec["meta"]) if rec else None

    async def read(self, key):
        """One read transaction: the model record, then (chained in it) its chunks if the
        file is not in the record itself."""
        found = {}
        async with translated(key, self.label, "read"):
            tx = (await _db()).transaction(("models", "chunks"))
            chunks = tx.objectStore("chunks")

            def with_record(value):
                if (rec := _record(value)) is not None:
                    found["rec"] = rec
                    if rec["blob"] is None:
                        found.update(blobs=chunks.getAll(_chunk_range(rec["gen"])),
                                     keys=chunks.getAllKeys(_chunk_range(rec["gen"])))
            idb.on_result(tx.objectStore("models").get(key), with_record)
            await idb.done(tx)
        if not found:
            raise NotFound(f"{key} is not stored in {self.label}.")
        if found["rec"]["blob"] is not None:
            return found["rec"]["blob"]
        pieces = [(int(k[1]), int(b.size), (int(k[1]), b))
                  for k, b in zip(found["keys"].result, found["blobs"].result)]
        try:
            segments = plan(pieces, found["rec"]["size"])
        except Gap as gap:
            raise StoreError(f"{key} is damaged in {self.label} ({gap}); delete it and "
                             "download it again.") from None
        return blob_of(b if a == 0 and e == b.size else b.slice(a, e)
                       for (_o, b), a, e in segments)

    async def delete(self, key):
        async with translated(key, self.label, "delete"):
            recs = await self._records(key)
            tx = (await _db()).transaction(STORES, "readwrite")
            for name in ("models", "partials"):
                tx.objectStore(name).delete(key)
                if recs[name]:
                    tx.objectStore("chunks").delete(_chunk_range(recs[name]["gen"]))
            await idb.done(tx)
