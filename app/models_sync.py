"""Keeps `app.models_state.models` in step with the browser, in this tab and across tabs.

- A store that announces a change (app.storage.base: every write, delete, pick, and every
  download's end) is read again, and the other tabs are told to read it again too.
- Downloads running in another tab arrive as progress (app.download.tabs) and show here.

Reads of one store are coalesced (app.coalesce): a change during a read makes one more read
after it, so the last one always sees the latest contents.

    from app import models_sync
    models_sync.start()                  # once, before the panels mount
    await models_sync.refresh()          # read every store now (e.g. after a reload of a tab)
"""
import asyncio

from app.coalesce import Coalesced
from app.compat import create_proxy, js, to_js_object
from app.download.progress import FINAL
from app.models_state import models

CHANNEL = "models-state"
LOCK_PREFIX = "model-download:"         # app.download.manager.Download.lock_name
REMOTE_CHECK_S = 15                     # a silent remote download is checked against its lock


class Sync:
    def __init__(self, state=models):
        self.state = state
        self._reads = {}          # store kind -> Coalesced read of it
        self._keep = []           # proxies and unsubscribe functions, alive with the page
        self.channel = None       # BroadcastChannel CHANNEL: "store X changed" to other tabs
        self.downloads = None     # app.download.tabs.ProgressChannel: their downloads

    def start(self):
        from app.download.tabs import ProgressChannel
        from app.storage.base import observe
        from app.storage.registry import KINDS
        self._keep.append(observe(self._changed_here))
        self.channel = js.BroadcastChannel.new(CHANNEL)
        on_message = create_proxy(self._changed_elsewhere)
        self.channel.addEventListener("message", on_message)
        self.downloads = ProgressChannel()
        self._keep += [on_message, self.downloads.watch(self._progress_elsewhere)]
        for kind in KINDS:
            self.read(kind)

    # -- reading stores ----------------------------------------------------------------------
    def read(self, kind):
        """Read store `kind` into the state -> the task (it ends after a read that started
        after this call)."""
        if kind not in self._reads:
            self._reads[kind] = Coalesced(lambda: self._read(kind))
        return self._reads[kind]()

    async def _read(self, kind):
        from app.storage.registry import get_store
        store = get_store(kind)
        damaged = getattr(store, "damaged", None)      # stores that can tell damaged entries
        try:
            entries, partials = await store.list(), await store.partials()
            broken = await damaged() if damaged is not None else []
        except Exception as exc:  # noqa: BLE001 - a store that cannot be read says so
            self.state.set_listing(kind, error=str(exc) or type(exc).__name__)
        else:
            self.state.set_listing(kind, entries, partials, damaged=broken)

    async def refresh(self, kinds=None):
        from app.storage.registry import KINDS
        await asyncio.gather(*[self.read(k) for k in (kinds or KINDS)])

    # -- changes -----------------------------------------------------------------------------
    def _changed_here(self, store):
        self.read(store.kind)
        if self.channel is not None:
            self.channel.postMessage(to_js_object({"stored": store.kind}))

    def _changed_elsewhere(self, event):
        data = event.data.to_py() if hasattr(event.data, "to_py") else None
        kind = data.get("stored") if isinstance(data, dict) else None
        if kind in _kinds():
            self.read(kind)

    def _progress_elsewhere(self, name, progress):
        if not name.startswith(LOCK_PREFIX):
            return
        kind, _, model_id = name[len(LOCK_PREFIX):].partition(":")
        if model_id != progress.model_id:
            return
        self.state.set_progress(kind, progress, remote=True)
        if progress.state in FINAL:
            self.read(kind)
        else:
            _later(REMOTE_CHECK_S, lambda: asyncio.ensure_future(
                self._check_remote(name, kind, progress)))

    async def _check_remote(self, name, kind, seen):
        """A tab closed mid-download sends no last word: when no newer progress came and
        nobody holds its lock any more, it is over (what it left is in the store)."""
        transfer = self.state.transfer(kind, {"id": seen.model_id})
        if transfer is None or not transfer.remote or transfer.progress is not seen:
            return
        held = await js.navigator.locks.query()
        if any(lock.name == name for lock in held.held):
            return
        self.state.set_progress(kind, type(seen)(**{**vars(seen), "state": "cancelled",
                                                   "rate": 0.0, "eta": None}), remote=True)
        self.read(kind)


def _kinds():
    from app.storage.registry import KINDS
    return KINDS


def _later(seconds, callback):
    from pyodide.ffi import create_once_callable
    js.setTimeout(create_once_callable(callback), int(seconds * 1000))


sync = Sync()
started = False


def start():
    """Start following the stores and the other tabs (once; later calls do nothing)."""
    global started
    if not started:
        started = True
        sync.start()


async def refresh(kinds=None):
    """Read the stores (`kinds`, all by default) into the state, now."""
    await sync.refresh(kinds)
