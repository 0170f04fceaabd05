"""Storage: store and restore 16/64/256 MiB in every store, Python next to the Chrome guide's
plain JS, in a headless Chromium on a fresh persistent profile (real on-disk storage:
Playwright's default contexts keep it in memory).

Drives bench.html (app/bench.py does the measuring), prints the table, writes the JSON with
the environment, and saves the chart as a PNG next to the JSON (or in bench-results/).
"""
import json
import os
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tools import site
from tools.bench.report import Result, Target, environment
from tools.browser import launch_persistent
from tools.devserver import serve_in_thread

SIZES_MIB = [int(s) for s in os.environ.get("BENCH_STORAGE_SIZES", "16,64,256").split(",")]
# Restore to engine ready: which paths (memory, py-cache, py-opfs, py-idb), or "none".
ENGINE = os.environ.get("BENCH_STORAGE_ENGINE", "memory,py-cache,py-opfs,py-idb")
TARGET_RATIO = 0.95
READY = "html[data-app-state=ready], html[data-app-state=error]"


def engine_paths(spec=ENGINE):
    return [] if spec.strip() in ("", "none") else [p.strip() for p in spec.split(",")]


def measure(base_url, sizes, runs, chart_path=None, engine=(), timeout_ms=3_600_000):
    """Run bench.html once -> (report dict, browser version)."""
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as profile, sync_playwright() as p:
        # --expose-gc: app/bench.py collects garbage before every timed step (see _settle).
        context = launch_persistent(p, profile, service_workers="block",
                                    extra_args=("--js-flags=--expose-gc",))
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(base_url + "/bench.html")
            page.wait_for_selector(READY, timeout=120_000, state="attached")
            if page.evaluate("document.documentElement.dataset.appState") != "ready":
                raise RuntimeError(f"bench.html failed to boot: {page.inner_text('body')[:300]}")
            page.set_default_timeout(timeout_ms)
            page.evaluate("([sizes, runs, engine]) => appPython("
                          "`from app.ui import bench_page\\nawait bench_page.page.start(${"
                          "JSON.stringify(sizes)}, ${runs}, engine=${JSON.stringify(engine)})"
                          "\\nNone`)", [sizes, runs, list(engine)])
            report = page.evaluate("window.benchReport")
            if report is None:
                raise RuntimeError(page.inner_text("[role=status]") or "the benchmark failed")
            report = json.loads(report)
            if chart_path:
                Path(chart_path).parent.mkdir(parents=True, exist_ok=True)
                page.locator("#bench-chart").screenshot(path=str(chart_path))
            return report, context.browser.version if context.browser else "unknown"
        finally:
            context.close()


def to_result(report, version, chart_path=None):
    rows, samples = [], {}
    for r in report["results"]:
        s, t = r["store"], r["restore"]
        rows.append([r["path"], r["size_mib"], s["median"], s["min"], s["max"], s["mb_s"],
                     t["median"], t["min"], t["max"], t["mb_s"], "; ".join(r["flags"]) or "ok"])
        for d in ("store", "restore"):
            samples[f"{r['path']}:{d}:{r['size_mib']}MiB"] = r["samples_ms"][d]
    engine = report.get("engine") or {}
    for r in engine.get("results") or []:
        t = r["ready"]
        rows.append([f"ready:{r['path']}", round(engine["size"] / (1 << 20), 1), "-", "-", "-",
                     "-", t["median"], t["min"], t["max"], "-", "; ".join(r["flags"]) or "ok"])
        samples[f"ready:{r['path']}"] = r["samples_ms"]
    size = report["ratio_size_mib"]
    targets = []
    for kind in ("cache", "opfs", "idb"):
        ratio = report["ratios"].get(kind, {})
        for d in ("store", "restore"):
            value = ratio.get(d)
            targets.append(Target(f"py-{kind} {d} throughput vs plain JS at {size} MiB",
                                  value, "x",
                                  f">= {TARGET_RATIO}", value is not None and value >= TARGET_RATIO))
    notes = [f"fastest store on this machine: {report['fastest']}",
             f"ratios at {size} MiB: median over windows of two consecutive rounds, which ran "
             "each pair in opposite orders (app/bench.py paired_ratio)"]
    if engine:
        notes.append(f"ready:* rows: restore to engine ready, {engine.get('model')} in "
                     f"{engine.get('engine')} ({engine.get('backend')}, {engine.get('threads')} "
                     "threads), from that store or from a Blob in memory; restore ms = ready ms")
    if engine.get("error"):
        notes.append(f"engine ready failed: {engine['error']}")
    notes += [f"{r['path']} {r['size_mib']} MiB: {f}" for r in report["results"] for f in r["flags"]]
    if chart_path:
        notes.append(f"chart: {chart_path}")
    env = environment(version)
    env["user_agent"] = report.get("user_agent")
    if env["free_page_reporting"]:
        notes.append("this VM hands freed memory back to its host within seconds (virtio-balloon "
                     "free page reporting); single rounds swing with it, compare the ratios")
    return Result(
        suite="storage",
        columns=["path", "MiB", "store ms", "min", "max", "MB/s",
                 "restore ms", "min", "max", "MB/s", "flags"],
        rows=rows, samples=samples, targets=targets, environment=env, notes=notes)


# Rounds: with 10, five runs here gave every Python/JS ratio at 256 MiB within 0.92-1.18 (the
# OPFS store aside, ~1.5); one 5-round run gave a Cache API restore of 0.90 (README).
def run(runs=10, json_path=None):
    chart = Path(json_path).with_suffix(".png") if json_path else \
        site.SITE.parent / "bench-results" / "storage-chart.png"
    server, base = serve_in_thread(site.SITE)
    try:
        report, version = measure(base, SIZES_MIB, runs, chart, engine_paths())
    finally:
        server.shutdown()
    return to_result(report, version, chart)
