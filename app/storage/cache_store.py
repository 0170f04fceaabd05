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

`save_blob` (a whole file already in a Blob) is one `put` of a Response over the Blob under
`/model-store/model/<name>`, as the Chrome guide does: the headers (`X-Model-Layout: whole`,
key, size, meta) say what it is, and a restore is one `match` and `blob()`. Where Chromium
refuses an entry that big (the in-memory case above), it falls back to pieces for the rest
of the session. Readers (here and static/js/sw-models.js) take either layout.

`damaged()` reads every request of the cache once and groups it by key: an index or manifest
that cannot be read, an index whose pieces are gone, or pieces that no index or manifest
claims (all of a key's pieces carry its name, so each byte is attributed).
"""
import json

from app.compat import JsException, js, js_none, to_js_object
from app.storage import quota, ranges
from app.storage.base import EntryInfo, NotFound, Store, StoreError
from app.storage.jsio import (
    blob_of, body_size, call, concat_stream, damage_text, dumps, error_name, file_name,
    key_of, loads, translate, translated)
from app.storage.pieces import PiecePartial

CACHE = "model-store"
WHOLE, PIECES = "whole", "pieces"      # X-Model-Layout of a complete entry


def _url(area, key, rest=""):
    return f"{js.location.origin}/model-store/{area}/{file_name(key)}{rest}"


def _piece_url(key, gen, offset):
    return _url("piece", key, f"/{gen}?at={offset}")


def _response(body, headers):
    return js.Response.new(body, to_js_object({"headers": headers}))


async def _cache():
    return await js.caches.open(CACHE)


def _model_headers(key, size, meta, layout):
    return {"X-Model-Key": file_name(key), "X-Model-Size": str(size),
            "X-Model-Meta": dumps(meta), "X-Model-Layout": layout}


async def _match(cache, request):
    """The cached Response, or None."""
    return js_none(await cache.match(request))


async def _model(cache, key):
    """(index, Response of the whole file or None) of a complete entry; (None, None) when
    there is none (or it is damaged). Only the headers of a whole file are read."""
    response = await _match(cache, _url("model", key))
    if response is None:
        return None, None
    if response.headers.get("X-Model-Layout") == WHOLE:
        return _from_headers(response.headers), response
    return _valid(loads(await response.text()), "segments"), None


def _piece_source(key, gen, offset, length, start, end):
    async def source():
        response = await _match(await _cache(), _piece_url(key, gen, offset))
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
        index = {"key": self.key, "size": self.size, "meta": meta, "gen": self.gen,
                 "segments": [[o, n, a, b] for (o, n), a, b in segments]}
        await call(cache, "put", _url("model", self.key), _response(json.dumps(index), {
            "Content-Type": "application/json",
            **_model_headers(self.key, self.size, meta, PIECES)}))
        # The entry is complete now; what follows is cleanup: unused pieces of this generation
        # and every other generation of the key (the entry replaced, or bytes that a damaged
        # index no longer named).
        await cache.delete(_url("partial", self.key))
        used = {o for (o, _n), _a, _b in segments}
        for offset, _n, _ref in await self._pieces():
            if offset not in used:
                await cache.delete(_piece_url(self.key, self.gen, offset))
        await self.store._delete_pieces(self.key, keep=self.gen)

    async def _discard(self):
        cache = await _cache()
        await cache.delete(_url("partial", self.key))
        await self.store._delete_gen(self.key, self.gen)


class CacheStore(Store):
    kind = "cache"
    label = "Cache API"
    refused_size = None     # smallest single entry Chromium refused this session (in-memory)

    async def save_blob(self, key, blob, meta=None):
        size = int(blob.size)
        if CacheStore.refused_size is not None and size >= CacheStore.refused_size:
            return await super().save_blob(key, blob, meta)
        meta = dict(meta or {})
        async with translated(key, self.label):
            cache = await _cache()
            await quota.check_room(size, key, self.label)
            try:
                await call(cache, "put", _url("model", key), _response(
                    blob, _model_headers(key, size, meta, WHOLE)))
            except JsException as exc:
                if error_name(exc) != "UnknownError":
                    raise translate(exc, key, self.label) from None
                CacheStore.refused_size = min(size, CacheStore.refused_size or size)
                return await super().save_blob(key, blob, meta)
            # Complete now; what follows is cleanup of what it replaced: a partial download
            # and every piece of the key (an older piece entry, or bytes nothing claims).
            await cache.delete(_url("partial", key))
            await self._delete_pieces(key)
        await quota.after_save()
        return EntryInfo(key, size, True, meta)

    async def _json(self, url):
        response = await _match(await _cache(), url)
        return loads(await response.text()) if response is not None else None

    async def _index(self, key):
        return (await _model(await _cache(), key))[0]

    async def _delete_gen(self, key, gen):
        await (await _cache()).delete(_url("piece", key, f"/{gen}"),
                                      to_js_object({"ignoreSearch": True}))

    async def _delete_pieces(self, key, keep=None):
        """Every piece of `key`, of every generation but `keep`."""
        cache = await _cache()
        prefix, kept = _url("piece", key, "/"), _url("piece", key, f"/{keep}?")
        for request in await cache.keys():
            if request.url.startswith(prefix) and not (keep and request.url.startswith(kept)):
                await cache.delete(request)

    async def begin(self, key, size, meta=None):
        async with translated(key, self.label):
            found = _valid(await self._json(_url("partial", key)), "done")
            if found and found["size"] == size and dumps(found["meta"]) == dumps(meta):
                await quota.check_room(size - ranges.covered(found["done"]), key, self.label)
                return CachePartial(self, key, size, meta, found["done"], found["gen"])
            if found:
                await CachePartial(self, key, found["size"], gen=found["gen"])._discard()
            await quota.check_room(size, key, self.label)
            partial = CachePartial(self, key, size, meta)
            await partial._save_done()
            return partial

    async def _entries(self, area, field):
        cache = await _cache()
        out = []
        requests = list(await cache.keys())
        urls = {r.url for r in requests}
        for request in requests:
            if f"/model-store/{area}/" in request.url:
                if area == "model":
                    rec, _ = await _model(cache, key_of(request.url.rsplit("/", 1)[1]))
                    if rec and not _pieces_present(rec["key"], rec, urls):
                        rec = None                  # damaged(): part of its data is missing
                else:
                    response = await _match(cache, request)
                    rec = response and _valid(loads(await response.text()), field)
                if rec:
                    out.append(rec)
        return sorted(out, key=lambda r: r["key"])

    async def partials(self):
        return [EntryInfo(r["key"], r["size"], False, r["meta"])
                for r in await self._entries("partial", "done")]

    async def list(self):
        return [EntryInfo(r["key"], r["size"], True, r["meta"])
                for r in await self._entries("model", "segments")]

    async def damaged(self):
        cache = await _cache()
        by_name = {}     # name -> {"model": Request, "partial": Request, "pieces": {url: Request}}
        for request in await cache.keys():
            area, _, rest = request.url.partition("/model-store/")[2].partition("/")
            if area in ("model", "partial", "piece") and rest:
                slot = by_name.setdefault(rest.split("/", 1)[0],
                                          {"model": None, "partial": None, "pieces": {}})
                if area == "piece":
                    slot["pieces"][request.url] = request
                else:
                    slot[area] = request
        out = []
        for name, slot in sorted(by_name.items()):
            if found := await self._damage_of(cache, key_of(name), slot):
                out.append(found)
        return out

    async def _damage_of(self, cache, key, slot):
        """EntryInfo(damage=...) of one key's requests, or None when they are sound. Only the
        index and manifest are read, and the pieces' headers of a damaged key (for its size)."""
        index = partial = None
        problems, size = [], 0
        if slot["model"] is not None and (response := await cache.match(slot["model"])):
            if response.headers.get("X-Model-Layout") == WHOLE:
                index = _from_headers(response.headers)
                if index is None:
                    size += await body_size(response)
            else:
                index = _valid(loads(await response.clone().text()), "segments")
                size += await body_size(response)
            if index is None:
                problems.append("its index is damaged")
        if slot["partial"] is not None and (response := await cache.match(slot["partial"])):
            partial = _valid(loads(await response.text()), "done")
            if partial is None:
                problems.append("its download record is damaged")
        if index and not _pieces_present(key, index, slot["pieces"]):
            problems.append("part of its data is missing")
        claimed = {r["gen"] for r in (index, partial) if r and r["gen"]}
        unclaimed = [url for url in slot["pieces"]
                     if url.split("?", 1)[0].rsplit("/", 1)[1] not in claimed]
        if unclaimed and not (index or partial or problems):
            problems.append("no record claims these bytes (an interrupted save)")
        if not problems:
            return None
        if index and index.get("whole"):
            size += index["size"]             # a sound whole file goes with it on delete
        for request in slot["pieces"].values():
            if (response := await cache.match(request)) is None:
                continue
            try:
                size += int(response.headers.get("X-Length"))
            except (TypeError, ValueError):
                size += await body_size(response)
        return EntryInfo(key, size, False, {}, damage=damage_text(problems))

    async def _require(self, key):
        """(cache, index, Response of a whole file or None) of a complete entry."""
        async with translated(key, self.label, "read"):
            cache = await _cache()
            index, whole = await _model(cache, key)
        if index is None:
            raise NotFound(f"{key} is not stored in {self.label}.")
        return cache, index, whole

    async def read(self, key):
        """A Blob of the entry. Chromium keeps Cache API entries read as Blobs counted in the
        usage until those Blobs are gone (after delete too: `settle()`); streams do not."""
        cache, index, whole = await self._require(key)
        if whole is not None:
            return await whole.blob()
        parts = []
        async with translated(key, self.label, "read"):
            for offset, length, start, end in index["segments"]:
                response = await _match(cache, _piece_url(key, index["gen"], offset))
                if response is None:
                    raise StoreError(f"{key} is damaged in {self.label} (a piece is missing); "
                                     "delete it and download it again.")
                blob = await response.blob()
                parts.append(blob if start == 0 and end == length else blob.slice(start, end))
        return blob_of(parts)

    async def stream(self, key):
        _, index, whole = await self._require(key)
        if whole is not None:
            return whole.body
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
        # Best effort: with the quota used up the put is refused, and reading storage must
        # never fail because storage is full.
        cache = await _cache()
        marker = f"{js.location.origin}/model-store/settle"
        try:
            await call(cache, "put", marker, js.Response.new(""))
        except JsException:
            return
        await cache.delete(marker)


def _pieces_present(key, index, urls):
    """Every piece a piece index names is among `urls` (a whole file has no pieces)."""
    return index.get("whole") or all(_piece_url(key, index["gen"], seg[0]) in urls
                                      for seg in index["segments"])


def _from_headers(headers):
    """The index of a whole-file entry, from its headers (None when they are damaged)."""
    try:
        return {"key": key_of(str(headers.get("X-Model-Key"))),
                "size": int(headers.get("X-Model-Size")),
                "meta": loads(headers.get("X-Model-Meta")), "gen": None, "whole": True}
    except (TypeError, ValueError):
        return None


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
