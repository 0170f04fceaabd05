"""Cache API store: a complete model is one synthesized Response under a stable URL key.

A partial entry lives in a second cache: one Response per piece (URL ?at=<offset>) and a JSON
manifest (size, meta, done ranges). Commit streams the pieces, in order, into the final
Response, so the complete entry appears in one `put` and memory stays at one piece.
"""
import json

from app.compat import js, to_js_object
from app.storage.base import EntryInfo, NotFound, Store
from app.storage.jsio import concat_stream, dumps, file_name, key_of, loads, translated
from app.storage.pieces import PiecePartial

COMPLETE, PARTIAL = "model-store", "model-store-partial"


def _url(area, key, query=""):
    return f"{js.location.origin}/model-store/{area}/{file_name(key)}{query}"


def _ignore_search():
    return to_js_object({"ignoreSearch": True})


def _response(body, headers):
    return js.Response.new(body, to_js_object({"headers": headers}))


def _entry(response):
    headers = response.headers
    return EntryInfo(key_of(headers.get("X-Model-Key") or ""),
                     int(headers.get("X-Model-Size") or 0), True,
                     loads(headers.get("X-Model-Meta")))


class CachePartial(PiecePartial):
    def __init__(self, store, cache, key, size, meta=None, done=()):
        super().__init__(store, key, size, meta, done)
        self.cache = cache

    def _piece_url(self, offset):
        return _url("piece", self.key, f"?at={offset}")

    async def _put_piece(self, offset, blob):
        await self.cache.put(self._piece_url(offset), _response(
            blob, {"X-Offset": str(offset), "X-Length": str(int(blob.size))}))

    async def _pieces(self):
        found = await self.cache.matchAll(_url("piece", self.key), _ignore_search())
        return [(int(r.headers.get("X-Offset")), int(r.headers.get("X-Length")),
                 int(r.headers.get("X-Offset"))) for r in found]

    def _source(self, offset, start, end):
        async def source():
            response = await self.cache.match(self._piece_url(offset))
            if response is None:
                raise NotFound(f"{self.key}: a stored piece disappeared; download it again.")
            blob = await response.blob()
            return (blob if start == 0 and end == blob.size else blob.slice(start, end)).stream()
        return source

    async def _save_done(self):
        await self.store._save_manifest(self.cache, self.key, self.size, self.meta, self._done)

    async def _finish(self, meta, segments):
        body = concat_stream([self._source(ref, a, b) for ref, a, b in segments])
        complete = await js.caches.open(COMPLETE)
        await complete.put(_url("model", self.key), _response(body, {
            "Content-Type": "application/octet-stream", "Content-Length": str(self.size),
            "X-Model-Key": file_name(self.key), "X-Model-Size": str(self.size),
            "X-Model-Meta": dumps(meta)}))
        await self._discard()

    async def _discard(self):
        await self.store._delete_partial(self.cache, self.key)


class CacheStore(Store):
    kind = "cache"
    label = "Cache API"

    # -- partial entries ------------------------------------------------------------------
    async def _save_manifest(self, cache, key, size, meta, done):
        await cache.put(_url("manifest", key), _response(
            json.dumps({"key": key, "size": size, "meta": meta, "done": done}),
            {"Content-Type": "application/json"}))

    async def _manifest(self, cache, key):
        response = await cache.match(_url("manifest", key))
        return _valid_manifest(loads(await response.text())) if response is not None else None

    async def _delete_partial(self, cache, key):
        await cache.delete(_url("piece", key), _ignore_search())
        await cache.delete(_url("manifest", key))

    async def begin(self, key, size, meta=None):
        async with translated(key, self.label):
            cache = await js.caches.open(PARTIAL)
            found = await self._manifest(cache, key)
            if found and found["size"] == size and dumps(found["meta"]) == dumps(meta):
                return CachePartial(self, cache, key, size, meta, found["done"])
            await self._delete_partial(cache, key)
            partial = CachePartial(self, cache, key, size, meta)
            await partial._save_done()
            return partial

    async def partials(self):
        cache = await js.caches.open(PARTIAL)
        out = []
        for request in await cache.keys():
            if "/model-store/manifest/" in request.url:
                response = await cache.match(request)
                if response is not None and (m := _valid_manifest(loads(await response.text()))):
                    out.append(EntryInfo(m["key"], m["size"], False, m["meta"]))
        return out

    # -- complete entries -----------------------------------------------------------------
    async def _match(self, key):
        async with translated(key, self.label, "read"):
            response = await (await js.caches.open(COMPLETE)).match(_url("model", key))
        if response is None:
            raise NotFound(f"{key} is not stored in {self.label}.")
        return response

    async def read(self, key):
        response = await self._match(key)
        async with translated(key, self.label, "read"):
            return await response.blob()

    async def stream(self, key):
        return (await self._match(key)).body

    async def info(self, key):
        try:
            return _entry(await self._match(key))
        except NotFound:
            return None

    async def list(self):
        cache = await js.caches.open(COMPLETE)
        return sorted((_entry(r) for r in await cache.matchAll()), key=lambda e: e.key)

    async def delete(self, key):
        async with translated(key, self.label, "delete"):
            await (await js.caches.open(COMPLETE)).delete(_url("model", key))
            await self._delete_partial(await js.caches.open(PARTIAL), key)


def _valid_manifest(m):
    """A manifest we can trust, or None (a damaged record is ignored, never a crash)."""
    try:
        return {"key": str(m["key"]), "size": int(m["size"]), "meta": dict(m.get("meta") or {}),
                "done": [(int(s), int(e)) for s, e in m.get("done") or []]}
    except (KeyError, TypeError, ValueError):
        return None
