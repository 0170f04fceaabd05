"""The download callers use: one per model and store across every open tab.

    download = Download(model, store, on_progress=print).start()
    ...
    download.cancel()                 # completed chunks stay; start a new Download to resume
    infos = await download.task       # [EntryInfo] of verified files, or raises DownloadError

The first tab to ask takes a Web Lock and downloads; a tab asking for the same model meanwhile
shows that tab's progress (BroadcastChannel) and, once the lock frees, finds the model stored
(no request at all) or, if the other tab was closed or cancelled, resumes it itself.

Every download publishes its progress into `app.models_state.models` and, when it ends in any
way, announces that its store changed (which the other tabs hear too), so every panel shows
it; `Download.running` finds the one in flight for a model and store, whoever started it.
"""
import asyncio

from app.compat import JsException, js
from app.download.fetcher import Cancelled, ModelDownload
from app.download.progress import FAILED, FINAL, QUEUED, WAITING, FileProgress, Progress
from app.download.tabs import ProgressChannel, WebLock
from app.models_state import models
from app.storage.base import announce


class Download:
    running = {}                      # (store kind, model id) -> the Download in flight here

    def __init__(self, model, store, *, on_progress=None, **options):
        self.model, self.store, self.options = model, store, options
        self.listeners = [on_progress] if on_progress else []
        self.progress = Progress(model.id, QUEUED, 0, model.size or 0,
                                 files=[FileProgress(f.name, f.size or 0) for f in model.files])
        self.task = None
        self.worker = None            # the ModelDownload, when this tab is the one downloading
        self._cancelled = False
        self._abort = js.AbortController.new()

    @property
    def lock_name(self):
        return f"model-download:{self.store.kind}:{self.model.id}"

    def start(self):
        self.task = asyncio.ensure_future(self.run())
        self._emit(self.progress)        # queued: every panel shows it at once
        return self

    @classmethod
    def find(cls, store_kind, model_id):
        """The download of `model_id` into `store_kind` running in this tab, or None."""
        return cls.running.get((store_kind, model_id))

    def cancel(self):
        self._cancelled = True
        self._abort.abort()
        if self.worker is not None:
            self.worker.cancel()

    @property
    def finished(self):
        return self.progress.state in FINAL

    def _emit(self, progress):
        self.progress = progress
        models.set_progress(self.store.kind, progress)
        for listener in list(self.listeners):
            try:
                listener(progress)
            except Exception as exc:  # a broken listener must not break the download
                js.console.warn(f"download progress listener failed: {exc!r}")

    def _emit_remote(self, progress):
        if progress.state not in FINAL:
            progress.state = WAITING
            self._emit(progress)

    async def run(self):
        channel = ProgressChannel()
        key = (self.store.kind, self.model.id)
        self.running[key] = self
        try:
            lock = await WebLock.acquire(self.lock_name, if_available=True)
            if lock is None:
                lock = await self._wait_for_other_tab(channel)
            try:
                if self._cancelled:
                    raise Cancelled()

                def publish(progress):
                    self._emit(progress)
                    channel.publish(self.lock_name, progress)

                self.worker = ModelDownload(self.model, self.store, on_progress=publish,
                                            **self.options)
                return await self.worker.run()
            finally:
                lock.release()
        except Cancelled:
            if self.progress.state != "cancelled":
                self._emit(Progress(**{**vars(self.progress), "state": "cancelled", "rate": 0.0,
                                       "eta": None}))
            raise
        except Exception as exc:
            if not self.finished:        # failed before the downloader could say so
                self._emit(Progress(**{**vars(self.progress), "state": FAILED, "rate": 0.0,
                                       "eta": None, "error": str(exc) or type(exc).__name__}))
            raise
        finally:
            channel.close()
            if self.running.get(key) is self:
                del self.running[key]
            announce(self.store)         # committed, partly written or cleaned up: re-read it

    async def _wait_for_other_tab(self, channel):
        self._emit(Progress(**{**vars(self.progress), "state": WAITING}))
        unsubscribe = channel.subscribe(self.lock_name, self._emit_remote)
        try:
            return await WebLock.acquire(self.lock_name, signal=self._abort.signal)
        except JsException:
            if self._cancelled:
                raise Cancelled("stopped waiting for the download in another tab") from None
            raise
        finally:
            unsubscribe()
