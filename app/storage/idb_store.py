"""IndexedDB store: a model is a set of Blob chunk records, read back as one Blob.

Object stores: `models` (key -> {gen, size, meta}), `partials` (key -> {gen, size, meta, done})
and `chunks` ([gen, offset] -> Blob). Every write generation has its own id, so a new download
of a key never mixes with the complete entry it will replace, and commit is one transaction:
the entry appears complete all at once, and the chunks it no longer needs go with it.
A download leaves one chunk per piece. `save_blob` keeps the caller's Blob in the model record
itself (`blob`), with no chunks: one `put` to save and one `get` to restore, as the Chrome
guide's idb-keyval `set`/`get` (static/js/sw-models.js reads both layouts too).

A generation id starts with the key's name (`<name>|<uuid>`), so chunks stay attributable to
their key when the record naming them is damaged or gone: `damaged()` lists such records and
such chunks with their size, and `delete(key)` frees every chunk of the key. Chunks of older
ids (a bare uuid) that no record names are listed together as UNIDENTIFIED.
"""
import json

from app.compat import js, js_get, js_none, to_js
from app.storage import idb, quota, ranges
from app.storage.base import EntryInfo, NotFound, Store, StoreError
from app.storage.jsio import blob_of, damage_text, dumps, file_name, key_of, loads, translated
from app.storage.pieces import PiecePartial
from app.storage.ranges import Gap, plan

DB = "model-store"
STORES = ("models", "partials", "chunks")


UNIDENTIFIED = "(model data of unknown origin)"   # damaged(): chunks no record or name claims


def _new_gen(key):
    return f"{_gen_prefix(key)}{js.crypto.randomUUID()}"


def _gen_prefix(key):
    return f"{file_name(key)}|"          # file_name() never holds "|": prefixes never overlap


def _key_of_gen(gen):
    name, sep, _ = gen.rpartition("|")
    return key_of(name) if sep else None


def _prefix_range(key):
    """Every chunk of every generation of `key`."""
    prefix = _gen_prefix(key)
    return js.IDBKeyRange.bound(to_js([prefix, 0]), to_js([prefix + "\uffff", 0]))


def _raw_gen(value):
    """The generation a stored record names, even when the rest of it is damaged."""
    try:
        gen = getattr(value, "gen", None)
    except Exception:  # noqa: BLE001 - whatever was stored there, it names no generation
        return None
    return gen if isinstance(gen, str) and gen else None


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
        self.gen = gen or _new_gen(key)

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
        old = await self.store._gens(self.key)
        used = {ref[0] for ref, _a, _b in segments}
        unused = [o for o, _n, _ref in await self._pieces() if o not in used]
        tx = (await _db()).transaction(STORES, "readwrite")
        tx.objectStore("models").put(_to_record(self.gen, self.size, meta), self.key)
        tx.objectStore("partials").delete(self.key)
        chunks = tx.objectStore("chunks")
        for offset in unused:
            chunks.delete(_chunk_key(self.gen, offset))
        for gen in old - {self.gen}:         # the entry replaced, even with a damaged record
            chunks.delete(_chunk_range(gen))
        _delete_other_gens(chunks, self.key, self.gen)
        await idb.done(tx)

    async def _discard(self):
        tx = (await _db()).transaction(("partials", "chunks"), "readwrite")
        tx.objectStore("partials").delete(self.key)
        tx.objectStore("chunks").delete(_chunk_range(self.gen))
        await idb.done(tx)


def _delete_other_gens(chunks, key, keep):
    """Delete (in a transaction being built) every chunk of `key` but those of `keep`."""
    prefix = _gen_prefix(key)
    if keep.startswith(prefix):
        chunks.delete(js.IDBKeyRange.bound(to_js([prefix, 0]), to_js([keep, 0]), False, True))
        chunks.delete(js.IDBKeyRange.bound(to_js([keep, js.Infinity]),
                                           to_js([prefix + "\uffff", 0]), True, False))
    else:
        chunks.delete(_prefix_range(key))


class IdbStore(Store):
    kind = "idb"
    label = "IndexedDB"

    async def _gens(self, key):
        """Generations the records of `key` name (damaged records included)."""
        tx = (await _db()).transaction(("models", "partials"))
        reqs = [tx.objectStore(name).get(key) for name in ("models", "partials")]
        await idb.done(tx)
        return {gen for req in reqs if (gen := _raw_gen(req.result))}

    async def _records(self, key):
        tx = (await _db()).transaction(("models", "partials"))
        reqs = {name: tx.objectStore(name).get(key) for name in ("models", "partials")}
        await idb.done(tx)
        return {name: _record(req.result) for name, req in reqs.items()}

    async def begin(self, key, size, meta=None):
        async with translated(key, self.label):
            found = (await self._records(key))["partials"]
            if found and found["size"] == size and dumps(found["meta"]) == dumps(meta):
                await quota.check_room(size - ranges.covered(found["done"]), key, self.label)
                return IdbPartial(self, key, size, meta, found["done"], found["gen"])
            if found:
                await IdbPartial(self, key, found["size"], gen=found["gen"])._discard()
            await quota.check_room(size, key, self.label)
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
        size, gen = int(blob.size), _new_gen(key)
        async with translated(key, self.label):
            await quota.check_room(size, key, self.label)
            tx = (await _db()).transaction(STORES, "readwrite")
            chunks = tx.objectStore("chunks")
            chunks.delete(_prefix_range(key))

            def drop_chunks(value):
                if (old := _raw_gen(value)) is not None:
                    chunks.delete(_chunk_range(old))
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
            gens = await self._gens(key)
            if key == UNIDENTIFIED:
                gens |= {gen for gen, _n in (await self._unclaimed())[None]}
            tx = (await _db()).transaction(STORES, "readwrite")
            chunks = tx.objectStore("chunks")
            for name in ("models", "partials"):
                tx.objectStore(name).delete(key)
            for gen in gens:
                chunks.delete(_chunk_range(gen))
            chunks.delete(_prefix_range(key))
            await idb.done(tx)

    async def _raw(self):
        """({store: {key: raw value}} of models and partials, [chunk keys]) in one read."""
        tx = (await _db()).transaction(STORES)
        reqs = {name: (tx.objectStore(name).getAllKeys(), tx.objectStore(name).getAll())
                for name in ("models", "partials")}
        chunk_keys = tx.objectStore("chunks").getAllKeys()
        await idb.done(tx)
        records = {name: {str(k): v for k, v in zip(ks.result, vs.result)}
                   for name, (ks, vs) in reqs.items()}
        return records, [(str(k[0]), int(k[1])) for k in chunk_keys.result]

    async def _unclaimed(self, raw=None):
        """{key or None: [(gen, chunk count)]} of chunks whose generation no record names."""
        records, chunk_keys = raw or await self._raw()
        claimed = {gen for recs in records.values() for v in recs.values()
                   if (gen := _raw_gen(v))}
        counts = {}
        for gen, _offset in chunk_keys:
            if gen not in claimed:
                counts[gen] = counts.get(gen, 0) + 1
        out = {None: []}
        for gen, n in counts.items():
            out.setdefault(_key_of_gen(gen), []).append((gen, n))
        return out

    async def _gen_bytes(self, gens):
        """Bytes held by the chunks of `gens` (one read; Blob sizes, no bytes read)."""
        if not gens:
            return 0
        tx = (await _db()).transaction("chunks")
        reqs = [tx.objectStore("chunks").getAll(_chunk_range(g)) for g in gens]
        await idb.done(tx)
        return sum(int(b.size) for req in reqs for b in req.result)

    async def damaged(self):
        raw = await self._raw()
        records, _chunks = raw
        unclaimed = await self._unclaimed(raw)
        found = {}     # key -> [problems], [gens]
        for name, what in (("models", "its record is damaged"),
                           ("partials", "its download record is damaged")):
            for key, value in records[name].items():
                if _record(value) is None:
                    problems, gens = found.setdefault(key, ([], set()))
                    problems.append(what)
                    if gen := _raw_gen(value):
                        gens.add(gen)
        usable = {k for name in ("models", "partials") for k, v in records[name].items()
                  if _record(v) is not None}
        for key, gens in unclaimed.items():
            if key is None or not gens:
                continue
            if key in found:
                found[key][1].update(g for g, _n in gens)
            elif key not in usable:     # a sound entry's delete frees these with it
                found[key] = (["no record claims these bytes (an interrupted save)"],
                              {g for g, _n in gens})
        out = []
        for key, (problems, gens) in sorted(found.items()):
            size = await self._gen_bytes(sorted(gens))
            for name in ("models", "partials"):     # a Blob kept in a damaged record
                if isinstance(size_of := getattr(getattr(records[name].get(key), "blob", None),
                                                 "size", None), (int, float)):
                    size += int(size_of)
            out.append(EntryInfo(key, size, False, {}, damage=damage_text(problems)))
        if orphans := [g for g, _n in unclaimed[None]]:
            out.append(EntryInfo(UNIDENTIFIED, await self._gen_bytes(orphans), False, {},
                                 damage=damage_text(["no record names these bytes"])))
        return out

