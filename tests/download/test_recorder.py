"""The record policy of a download (CPython): every chunk noted at once, the durable record
at most once per interval, and everything recorded when the download ends."""
from tests.aio import run as run_coro

from app.download.recorder import Recorder


class Partial:
    def __init__(self):
        self.noted, self.records = [], []

    async def note_done(self, start, end):
        self.noted.append((start, end))

    async def record(self):
        self.records.append(list(self.noted))


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_records_at_most_once_per_interval_and_everything_on_close():
    partial, clock = Partial(), Clock()
    recorder = Recorder(partial, interval=1.0, clock=clock)

    async def run():
        await recorder.done(0, 10)          # the first chunk is recorded at once
        clock.now = 0.5
        await recorder.done(10, 20)         # noted, recorded later
        await recorder.done(20, 30)
        clock.now = 1.2
        await recorder.done(30, 40)         # a second went by: all four recorded together
        clock.now = 1.3
        await recorder.done(40, 50)
        await recorder.close()              # the end records the rest
    run_coro(run())
    assert partial.noted == [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50)]
    assert [len(r) for r in partial.records] == [1, 4, 5]


def test_close_quietly_keeps_the_first_error():
    class Failing(Partial):
        async def record(self):
            raise RuntimeError("disk full")
    recorder = Recorder(Failing())
    run_coro(recorder.close_quietly())    # does not raise
