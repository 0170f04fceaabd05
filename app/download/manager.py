"""The download callers use: one per model and store across every open tab.

    download = Download(model, store, on_progress=print).start()
    ...
    download.cancel()                 # completed chunks stay; start a new Download to resume
    infos = await download.task       # [EntryInfo] of verified files, or raises DownloadError

The first tab to ask takes a Web Lock and downloads; a tab asking for the same model meanwhile
shows that tab's progress (BroadcastChannel) and, once the lock frees, finds the model stored
(no request at all) or, if the other tab was closed or cancelled, resumes it itself.
"""
import asyncio

from app.compat import JsException, js
from app.download.fetcher import Cancelled, ModelDownload
from app.download.progress import FINAL, QUEUED, WAITING, FileProgress, Progress
from app.download.tabs import ProgressChannel, WebLock


class Download:
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
        return self

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
        finally:
            channel.close()

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
