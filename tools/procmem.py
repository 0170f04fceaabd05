"""Resident memory of processes, read from /proc (Linux): what the memory tests and the
download benchmark sample while Chromium works."""
from pathlib import Path


def rss_bytes(pids):
    """Sum of VmRSS of `pids`; processes that have gone away count as 0."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class PeakSampler:
    """The peak of `read()` (bytes), sampled every `every` seconds on a thread between
    `with` entry and exit; `.peak` holds it."""

    def __init__(self, read, every):
        import threading
        self.read, self.every, self.peak = read, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.read())
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
