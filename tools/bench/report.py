"""What every benchmark suite reports: a table, raw samples, environment and targets."""
import datetime
import json
import os
import platform
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Target:
    name: str
    value: float
    unit: str
    target: str          # human-readable, e.g. "<= 500"
    met: bool


@dataclass
class Result:
    suite: str
    columns: list
    rows: list                      # table rows, already formatted or numbers
    samples: dict                   # name -> list of raw measurements
    targets: list = field(default_factory=list)
    environment: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def summary(values):
    """median/min/max of a list of numbers (empty lists give None)."""
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


VIRTIO_DEVICES = Path("/sys/bus/virtio/devices")
BALLOON, F_REPORTING = "0x0005", 5      # virtio device id, feature bit (virtio spec 5.5.3)


def free_page_reporting(devices=VIRTIO_DEVICES):
    """True in a VM whose balloon device hands freed memory back to the host within seconds:
    the next large allocation then faults it back in, a cost that lands at random on whichever
    measurement comes next (see app/bench.py paired_ratio)."""
    for device in devices.glob("*"):
        try:
            if (device / "device").read_text().strip() == BALLOON:
                features = (device / "features").read_text().strip()
                return len(features) > F_REPORTING and features[F_REPORTING] == "1"
        except OSError:
            continue
    return False


def environment(browser_version):
    return {
        "browser": browser_version,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "free_page_reporting": free_page_reporting(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _fmt(value):
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def format_table(result):
    rows = [[_fmt(v) for v in row] for row in result.rows]
    widths = [max(len(str(c)), *(len(r[i]) for r in rows)) if rows else len(str(c))
              for i, c in enumerate(result.columns)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    out = [f"== bench {result.suite} ==", line(result.columns), line("-" * w for w in widths)]
    out += [line(r) for r in rows]
    if result.targets:
        out.append("")
        for t in result.targets:
            value = f"{t.value:.2f}" if t.unit == "x" and t.value is not None else _fmt(t.value)
            out.append(f"target {t.name}: {value} {t.unit} (target {t.target}) "
                       f"{'MET' if t.met else 'NOT MET'}")
    out += [f"note: {n}" for n in result.notes]
    env = result.environment
    if env:
        out.append(f"({env.get('browser')}, {env.get('cpu_count')} CPUs, {env.get('date')})")
    return "\n".join(out)


def write_json(result, path):
    data = asdict(result)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2))
