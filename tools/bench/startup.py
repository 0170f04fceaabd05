"""Startup: fresh browser launch -> data-app-state="ready", app vs bare Pyodide boot.

Each sample is a new Chromium with an empty profile (a true cold start: nothing cached).
App and baseline alternate so machine noise hits both alike. Time is the `app-ready`
performance mark, i.e. milliseconds since navigation start.
"""
from playwright.sync_api import sync_playwright

from tools import site
from tools.bench.report import Result, Target, environment, summary
from tools.browser import launch
from tools.devserver import serve_in_thread

PAGES = {"app": "/", "bare-pyodide": "/bench/pyodide-boot.html"}
TARGET_OVERHEAD_MS = 500
READY = "html[data-app-state=ready], html[data-app-state=error]"


def cold_boot_ms(playwright, url):
    browser = launch(playwright)
    try:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector(READY, timeout=120_000, state="attached")
        if page.evaluate("document.documentElement.dataset.appState") != "ready":
            raise RuntimeError(f"{url} failed to boot: {page.inner_text('body')[:300]}")
        return page.evaluate("performance.getEntriesByName('app-ready')[0].startTime"), browser.version
    finally:
        browser.close()


def run(runs=5):
    server, base = serve_in_thread(site.SITE)
    samples = {name: [] for name in PAGES}
    version = "unknown"
    try:
        with sync_playwright() as p:
            for i in range(runs):
                for name, path in PAGES.items():
                    ms, version = cold_boot_ms(p, base + path)
                    samples[name].append(ms)
                    print(f"  run {i + 1}/{runs} {name}: {ms:.0f} ms", flush=True)
    finally:
        server.shutdown()
    stats = {name: summary(v) for name, v in samples.items()}
    overhead = stats["app"]["median"] - stats["bare-pyodide"]["median"]
    rows = [[name, s["median"], s["min"], s["max"], s["n"]] for name, s in stats.items()]
    rows.append(["app overhead (median)", overhead, "", "", ""])
    return Result(
        suite="startup",
        columns=["cold boot to ready", "median ms", "min ms", "max ms", "runs"],
        rows=rows,
        samples=samples,
        targets=[Target("app overhead over bare Pyodide boot", overhead, "ms",
                        f"<= {TARGET_OVERHEAD_MS}", overhead <= TARGET_OVERHEAD_MS)],
        environment=environment(version),
    )
