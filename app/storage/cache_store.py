"""Cache API store: a model is a set of piece Responses plus an index Response under the
model's stable URL key; read back as one composite Blob or one stream.

Why not one Response per model: in incognito and guest windows (in-memory Cache Storage)
Chromium refuses a single entry of 256 MiB or more ("UnknownError: Unexpected internal
error"; 248 MiB works; on-disk profiles take 600 MiB). Pieces work everywhere, let a download
resume and arrive out of order, and make commit copy nothing. So, like IndexedDB, pieces
of up to 8 MiB are stored under `/model-store/piece/<name>/<gen>?at=<offset>` as they are
written, the partial's manifest (size, meta, done ranges) under `/model-store/partial/<name>`,
and commit puts the index `/model-store/model/<name>` (which pieces, in what order) in one
`put`: the entry appears complete at once and no byte is copied. Each write generation has
its own id, so a re-download never mixes with the entry it replaces.
"""
import json

from app.compat import js, to_js_object
from app.storage.base import EntryInfo, NotFound, Store, StoreError
from app.storage.jsio import blob_of, concat_stream, dumps, file_name, call, loads, translated
from app.storage.pieces import PiecePartial

CACHE = "model-store"


def _url(area, key, rest=""):
    return f"{js.location.origin}/model-store/{area}/{file_name(key)}{rest}"


def _piece_url(key, gen, offset):
    return _url("piece", key, f"/{gen}?at={offset}")


def _response(body, headers):
    return js.Response.new(body, to_js_object({"headers": headers}))


async def _cache():
    return await js.caches.open(CACHE)


def _piece_source(key, gen, offset, length, start, end):
    async def source():
        response = await (await _cache()).match(_piece_url(key, gen, offset))
        if response is None:
            raise NotFound(f"{key}: a stored piece is missing; delete it and download it again.")
        if start == 0 and end == length:
            return response.body      # a body stream does not pin the entry (see read())
        return (await response.blob()).slice(start, end).stream()
    return source


class CachePartial(PiecePartial):
    def __init__(self, store, key, size, meta=None, done=(), gen=None):
        super().__init__(store, key, size, meta, done)
        self.gen = gen or str(js.crypto.randomUUID())

    async def _put_piece(self, offset, blob):
        await call(await _cache(), "put", _piece_url(self.key, self.gen, offset), _response(
            blob, {"X-Offset": str(offset), "X-Length": str(int(blob.size))}))

    async def _pieces(self):
        found = await (await _cache()).matchAll(_url("piece", self.key, f"/{self.gen}"),
                                                to_js_object({"ignoreSearch": True}))
        out = []
        for r in found:
            offset, length = int(r.headers.get("X-Offset")), int(r.headers.get("X-Length"))
            out.append((offset, length, (offset, length)))
        return out

    def _source(self, ref, start, end):
        return _piece_source(self.key, self.gen, ref[0], ref[1], start, end)

    async def _save_done(self):
        await call(await _cache(), "put", _url("partial", self.key), _response(json.dumps(
            {"key": self.key, "size": self.size, "meta": self.meta, "done": self._done,
             "gen": self.gen}), {"Content-Type": "application/json"}))

    async def _finish(self, meta, segments):
        cache = await _cache()
        old = await self.store._index(self.key)
        index = {"key": self.key, "size": self.size, "meta": meta, "gen": self.gen,
                 "segments": [[o, n, a, b] for (o, n), a, b in segments]}
        await call(cache, "put", _url("model", self.key), _response(json.dumps(index), {
            "Content-Type": "application/json", "X-Model-Key": file_name(self.key),
            "X-Model-Size": str(self.size), "X-Model-Meta": dumps(meta)}))
        # The entry is complete now; what follows is cleanup.
        await cache.delete(_url("partial", self.key))
        used = {o for (o, _n), _a, _b in segments}
        for offset, _n, _ref in await self._pieces():
            if offset not in used:
                await cache.delete(_piece_url(self.key, self.gen, offset))
        if old and old["gen"] != self.gen:
            await self.store._delete_gen(self.key, old["gen"])

    async def _discard(self):
        cache = await _cache()
        await cache.delete(_url("partial", self.key))
        await self.store._delete_gen(self.key, self.gen)


class CacheStore(Store):
    kind = "cache"
    label = "Cache API"

    async def _json(self, url):
        response = await (await _cache()).match(url)
        return loads(await response.text()) if response is not None else None

    async def _index(self, key):
        return _valid(await self._json(_url("model", key)), "segments")

    async def _delete_gen(self, key, gen):
        await (await _cache()).delete(_url("piece", key, f"/{gen}"),
                                      to_js_object({"ignoreSearch": True}))

    async def begin(self, key, size, meta=None):
        async with translated(key, self.label):
            found = _valid(await self._json(_url("partial", key)), "done")
            if found and found["size"] == size and dumps(found["meta"]) == dumps(meta):
                return CachePartial(self, key, size, meta, found["done"], found["gen"])
            if found:
                await CachePartial(self, key, found["size"], gen=found["gen"])._discard()
            partial = CachePartial(self, key, size, meta)
            await partial._save_done()
            return partial

    async def _entries(self, area, field):
        cache = await _cache()
        out = []
        for request in await cache.keys():
            if f"/model-store/{area}/" in request.url:
                response = await cache.match(request)
                if response is not None:
                    if rec := _valid(loads(await response.text()), field):
                        out.append(rec)
        return sorted(out, key=lambda r: r["key"])

    async def partials(self):
        return [EntryInfo(r["key"], r["size"], False, r["meta"])
                for r in await self._entries("partial", "done")]

    async def list(self):
        return [EntryInfo(r["key"], r["size"], True, r["meta"])
                for r in await self._entries("model", "segments")]

    async def _require(self, key):
        async with translated(key, self.label, "read"):
            index = await self._index(key)
        if index is None:
            raise NotFound(f"{key} is not stored in {self.label}.")
        return index

    async def read(self, key):
        """A Blob of the entry. Chromium keeps Cache API entries read as Blobs counted in the
        usage until those Blobs are gone (after delete too: `settle()`); streams do not."""
        index = await self._require(key)
        cache = await _cache()
        parts = []
        async with translated(key, self.label, "read"):
            for offset, length, start, end in index["segments"]:
                response = await cache.match(_piece_url(key, index["gen"], offset))
                if response is None:
                    raise StoreError(f"{key} is damaged in {self.label} (a piece is missing); "
                                     "delete it and download it again.")
                blob = await response.blob()
                parts.append(blob if start == 0 and end == length else blob.slice(start, end))
        return blob_of(parts)

    async def stream(self, key):
        index = await self._require(key)
        return concat_stream([_piece_source(key, index["gen"], o, n, a, b)
                              for o, n, a, b in index["segments"]])

    async def info(self, key):
        index = await self._index(key)
        return EntryInfo(key, index["size"], True, index["meta"]) if index else None

    async def delete(self, key):
        async with translated(key, self.label, "delete"):
            cache = await _cache()
            await cache.delete(_url("model", key))
            await cache.delete(_url("partial", key))
            for request in await cache.keys():   # every generation of this key's pieces
                if request.url.startswith(_url("piece", key, "/")):
                    await cache.delete(request)

    async def settle(self):
        # Chromium recomputes a cache's size on its next write: a tiny put + delete makes the
        # usage of entries deleted while a Blob of them was alive drop once that Blob is gone.
        cache = await _cache()
        marker = f"{js.location.origin}/model-store/settle"
        await call(cache, "put", marker, js.Response.new(""))
        await cache.delete(marker)


def _valid(m, field):
    """A stored index/manifest we can trust, or None (damage is ignored, never a crash)."""
    try:
        rec = {"key": str(m["key"]), "size": int(m["size"]), "meta": dict(m.get("meta") or {}),
               "gen": str(m["gen"])}
        if field == "done":
            rec["done"] = [(int(s), int(e)) for s, e in m.get("done") or []]
        else:
            rec["segments"] = [tuple(int(v) for v in seg) for seg in m["segments"]]
        return rec
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
