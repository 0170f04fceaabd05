"""Shared fixtures: one build and one server per session, a real Chromium, and pages that
fail the test if anything tried to leave the machine."""
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
READY = "html[data-app-state=ready], html[data-app-state=error]"
FEATURES = "html[data-features]"   # the models panel's features, mounted after ready
BOOT_TIMEOUT_MS = 90_000


def is_local(url):
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about", "chrome-extension") or \
        parts.hostname in LOCAL_HOSTS


@pytest.fixture(scope="session")
def site_dir():
    """Build once per session (seconds when everything is already vendored)."""
    subprocess.run([sys.executable, str(ROOT / "build.py"), "build"], check=True, cwd=ROOT)
    from tools.site import SITE
    return SITE


@pytest.fixture(scope="session")
def server(site_dir):
    from tools.devserver import serve_in_thread
    httpd, base_url = serve_in_thread(site_dir)
    yield base_url
    httpd.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    from tools.browser import launch
    b = launch(playwright_instance)
    yield b
    b.close()


@pytest.fixture(scope="session")
def configured_browser(request, playwright_instance, server):
    """(Config, Browser) for the configuration of tools.browser.CONFIGS named by indirect
    parametrization: one browser per configuration and session (the default one is `browser`).
    What the page sees is checked first; where that depends on the machine (a GPU with
    shader-f16; a GPU that plain Chromium would use), the tests are skipped saying why."""
    from tools.browser import CONFIGS, DEFAULT_CONFIG, PROBE_JS, launch
    config = CONFIGS[request.param]
    own = config is not DEFAULT_CONFIG
    b = launch(playwright_instance, config=config) if own else request.getfixturevalue("browser")
    context = config.new_context(b)
    page = context.new_page()
    page.goto(server + "/models/catalog.json")       # any page of the app's (secure) origin
    seen = page.evaluate(PROBE_JS)
    context.close()
    if seen["gpu"] != config.expects:
        if own:
            b.close()
        why = (f"browser configuration {config.name!r} ({config.about}) needs navigator.gpu "
               f"to give {config.expects!r}; this machine's Chromium gives {seen}")
        if config.needs_machine:
            pytest.skip(why)
        pytest.fail(why)
    yield config, b
    if own:
        b.close()


class RequestGuard:
    """Blocks and records every request that would leave the machine."""

    def __init__(self):
        self.blocked = []

    def attach(self, context):
        context.route(lambda url: not is_local(url), self._block)

    def _block(self, route):
        self.blocked.append(route.request.url)
        route.abort("blockedbyclient")


@pytest.fixture
def guard():
    return RequestGuard()


@pytest.fixture
def context(browser, guard):
    # Service workers are blocked here so every request is visible to the guard; the offline
    # tests use their own persistent profiles with the worker enabled.
    ctx = browser.new_context(service_workers="block")
    guard.attach(ctx)
    yield ctx
    ctx.close()
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.console_messages_seen = []
    pg.on("console", lambda m: pg.console_messages_seen.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: pg.console_messages_seen.append(f"pageerror: {e}"))
    return pg


def wait_for_boot(pg):
    """Wait until the page is ready (or failed) and, for the app, until its models panel has
    mounted too; -> the app state."""
    pg.wait_for_selector(READY, timeout=BOOT_TIMEOUT_MS, state="attached")
    state = pg.evaluate("document.documentElement.dataset.appState")
    if state == "ready" and pg.query_selector("#models-panel"):   # the app, not bench.html
        pg.wait_for_selector(FEATURES, timeout=BOOT_TIMEOUT_MS, state="attached")
    return state


@pytest.fixture
def app_page(page, server):
    """The app, booted and ready. The test fails on any Python error the page showed:
    PyScript renders errors raised in event handlers as .py-error boxes, failing nothing."""
    from tests.ui.checks import python_errors
    page.goto(server + "/")
    state = wait_for_boot(page)
    assert state == "ready", page.inner_text("body") + "\n" + "\n".join(page.console_messages_seen)
    assert page.evaluate("document.documentElement.dataset.features") == "ready", \
        page.inner_text("#models-panel")
    yield page
    if not page.is_closed():
        assert python_errors(page) == []


def run_py(pg, code):
    """Run Python inside the page's Pyodide; returns the last expression, converted to JSON-able
    values. Python exceptions come back as a Playwright Error carrying the traceback."""
    return pg.evaluate("code => appPython(code)", code)
