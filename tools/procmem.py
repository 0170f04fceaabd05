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
