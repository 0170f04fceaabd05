# Development stand-in for a real Store (runs inside the page via run_py): bytes in JS arrays.
# Only used until the real stores are merged; keeps partial data across downloads in a page.
from app.compat import js
from app.storage.base import EntryInfo, NotFound, Partial, Store


class MemPartial(Partial):
    def __init__(self, store, key, size, meta):
        self.store, self.key, self.size, self.meta = store, key, size, dict(meta or {})
        self.buf = js.Uint8Array.new(size)
        self.ranges = []

    async def write_at(self, offset, data):
        self.buf.set(data, offset)

    async def done_ranges(self):
        return list(self.ranges)

    async def mark_done(self, start, end):
        self.ranges.append((start, end))

    async def stream(self):
        return js.Blob.new([self.buf]).stream()

    async def commit(self, meta=None):
        self.store.entries[self.key] = (self.buf, EntryInfo(self.key, self.size, True, dict(meta or {})))
        self.store.partial_map.pop(self.key, None)

    async def abort(self):
        self.store.partial_map.pop(self.key, None)


class MemStore(Store):
    kind, label = "mem", "Memory (test)"

    def __init__(self):
        self.entries, self.partial_map = {}, {}

    async def begin(self, key, size, meta=None):
        p = self.partial_map.get(key)
        if p is None or p.size != size or p.meta != dict(meta or {}):
            p = self.partial_map[key] = MemPartial(self, key, size, meta)
        return p

    async def read(self, key):
        if key not in self.entries:
            raise NotFound(key)
        return js.Blob.new([self.entries[key][0]])

    async def info(self, key):
        e = self.entries.get(key)
        return e[1] if e else None

    async def list(self):
        return [e[1] for e in self.entries.values()]

    async def partials(self):
        return [EntryInfo(k, p.size, False, p.meta) for k, p in self.partial_map.items()]

    async def delete(self, key):
        self.entries.pop(key, None)
        self.partial_map.pop(key, None)
