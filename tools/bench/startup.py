"""Startup: navigation -> data-app-state="ready".

1. Cold first visit: a new Chromium with an empty profile, app next to a bare Pyodide page
   (load Pyodide, run one line), alternating so machine noise hits both alike.
2. Offline cold start: one online visit on a persistent profile, then the server is stopped
   and each sample relaunches the browser on that profile (served by the service worker).
Times are performance marks, i.e. milliseconds since navigation start. "todos-painted" is
the first frame after the to-do list rendered; "features-ready" is when the models panel
(storage, downloads, engines), which mounts after that frame, has rendered.
The first visit waits for the worker's "offline ready" (it keeps the runtimes once the app is
ready) before the server goes away.
"""
import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tools import site
from tools.bench.report import Result, Target, environment, summary
from tools.browser import launch, launch_persistent
from tools.devserver import serve_in_thread

PAGES = {"app": "/", "bare-pyodide": "/bench/pyodide-boot.html"}
TARGET_OVERHEAD_MS = 500
TARGET_OFFLINE_MS = 3000
READY = "html[data-app-state=ready], html[data-app-state=error]"
MARKS_JS = """() => Object.fromEntries(['app-ready', 'todos-painted', 'features-ready'].map(n =>
    [n, performance.getEntriesByName(n)[0]?.startTime ?? null]))"""


def boot_marks(page, url):
    page.goto(url)
    page.wait_for_selector(READY, timeout=120_000, state="attached")
    if page.evaluate("document.documentElement.dataset.appState") != "ready":
        raise RuntimeError(f"{url} failed to boot: {page.inner_text('body')[:300]}")
    if url.endswith("/"):   # the app: its models panel mounts right after the list is painted
        page.wait_for_selector("html[data-features]", timeout=120_000, state="attached")
    return page.evaluate(MARKS_JS)


def cold_first_visit(playwright, url):
    browser = launch(playwright)
    try:
        return boot_marks(browser.new_page(), url), browser.version
    finally:
        browser.close()


def offline_relaunches(playwright, base, server, runs):
    profile = Path(tempfile.mkdtemp(prefix="bench-offline-"))
    try:
        ctx = launch_persistent(playwright, profile)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        boot_marks(page, base + "/")
        # The worker keeps the runtimes once the app is ready, then says so.
        page.wait_for_selector("html[data-offline=ready]", timeout=120_000, state="attached")
        ctx.close()
        server.stop()
        samples = []
        for i in range(runs):
            ctx = launch_persistent(playwright, profile)
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            samples.append(boot_marks(page, base + "/"))
            ctx.close()
            print(f"  run {i + 1}/{runs} offline relaunch: {samples[-1]['app-ready']:.0f} ms",
                  flush=True)
        return samples
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _row(label, values):
    s = summary([v for v in values if v is not None])
    return [label, s["median"] if s["n"] else "n/a", s["min"] if s["n"] else "",
            s["max"] if s["n"] else "", s["n"]]


def run(runs=5):
    server, base = serve_in_thread(site.SITE)
    cold = {name: [] for name in PAGES}
    version = "unknown"
    try:
        with sync_playwright() as p:
            for i in range(runs):
                for name, path in PAGES.items():
                    marks, version = cold_first_visit(p, base + path)
                    cold[name].append(marks)
                    print(f"  run {i + 1}/{runs} {name}: {marks['app-ready']:.0f} ms", flush=True)
            offline = offline_relaunches(p, base, server, runs)
    finally:
        server.stop()
    ready = lambda samples: [s["app-ready"] for s in samples]  # noqa: E731
    app_ms, bare_ms = summary(ready(cold["app"]))["median"], summary(ready(cold["bare-pyodide"]))["median"]
    offline_ms = summary(ready(offline))["median"]
    overhead = app_ms - bare_ms
    rows = [
        _row("cold first visit: app ready", ready(cold["app"])),
        _row("cold first visit: bare Pyodide ready", ready(cold["bare-pyodide"])),
        ["cold first visit: app overhead", overhead, "", "", ""],
        _row("cold first visit: to-do list painted", [s["todos-painted"] for s in cold["app"]]),
        _row("cold first visit: models panel mounted", [s["features-ready"] for s in cold["app"]]),
        _row("offline relaunch: app ready", ready(offline)),
        _row("offline relaunch: to-do list painted", [s["todos-painted"] for s in offline]),
        _row("offline relaunch: models panel mounted", [s["features-ready"] for s in offline]),
    ]
    return Result(
        suite="startup",
        columns=["navigation to", "median ms", "min ms", "max ms", "runs"],
        rows=rows,
        samples={"cold_app": cold["app"], "cold_bare_pyodide": cold["bare-pyodide"],
                 "offline_relaunch": offline},
        targets=[
            Target("app overhead over bare Pyodide boot", overhead, "ms",
                   f"<= {TARGET_OVERHEAD_MS}", overhead <= TARGET_OVERHEAD_MS),
            Target("offline cold start in a relaunched browser", offline_ms, "ms",
                   f"<= {TARGET_OFFLINE_MS}", offline_ms <= TARGET_OFFLINE_MS),
        ],
        environment=environment(version),
    )
