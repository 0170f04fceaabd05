"""How often a download records its done chunks in the store.

Every chunk is noted as done at once (`Partial.note_done`: its bytes are stored, its buffer
free), but the durable record of the done ranges is saved at most every `RECORD_INTERVAL`
seconds. A record is not free: in OPFS it flushes the data file to disk and rewrites the
manifest. Recorded per 5 MiB chunk at loopback speed that was about 200 flushes per GiB, and
measured here the renderer's memory rose by 150-200 MiB above a download that recorded once
a second (the download benchmark's peak-RSS figure), with the flushes holding up the worker.

What a less frequent record can lose: a tab closed (or a browser killed) mid-download
re-fetches the chunks finished in the last interval. Every other ending (done, failed,
cancelled, network down) records everything first (`close()`).
"""
import time

RECORD_INTERVAL = 0.25     # seconds: at most 4 records a second, whatever the speed


class Recorder:
    def __init__(self, partial, interval=RECORD_INTERVAL, clock=time.monotonic):
        self.partial, self.interval, self.clock = partial, interval, clock
        self._last = None

    async def done(self, start, end):
        """[start, end) is stored; recorded now if the last record is old enough."""
        await self.partial.note_done(start, end)
        now = self.clock()
        if self._last is None or now - self._last >= self.interval:
            self._last = now
            await self.partial.record()

    async def close(self):
        """Record whatever is noted and not yet recorded."""
        await self.partial.record()

    async def close_quietly(self):
        """close() on the way out of a failure: the error already raised is the one to report."""
        try:
            await self.close()
        except Exception:
            pass
