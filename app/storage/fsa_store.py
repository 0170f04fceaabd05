"""File System Access store: models the user keeps on their own disk. Read-only.

The user picks a file (`showOpenFilePicker`, on a click); its FileSystemFileHandle is kept in
IndexedDB with the size and modification time it had, so after a reload the file is used
again without a new pick: `queryPermission`, and `requestPermission` when the browser asks
(that one needs a click, hence `allow()` for the panel's button). A file that changed on disk
since it was picked is refused with a clear message (`accept_change()` takes the new one).
Where the API is missing, a plain <input type=file> gives a File for this session only.
"""
from app.compat import JsException, js, to_js_object
from app.storage import kv
from app.storage.base import Changed, EntryInfo, NotFound, PermissionDenied, Store, StoreError
from app.storage.jsio import translate



def _read_mode():
    return to_js_object({"mode": "read"})


def has_picker():
    return hasattr(js.window, "showOpenFilePicker")


class FsaStore(Store):
    kind = "fsa"
    label = "Files on this device"
    read_only = True

    def __init__(self, bucket="model-handles"):
        self.handles = kv.Bucket(bucket)
        self.session = {}        # key -> File picked through the <input> fallback

    # -- adding files ----------------------------------------------------------------------
    async def pick(self, key=None):
        """Ask the user for a model file (call from a click handler) -> EntryInfo, or None if
        they cancelled."""
        try:
            handles = await js.window.showOpenFilePicker(to_js_object({
                "multiple": False, "id": "models",
                "types": [{"description": "AI model files",
                           "accept": {"application/octet-stream":
                                      [".bin", ".gguf", ".task", ".litertlm", ".onnx"]}}]}))
        except JsException as exc:
            if getattr(exc, "name", "") == "AbortError":
                return None
            raise translate(exc, "the picked file", self.label, "open") from None
        return await self.add_handle(handles[0], key)

    async def add_handle(self, handle, key=None):
        """Keep a FileSystemFileHandle (from the picker, or an OPFS one) -> EntryInfo."""
        key = key or str(handle.name)
        try:
            file = await handle.getFile()
        except JsException as exc:
            raise translate(exc, key, self.label, "open") from None
        await self.handles.set(key, {"handle": handle, "size": int(file.size),
                                     "modified": int(file.lastModified), "name": str(file.name)})
        return EntryInfo(key, int(file.size), True, {"name": str(file.name)})

    def add_file(self, file, key=None):
        """A File from <input type=file> (no handle to keep): usable until the page closes."""
        key = key or str(file.name)
        self.session[key] = file
        return EntryInfo(key, int(file.size), True, {"name": str(file.name), "session": True})

    # -- permissions -----------------------------------------------------------------------
    async def permission(self, key):
        """"granted", "prompt" or "denied" for a kept handle ("granted" for session files)."""
        if key in self.session:
            return "granted"
        rec = await self._record(key)
        try:
            return str(await rec["handle"].queryPermission(_read_mode()))
        except JsException:
            return "denied"

    async def allow(self, key):
        """Ask again for access (call from a click: the browser needs a user gesture)."""
        rec = await self._record(key)
        try:
            state = str(await rec["handle"].requestPermission(_read_mode()))
        except JsException as exc:
            raise PermissionDenied(self._denied_message(key, exc)) from None
        if state != "granted":
            raise PermissionDenied(self._denied_message(key))
        return state

    def _denied_message(self, key, exc=None):
        why = f" ({getattr(exc, 'message', exc)})" if exc is not None else ""
        return (f"Access to {key} on your disk is not granted{why}. Click \"Allow access\" "
                "next to it in the Models & storage panel, or pick the file again.")

    # -- reading ---------------------------------------------------------------------------
    async def _record(self, key):
        rec = await self.handles.get(key)
        if not isinstance(rec, dict) or "handle" not in rec:
            raise NotFound(f"{key} is not among your files on this device.")
        return rec

    async def read(self, key):
        if key in self.session:
            return self.session[key]
        rec = await self._record(key)
        handle = rec["handle"]
        try:
            if str(await handle.queryPermission(_read_mode())) != "granted":
                # Works right after a click; otherwise the browser refuses and we say why.
                await self.allow(key)
            file = await handle.getFile()
        except JsException as exc:
            err = translate(exc, key, self.label, "read")
            if isinstance(err, NotFound):
                err = NotFound(f"{key} is no longer on your disk (moved or deleted). "
                               "Pick it again.")
            raise err from None
        if int(file.size) != rec.get("size") or int(file.lastModified) != rec.get("modified"):
            raise Changed(f"{key} changed on disk since you picked it (size {rec.get('size')} "
                          f"-> {int(file.size)} bytes). Use the new version or pick it again.")
        return file

    async def accept_change(self, key):
        """Take the file as it is now on disk."""
        rec = await self._record(key)
        return await self.add_handle(rec["handle"], key)

    async def info(self, key):
        if key in self.session:
            f = self.session[key]
            return EntryInfo(key, int(f.size), True, {"name": str(f.name), "session": True})
        rec = await self.handles.get(key)
        if not isinstance(rec, dict) or "handle" not in rec:
            return None
        return EntryInfo(key, int(rec.get("size") or 0), True, {"name": rec.get("name", key)})

    async def list(self):
        out = [await self.info(k) for k in self.session]
        for key, rec in await self.handles.items():
            if isinstance(rec, dict) and "handle" in rec and key not in self.session:
                out.append(EntryInfo(str(key), int(rec.get("size") or 0), True,
                                     {"name": rec.get("name", key)}))
        return sorted(out, key=lambda e: e.key)

    async def partials(self):
        return []

    async def begin(self, key, size, meta=None):
        raise StoreError(f"{self.label} is read-only: models are picked from disk, not saved.")

    async def delete(self, key):
        """Forget the file (the file on disk itself is never touched)."""
        self.session.pop(key, None)
        await self.handles.delete(key)
