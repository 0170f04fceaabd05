"""Pure planning for ranged downloads: which byte ranges to fetch, how to read the server's
answers, how long to wait before a retry. No browser here: it imports (and is tested) in CPython.

Ranges are half-open (start, end) pairs, the same shape `Partial.done_ranges()` persists.
"""
import re
from collections import deque
from dataclasses import dataclass

MiB = 1 << 20
DEFAULT_CHUNK_SIZE = 5 * MiB
DEFAULT_PARALLEL = 6


def merge(ranges):
    """Sorted, non-overlapping union of [(start, end), ...] (touching ranges are joined)."""
    out = []
    for start, end in sorted((int(s), int(e)) for s, e in ranges):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def covered(ranges):
    """Bytes covered by the union of `ranges`."""
    return sum(end - start for start, end in merge(ranges))


def missing(size, done):
    """The gaps of [0, size) not covered by `done`."""
    gaps, pos = [], 0
    for start, end in merge(done):
        start, end = max(0, start), min(size, end)
        if start > pos:
            gaps.append((pos, start))
        pos = max(pos, end)
    if pos < size:
        gaps.append((pos, size))
    return gaps


def chunks(size, done=(), chunk_size=DEFAULT_CHUNK_SIZE):
    """The requests a (resumed) download makes: every missing byte exactly once, in order,
    each request at most `chunk_size` long. Chunk boundaries are aligned to multiples of
    `chunk_size` so a resume with the same settings reuses the same grid."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    out = []
    for start, end in missing(size, done):
        pos = start
        while pos < end:
            stop = min(end, (pos // chunk_size + 1) * chunk_size)
            out.append((pos, stop))
            pos = stop
    return out


class Runs:
    """Chunks handed out in file order as runs of consecutive chunks, one request per run:
    long runs while much is left, shrinking to single chunks near the end (guided
    scheduling). Few requests (each costs the browser CPU and memory until the next garbage
    collection) while the lanes still finish together and the in-order hash is never left far
    behind. Each chunk of a run is still stored, marked done and hashed on its own."""

    def __init__(self, chunks, parallel, max_bytes):
        self.chunks = deque(chunks)
        self.left = sum(end - start for start, end in self.chunks)
        self.parallel, self.max_bytes = max(1, parallel), max_bytes

    def __len__(self):
        return len(self.chunks)

    def next(self):
        """-> [(start, end), ...] consecutive chunks, or None when all were handed out."""
        if not self.chunks:
            return None
        target = min(self.max_bytes, self.left // self.parallel)
        run = [self.chunks.popleft()]
        while (self.chunks and self.chunks[0][0] == run[-1][1]
               and self.chunks[0][1] - run[0][0] <= target):
            run.append(self.chunks.popleft())
        self.left -= run[-1][1] - run[0][0]
        return run

    def again(self, chunk):
        """Hand `chunk` out once more, next and on its own (it failed its check)."""
        self.chunks.appendleft(chunk)
        self.left += chunk[1] - chunk[0]


def range_header(start, end):
    """HTTP Range header value for the half-open range [start, end)."""
    return f"bytes={start}-{end - 1}"


_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)\s*$", re.I)


@dataclass(frozen=True)
class ContentRange:
    start: int | None      # None for "bytes */total" (a 416 answer)
    end: int | None        # exclusive
    total: int | None      # None for "/*" (unknown length)


def parse_content_range(value):
    """'bytes 0-99/1000' -> ContentRange(0, 100, 1000); None if absent or malformed."""
    if not value:
        return None
    m = _CONTENT_RANGE.match(value)
    if not m:
        return None
    first, last, total = m.groups()
    total = None if total == "*" else int(total)
    if first is None:
        return ContentRange(None, None, total)
    if int(last) < int(first):
        return None
    return ContentRange(int(first), int(last) + 1, total)


def parse_length(value):
    """A Content-Length header -> int, or None when absent/bogus."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff per chunk: attempts 1..retries wait base*2^(n-1), capped.
    `stall`: seconds a response body may send nothing before it is given up and the rest
    asked for again (a server or proxy that stops without closing the connection)."""
    retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    stall: float = 30.0

    def delay(self, attempt):
        """Seconds to wait before retry number `attempt` (1-based); None when out of retries."""
        if attempt > self.retries:
            return None
        return min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))


def is_retryable_status(status):
    """Server hiccups worth another try: 5xx, 408 (timeout) and 429 (slow down)."""
    return status >= 500 or status in (408, 429)


def validator(etag, last_modified):
    """What identifies one version of a remote file: the ETag, else Last-Modified."""
    return etag or last_modified or None


def same_version(expected, etag, last_modified):
    """False only when the server positively reports a different version."""
    got = validator(etag, last_modified)
    if not expected or not got:
        return True
    return _strip_weak(expected) == _strip_weak(got) or expected in (etag, last_modified)


def _strip_weak(tag):
    return tag[2:] if tag.startswith("W/") else tag
