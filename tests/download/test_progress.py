"""Progress snapshots: totals per model and file, rate over a window, ETA, text."""
from app.download.catalog import ModelFile
from app.download.progress import (DOWNLOADING, Progress, RateMeter, Tracker, describe,
                                   human_bytes, human_duration)


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_rate_is_measured_over_a_sliding_window():
    clock = Clock()
    meter = RateMeter(window=4, clock=clock)
    for i in range(10):
        clock.t = i
        meter.add(i * 100)
    assert meter.rate() == 100
    clock.t = 10
    meter.add(10 * 100 + 4000)           # a burst of 4000 in the last second
    assert 100 < meter.rate() < 4100


def test_tracker_sums_files_and_gives_eta():
    clock = Clock()
    files = [ModelFile("a", "u/a", 1000), ModelFile("b", "u/b", None)]
    t = Tracker("m", files, clock=clock)
    t.set_file("b", total=3000)
    t.state = DOWNLOADING
    t.set_file("a", done=0)
    for i in range(1, 5):
        clock.t = i
        t.add("a", 100)
    snap = t.snapshot()
    assert (snap.done, snap.total) == (400, 4000)
    assert snap.rate == 100
    assert snap.eta == 36
    assert [(f.name, f.done, f.total) for f in snap.files] == [("a", 400, 1000), ("b", 0, 3000)]


def test_resume_start_is_not_counted_as_speed():
    clock = Clock()
    t = Tracker("m", [ModelFile("a", "u", 10_000)], clock=clock)
    t.state = DOWNLOADING
    t.set_file("a", done=9000)            # chunks from an earlier session
    clock.t = 1
    t.add("a", 100)
    assert t.snapshot().rate == 100


def test_progress_round_trips_through_a_dict():
    p = Progress("m", DOWNLOADING, 5, 10, 2.0, 2.5, [], None)
    t = Tracker("m", [ModelFile("a", "u", 10)])
    q = t.snapshot()
    assert Progress.from_dict(p.to_dict()) == p
    assert Progress.from_dict(q.to_dict()) == q


def test_text():
    assert human_bytes(512) == "512 B"
    assert human_bytes(5 * 1024 * 1024) == "5.0 MiB"
    assert human_duration(75) == "1 min 15 s"
    assert human_duration(None) == "—"
    p = Progress("m", DOWNLOADING, 1 << 20, 4 << 20, 1 << 20, 3.0)
    assert describe(p) == "1.0 MiB of 4.0 MiB · 1.0 MiB/s · 3 s left"
    failed = Progress("m", "failed", 0, 4, error="sha256 mismatch")
    assert "failed: sha256 mismatch" in describe(failed)
