"""Byte-range bookkeeping shared by the stores (pure Python: unit-tested in CPython).

A partial entry is a set of pieces written at arbitrary offsets, possibly overlapping after a
resume with different chunk boundaries. `plan` picks, in order, the slices of pieces that cover
[0, size) exactly; `merge` keeps the persisted "done" ranges small.
"""


def merge(ranges):
    """[(start, end_exclusive)] -> sorted, non-overlapping, adjacent ranges joined."""
    out = []
    for start, end in sorted((int(s), int(e)) for s, e in ranges if e > s):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def covered(ranges):
    """Bytes inside `ranges` (overlaps counted once)."""
    return sum(e - s for s, e in merge(ranges))


def add(ranges, start, end):
    return merge([*ranges, (start, end)])


def missing(ranges, size):
    """The gaps of `ranges` within [0, size)."""
    gaps, pos = [], 0
    for start, end in merge(ranges):
        if start > pos:
            gaps.append((pos, min(start, size)))
        pos = max(pos, end)
        if pos >= size:
            break
    if pos < size:
        gaps.append((pos, size))
    return [g for g in gaps if g[1] > g[0]]


class Gap(ValueError):
    def __init__(self, start, end):
        super().__init__(f"bytes {start}-{end - 1} were never written")
        self.start, self.end = start, end


def plan(pieces, size):
    """pieces: [(offset, length, ref)] -> [(ref, start_in_piece, end_in_piece)] covering
    [0, size) in order with as few slices as a greedy interval cover gives. Raises Gap."""
    ordered = sorted(pieces, key=lambda p: (p[0], -p[1]))
    out, pos, i = [], 0, 0
    while pos < size:
        best = None
        while i < len(ordered) and ordered[i][0] <= pos:
            if best is None or ordered[i][0] + ordered[i][1] > best[0] + best[1]:
                best = ordered[i]
            i += 1
        if best is None or best[0] + best[1] <= pos:
            nxt = next((p[0] for p in ordered[i:] if p[0] > pos), size)
            raise Gap(pos, min(nxt, size))
        offset, length, ref = best
        end = min(offset + length, size)
        out.append((ref, pos - offset, end - offset))
        pos = end
    return out
