"""FFI helpers the browser stores share: bytes that stay in JS, JS errors turned into
StoreErrors a user can read, and streams stitched together natively (no bytes through Python)."""
import asyncio
import json
from urllib.parse import quote, unquote

from app.compat import JsException, js, to_js, to_js_object
from app.storage.base import Changed, NotFound, PermissionDenied, QuotaExceeded, StoreError
from app.storage.idb import IDBError
from app.storage.opfs_sync import WorkerError

CHUNK = 8 << 20   # small writes are coalesced into pieces of up to this many bytes
MiB = 1 << 20


_caller = None


def call(obj, method, *args):
    """`obj.method(*args)` as an awaitable that is safe for writes that can run out of space.

    Measured with Pyodide 314 on Chromium 156: when such a call is made synchronously from
    Python (e.g. `await writable.write(chunk)` past the quota), the QuotaExceededError that
    Chromium builds (the new DOMException subclass) is broken in that context and the promise
    never settles: the await hangs forever. Started from a JS microtask instead, it rejects
    normally; the rejection is re-thrown as a plain DOMException (same name and message),
    which Pyodide turns into a JsException like any other."""
    global _caller
    if _caller is None:
        _caller = js.Function.new("o", "m", "a", """
            return (async () => {
              await null;
              try {
                return await o[m](...a);
              } catch (e) {
                if (e instanceof DOMException && e.constructor !== DOMException) {
                  throw new DOMException(e.message, e.name);
                }
                throw e;
              }
            })();""")
    return _caller(obj, method, to_js(list(args)))


_counter = None


async def body_size(response):
    """Bytes in a Response's body, counted by reading it as a stream in JS (no bytes reach
    Python; unlike `blob()`, a stream does not pin a Cache API entry in the usage)."""
    global _counter
    if _counter is None:
        _counter = js.Function.new("r", """
            return (async () => {
              if (!r.body) return 0;
              const reader = r.body.getReader();
              let n = 0;
              for (;;) {
                const { done, value } = await reader.read();
                if (done) return n;
                n += value.byteLength;
              }
            })();""")
    return int(await _counter(response))


def to_u8(data):
    """JS Uint8Array for `data`; Python bytes (small data, tests) are copied once into JS."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return to_js(bytes(data) if isinstance(data, memoryview) else data)
    return data


def nbytes(data):
    """Length of bytes, a Uint8Array or a Blob (Blobs are written by reference: no copy)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return len(data)
    length = getattr(data, "byteLength", None)
    return int(length if length is not None else data.size)


def blob_of(parts, type_="application/octet-stream"):
    """One Blob from JS parts (Uint8Array/Blob); Blobs are referenced, not copied, and a lone
    Blob is returned as it is (a wrapper would only add a layer every read goes through)."""
    parts = list(parts)
    if len(parts) == 1 and not in_memory(parts[0]):
        return parts[0]
    return js.Blob.new(to_js(parts), to_js_object({"type": type_}))


def in_memory(data):
    """True for bytes and Uint8Arrays, False for a Blob (a reference to bytes kept elsewhere)."""
    return isinstance(data, (bytes, bytearray, memoryview)) or hasattr(data, "byteLength")


def file_name(key):
    """A key as one safe path segment (OPFS names and URL paths cannot hold '/')."""
    return quote(key, safe="")


def key_of(name):
    return unquote(name)


def dumps(meta):
    return json.dumps(dict(meta or {}), sort_keys=True)


def loads(text):
    """Stored metadata back to a dict; a damaged record gives {} rather than a crash."""
    try:
        value = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def damage_text(problems):
    """What a damaged() entry says: what is wrong and what to do."""
    return (f"Damaged: {'; '.join(problems)}. It cannot be used; delete it to free the space "
            "(download it again if you need it).")


def mib(size):
    return f"{size / MiB:,.1f} MiB"


def error_name(exc):
    return getattr(exc, "name", "") or type(exc).__name__


def translate(exc, key, label, action="save"):
    """A JS failure -> the StoreError subclass that says what happened, in words."""
    if isinstance(exc, StoreError):
        return exc
    name = error_name(exc)
    detail = getattr(exc, "message", "") or str(exc)
    if name == "QuotaExceededError":
        from app.storage.quota import no_room_message
        return QuotaExceeded(no_room_message(key, label, action=action))
    if name == "NotFoundError":
        return NotFound(f"{key} is not stored in {label}.")
    if name in ("NotAllowedError", "SecurityError"):
        return PermissionDenied(f"The browser denied access to {key} ({label}): {detail}")
    if name == "NotReadableError":
        return Changed(f"{key} could not be read: the file changed or moved on disk. "
                       "Pick it again.")
    if name == "NoModificationAllowedError":
        return StoreError(f"{key} is being written by another tab or worker ({label}); "
                          "try again when it has finished.")
    return StoreError(f"Could not {action} {key} in {label}: {name}: {detail}")


class translated:
    """`async with translated(key, label):` re-raises JS errors as StoreErrors."""

    def __init__(self, key, label, action="save"):
        self.key, self.label, self.action = key, label, action

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if exc is not None and isinstance(exc, (JsException, IDBError, WorkerError, StoreError)):
            raise translate(exc, self.key, self.label, self.action) from exc
        return False


def concat_stream(sources):
    """A ReadableStream that plays `sources` (async callables -> ReadableStream) one after the
    other. Bytes are piped natively; Python only awaits once per source. Back-pressure from the
    reader holds the pipe, so memory stays bounded."""
    pipe = js.TransformStream.new()
    keep_open = to_js_object({"preventClose": True})

    async def pump():
        try:
            for source in sources:
                await (await source()).pipeTo(pipe.writable, keep_open)
            await pipe.writable.close()
        except Exception as exc:  # the reader sees the failure instead of a short stream
            try:
                await pipe.writable.abort(js.Error.new(str(exc)))
            except Exception:
                pass

    _tasks.add(task := asyncio.ensure_future(pump()))
    task.add_done_callback(_tasks.discard)
    return pipe.readable


_tasks = set()  # running pumps (asyncio keeps only weak references to tasks)


def blob_source(blob, start=0, end=None):
    """A concat_stream source over a slice of a Blob (or an awaitable giving one)."""
    async def source():
        b = await blob() if callable(blob) else blob
        whole = start == 0 and (end is None or end == b.size)
        return (b if whole else b.slice(start, end)).stream()
    return source

