"""Offline PWA: the service worker, updates, installability, and the app with no network.

The honest offline test (FIELD_NOTES): load once, stop the HTTP server, relaunch the browser
on the same profile. page.route cannot see what a service worker answers, so nothing here
relies on it.
"""
import shutil
from collections import Counter

import pytest

from tests.conftest import BOOT_TIMEOUT_MS, RequestGuard, wait_for_boot
from tools import site
from tools.browser import launch_persistent
from tools.devserver import SiteHandler, serve_in_thread

pytestmark = pytest.mark.browser


def copy_site(dest):
    """A private copy of the built site (linking the big folders) that a test may change."""
    shutil.copytree(site.SITE, dest, symlinks=True)
    for name in site.LINKED:
        (dest / name).unlink()
        (dest / name).symlink_to((site.SITE / name).resolve(), target_is_directory=True)
    return dest


@pytest.fixture
def private_site(site_dir, tmp_path):
    served = copy_site(tmp_path / "site")
    httpd, base = serve_in_thread(served)
    yield served, base, httpd
    httpd.stop()


def boot(page, url):
    page.goto(url)
    assert wait_for_boot(page) == "ready", page.inner_text("body")


def persistent(playwright_instance, profile):
    ctx = launch_persistent(playwright_instance, profile)
    guard = RequestGuard()
    guard.attach(ctx)
    ctx.guard = guard
    return ctx, (ctx.pages[0] if ctx.pages else ctx.new_page())


class CountingHandler(SiteHandler):
    """The dev server, counting the GET requests it answers per path."""
    gets = Counter()
    hosts = set()

    def do_GET(self):
        type(self).gets[self.path.split("?", 1)[0]] += 1
        type(self).hosts.add(self.headers.get("Host", ""))
        super().do_GET()


OFFLINE_READY = "html[data-offline=ready]"
CACHED_MISSING = """async (paths) => {
    const name = (await caches.keys()).find((n) => n.startsWith('shell-'));
    const cache = await caches.open(name);
    const missing = [];
    for (const p of paths) if (!(await cache.match(new URL(p, location.href).href))) missing.push(p);
    return missing;
}"""


def test_first_visit_is_claimed_before_python_boots_and_downloads_nothing_twice(
        playwright_instance, site_dir, tmp_path):
    served = copy_site(tmp_path / "site")
    CountingHandler.gets.clear()
    httpd, base = serve_in_thread(served, handler=CountingHandler)
    # No request guard here: Playwright's routing turns the HTTP cache off, and the HTTP cache
    # is what this test is about. Chromium resolves nothing but loopback anyway (tools/browser).
    ctx = launch_persistent(playwright_instance, tmp_path / "profile")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    try:
        boot(page, base + "/")
        assert page.evaluate("document.documentElement.dataset.serviceWorker") == "claimed"
        # Once ready, the worker keeps the runtimes and the Pyodide snapshot, and says so.
        page.wait_for_selector(OFFLINE_READY, state="attached", timeout=BOOT_TIMEOUT_MS)
        assert page.get_by_role("status").filter(has_text="Ready to work offline").is_visible()
        warm = site.warm_paths(served)
        assert any(p.endswith("pyodide.asm.wasm") for p in warm)
        assert page.evaluate(CACHED_MISSING, warm) == []
        # It copied what the page had just loaded (the HTTP cache): nothing came twice.
        assert {p: n for p, n in CountingHandler.gets.items() if n > 1 and p[1:] in warm} == {}
        assert all(host.startswith("127.0.0.1") for host in CountingHandler.hosts)
    finally:
        ctx.close()
        httpd.stop()


def test_app_boots_offline_after_one_visit(playwright_instance, private_site, tmp_path):
    _site, base, httpd = private_site
    profile = tmp_path / "profile"
    ctx, page = persistent(playwright_instance, profile)
    boot(page, base + "/")
    page.wait_for_selector(OFFLINE_READY, state="attached", timeout=BOOT_TIMEOUT_MS)
    ctx.close()
    httpd.stop()   # the network is gone: nothing answers on that port any more

    ctx, page = persistent(playwright_instance, profile)
    try:
        boot(page, base + "/")
        assert page.evaluate("crossOriginIsolated") is True   # headers added by the worker
        # Python started from the snapshot the worker kept.
        assert page.evaluate("performance.getEntriesByName('pyodide-snapshot-restored').length") == 1
        assert page.get_by_role("region", name="To-dos").is_visible()
        # A byte range of a cached runtime file is answered by the worker (206), offline.
        got = page.evaluate("""fetch('./wasm/pyodide@314.0.7/pyodide.asm.wasm',
                                     {headers: {Range: 'bytes=0-3'}})
            .then(async r => [r.status, r.headers.get('Content-Range'),
                              Array.from(new Uint8Array(await r.arrayBuffer()))])""")
        assert got[0] == 206 and got[1].startswith("bytes 0-3/")
        assert got[2] == [0, 97, 115, 109]   # "\\0asm"
        assert ctx.guard.blocked == []
    finally:
        ctx.close()


def test_update_is_offered_applied_and_old_caches_removed(browser, private_site):
    served, base, _ = private_site
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        boot(page, base + "/")
        old = page.evaluate("caches.keys()")
        assert len([c for c in old if c.startswith("shell-")]) == 1

        # Change an asset and rebuild the worker manifest: a new worker version.
        css = served / "css" / "app.css"
        css.write_text(css.read_text() + "\n.changed-by-test { color: red; }\n")
        site.write_service_worker(served)

        page.reload()
        wait_for_boot(page)
        banner = page.get_by_role("status").filter(has_text="Update available")
        banner.wait_for(timeout=BOOT_TIMEOUT_MS)
        with page.expect_navigation(timeout=BOOT_TIMEOUT_MS):
            banner.get_by_role("button", name="Reload").click()
        assert wait_for_boot(page) == "ready"
        page.wait_for_function("""caches.keys().then(k =>
            k.filter(n => n.startsWith('shell-')).length === 1)""")
        new = page.evaluate("caches.keys()")
        assert not set(c for c in old if c.startswith("shell-")) & set(new)
        assert "changed-by-test" in page.evaluate(
            "fetch('./css/app.css').then(r => r.text())")
        assert page.get_by_role("status").filter(has_text="Update available").count() == 0
    finally:
        ctx.close()


def test_installable(playwright_instance, server, tmp_path):
    # Installability is never judged in incognito, hence a real (persistent) profile.
    ctx, page = persistent(playwright_instance, tmp_path / "profile")
    try:
        boot(page, server + "/")
        cdp = ctx.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = page.evaluate("fetch('./manifest.webmanifest').then(r => r.json())")
        assert manifest["display"] == "standalone"
        sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        assert ctx.guard.blocked == []
    finally:
        ctx.close()


STORE_FROM_URL = """
from js import fetch
from app.storage.registry import get_store

async def copy_into(kind, url, key, size):
    reader = (await fetch(url)).body.getReader()
    async def chunks():
        while True:
            step = await reader.read()
            if step.done:
                break
            yield step.value
    await get_store(kind).write(key, chunks(), size)

async def keep_blob(url):     # for save_blob once the server is gone
    import js
    js.window.modelBlob = await (await fetch(url)).blob()
"""

# cache: "no-store" keeps the browser's HTTP cache out of it (model URLs are immutable).
RANGE_JS = """([url, range]) => fetch(url, {headers: {Range: range}, cache: 'no-store'}).then(
    async r => [r.status, Array.from(new Uint8Array(await r.arrayBuffer()))],
    e => ['failed', String(e)])"""


def test_worker_serves_complete_stored_models_offline_never_partials(
        playwright_instance, private_site, tmp_path):
    from tests.conftest import run_py
    from tools.vendor import ROOT, embedded_models

    _site, base, httpd = private_site
    model = embedded_models()[0]
    file = model["files"][0]
    key, url = f"{model['id']}/{file['name']}", base + "/" + file["url"]
    with open(ROOT / file["url"], "rb") as f:
        f.seek(1_000_000)
        expected = list(f.read(16))

    ctx, page = persistent(playwright_instance, tmp_path / "profile")
    try:
        boot(page, base + "/")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        run_py(page, STORE_FROM_URL)
        for kind in ("cache", "opfs", "idb"):
            run_py(page, f"await copy_into({kind!r}, {url!r}, {key!r}, {file['size']})")
        run_py(page, f"await keep_blob({url!r})")
        httpd.stop()   # from here on only the service worker can answer

        for kind in ("cache", "opfs", "idb"):
            status, body = page.evaluate(RANGE_JS, [url, "bytes=1000000-1000015"])
            assert (status, body) == (206, expected), kind
            run_py(page, f"await get_store({kind!r}).delete({key!r})")
        # The same file saved whole (save_blob: the other layout of the Cache API and IndexedDB).
        for kind in ("cache", "idb"):
            run_py(page, f"import js\nawait get_store({kind!r}).save_blob({key!r}, js.modelBlob)")
            status, body = page.evaluate(RANGE_JS, [url, "bytes=1000000-1000015"])
            assert (status, body) == (206, expected), f"{kind}, saved whole"
            run_py(page, f"await get_store({kind!r}).delete({key!r})")
        # A complete OPFS file whose sidecar is damaged is never served (its sha256 is unknown).
        run_py(page, f"import js\nawait get_store('opfs').save_blob({key!r}, js.modelBlob)")
        page.evaluate("""async (name) => {
            let dir = await navigator.storage.getDirectory();
            for (const d of ["model-store", "complete"]) dir = await dir.getDirectoryHandle(d);
            const w = await (await dir.getFileHandle(name + ".meta.json", {create: true})).createWritable();
            await w.write("{oops");
            await w.close();
        }""", key.replace("/", "%2F"))
        status, _ = page.evaluate(RANGE_JS, [url, "bytes=0-3"])
        assert status != 206, "a file with a damaged sidecar was served"
        run_py(page, f"await get_store('opfs').delete({key!r})")
        # Partial entries under the same key, in every store, are never served.
        for kind in ("cache", "opfs", "idb"):
            run_py(page, f"""
p = await get_store({kind!r}).begin({key!r}, {file['size']})
await p.write_at(0, b'GGUF' * 1024)
await p.mark_done(0, 4096)
""")
        status, _ = page.evaluate(RANGE_JS, [url, "bytes=0-3"])
        assert status != 206
        assert ctx.guard.blocked == []
    finally:
        ctx.close()


def load_builtin_model(page):
    from tests.chat.conftest import REPLY_TIMEOUT_MS
    page.get_by_role("button", name="Load the built-in model").click()
    page.wait_for_function(
        "document.querySelector('.chat-status').textContent.startsWith('Model:')",
        timeout=REPLY_TIMEOUT_MS)


def test_todos_and_chat_with_the_embedded_model_work_offline(
        playwright_instance, private_site, tmp_path):
    from tests.chat.conftest import GREEDY, reply_text, send
    from tests.conftest import run_py

    _site, base, httpd = private_site
    profile = tmp_path / "profile"
    ctx, page = persistent(playwright_instance, profile)
    try:
        boot(page, base + "/")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.get_by_role("textbox", name="New to-do").fill("Water the plants")
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_role("checkbox", name="Water the plants", exact=True).wait_for()
        load_builtin_model(page)   # copies the embedded model into the default store
        # The worker has kept what the model's runtime needs offline.
        page.wait_for_selector(OFFLINE_READY, state="attached", timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("""caches.match(new URL('wasm/wllama@3.8.1/wllama.wasm',
                                                    location.href).href).then(r => !!r)""")
        assert ctx.guard.blocked == []
    finally:
        ctx.close()
    httpd.stop()   # the network is gone

    ctx, page = persistent(playwright_instance, profile)
    try:
        boot(page, base + "/")
        assert page.get_by_role("checkbox", name="Water the plants", exact=True).is_visible()
        load_builtin_model(page)   # from the store, no network
        run_py(page, GREEDY.format(n=16))
        reply = send(page, "Say hello to me in one short sentence.")
        assert reply.get_attribute("data-state") == "done"
        assert reply_text(reply).strip()
        tokens = run_py(page, "from app.ui.panels import mounted\n"
                              "mounted['chat'].assistant.engine.last_reply.tokens")
        assert tokens > 0   # the reply came from the model, not from code
        assert ctx.guard.blocked == []
    finally:
        ctx.close()
