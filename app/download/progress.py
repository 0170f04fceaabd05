"""Progress of a download: bytes done/total, rate and ETA, per model and per file.

Pure Python (no browser): the downloader feeds it byte counts, callers get `Progress`
snapshots, and the same snapshots travel to other tabs as plain dicts.
"""
import time
from collections import deque
from dataclasses import asdict, dataclass, field

# States, in the order a download moves through them.
QUEUED, CHECKING, DOWNLOADING, VERIFYING, DONE = "queued", "checking", "downloading", "verifying", "done"
CANCELLED, FAILED, WAITING = "cancelled", "failed", "waiting"   # WAITING: another tab downloads
FINAL = (DONE, CANCELLED, FAILED)


@dataclass
class FileProgress:
    name: str
    total: int = 0
    done: int = 0
    state: str = QUEUED

    @property
    def fraction(self):
        return self.done / self.total if self.total else 0.0


@dataclass
class Progress:
    model_id: str
    state: str = QUEUED
    done: int = 0
    total: int = 0
    rate: float = 0.0               # bytes per second, over the last few seconds
    eta: float | None = None        # seconds left, None while unknown
    files: list = field(default_factory=list)
    error: str | None = None

    @property
    def fraction(self):
        return self.done / self.total if self.total else 0.0

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["files"] = [FileProgress(**f) for f in data.get("files", [])]
        return cls(**data)


class RateMeter:
    """Bytes per second over a sliding window, robust to bursty chunk-sized updates."""

    def __init__(self, window=4.0, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self.samples = deque()      # (time, cumulative bytes)

    def reset(self):
        self.samples.clear()

    def add(self, cumulative):
        now = self.clock()
        self.samples.append((now, cumulative))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window:
            self.samples.popleft()

    def rate(self):
        if len(self.samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0


def eta(remaining, rate):
    return remaining / rate if rate > 0 and remaining >= 0 else None


class Tracker:
    """Mutable progress of one model download; `snapshot()` gives an immutable-ish copy."""

    def __init__(self, model_id, files, clock=time.monotonic):
        self.model_id = model_id
        self.files = {f.name: FileProgress(f.name, f.size or 0) for f in files}
        self.state = QUEUED
        self.error = None
        self.meter = RateMeter(clock=clock)

    @property
    def done(self):
        return sum(f.done for f in self.files.values())

    @property
    def total(self):
        return sum(f.total for f in self.files.values())

    def set_file(self, name, *, total=None, done=None, state=None):
        f = self.files[name]
        if total is not None:
            f.total = total
        if done is not None:
            f.done = done
            self.meter.reset()          # a resume's starting point is not a burst of speed
        if state is not None:
            f.state = state
        self.meter.add(self.done)

    def add(self, name, nbytes):
        self.files[name].done += nbytes
        self.meter.add(self.done)

    @property
    def current_state(self):
        """The model's state; while running, "verifying" once no file is still fetching."""
        states = {f.state for f in self.files.values()}
        if self.state == DOWNLOADING and VERIFYING in states and not states & {CHECKING, DOWNLOADING}:
            return VERIFYING
        return self.state

    def snapshot(self):
        state = self.current_state
        rate = self.meter.rate() if state == DOWNLOADING else 0.0
        left = self.total - self.done
        return Progress(self.model_id, state, self.done, self.total, rate,
                        eta(left, rate) if state == DOWNLOADING else None,
                        [FileProgress(f.name, f.total, f.done, f.state) for f in self.files.values()],
                        self.error)


def human_bytes(n):
    n = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def human_duration(seconds):
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def describe(p):
    """One line for the progress bar's text: '12.0 MiB of 94.0 MiB · 3.1 MiB/s · 27 s left'."""
    head = f"{human_bytes(p.done)} of {human_bytes(p.total)}"
    if p.state == DOWNLOADING:
        return f"{head} · {human_bytes(p.rate)}/s · {human_duration(p.eta)} left"
    words = {QUEUED: "queued", CHECKING: "checking the server", VERIFYING: "verifying sha256",
             DONE: "downloaded and verified", CANCELLED: "paused, resume to continue",
             WAITING: "downloading in another tab", FAILED: f"failed: {p.error}"}
    return f"{head} · {words.get(p.state, p.state)}"
