"""Run a coroutine function in the background on request, never twice at once: requests
made while it runs make one more run after it, so the last run sees the latest state and a
burst of requests costs two runs. Pure asyncio (CPython-tested)."""
import asyncio


class Coalesced:
    def __init__(self, job):
        self.job = job            # async callable taking no arguments
        self._task = None
        self._again = False

    @property
    def busy(self):
        return self._task is not None and not self._task.done()

    def __call__(self):
        """Ask for a run -> the task that ends after a run that started after this call."""
        if self._task is not None and not self._task.done():
            self._again = True
            return self._task
        self._task = asyncio.ensure_future(self._run())
        return self._task

    async def _run(self):
        while True:
            self._again = False
            await self.job()
            if not self._again:
                return
