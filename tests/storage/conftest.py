"""Fixtures for the storage tests: one booted app page shared by the package, persistent profiles
for reload/relaunch tests, CDP helpers (quota, permissions) and browser memory sampling."""
from pathlib import Path

import pytest

from tools.procmem import PeakSampler, rss_bytes

from tests.conftest import RequestGuard, run_py, wait_for_boot

HELPERS = Path(__file__).with_name("helpers.js")
MiB = 1 << 20


def boot(page, url):
    page.goto(url)
    state = wait_for_boot(page)
    assert state == "ready", page.inner_text("body")
    page.wait_for_selector("[data-feature=storage][data-state=ready]", state="attached", timeout=60_000)
    return page


def prepare(context):
    guard = RequestGuard()
    guard.attach(context)
    context.add_init_script(path=str(HELPERS))
    return guard


@pytest.fixture(scope="package")
def storage_page(playwright_instance, server, tmp_path_factory):
    """One booted app page for all storage tests (booting costs seconds; tests clean up), in a
    persistent profile: in Playwright's default (incognito) contexts Chromium keeps IndexedDB,
    Cache API and OPFS data in memory, so neither memory nor big files would be realistic
    (IndexedDB there fails reads with NotReadableError past ~512 MiB)."""
    profile = Profile(playwright_instance, tmp_path_factory.mktemp("storage-profile"), server)
    yield profile.launch()
    profile.close()


@pytest.fixture
def clean(storage_page):
    """The shared page with every store emptied before and after the test."""
    wipe(storage_page)
    yield storage_page
    wipe(storage_page)


def wipe(page):
    run_py(page, """
from app.storage.registry import all_stores
for s in all_stores():
    for e in [*await s.list(), *await s.partials(), *await s.damaged()]:
        await s.delete(e.key)
# Each delete makes the models panel re-read and recount in the background; let that end
# here, or its settling moves the usage a quota test has just measured.
from app.ui import storage_panel
await storage_panel.current.refresh()
True
""")


class Profile:
    """A persistent Chromium profile that can be launched, closed and launched again."""

    def __init__(self, playwright, path, server):
        self.playwright, self.path, self.server = playwright, path, server
        self.context = None
        self.guard = None

    def launch(self):
        from tools.browser import launch_persistent
        # --expose-gc: the random source and the hashing collect their garbage as they go,
        # so the memory test measures what is live (what a store holds), not V8's laziness.
        self.context = launch_persistent(self.playwright, self.path, service_workers="block",
                                         extra_args=("--js-flags=--expose-gc",))
        self.guard = prepare(self.context)
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        return boot(page, self.server + "/")

    def close(self):
        if self.context is not None:
            self.context.close()
            self.context = None
            assert not self.guard.blocked, f"requests left the machine: {self.guard.blocked}"

    def kill(self):
        """SIGKILL the browser of this profile (what a crash or a killed process does): no
        unload, no flush, nothing the app could finish. The profile can be launched again."""
        import os
        import signal
        import time
        pid = browser_pid(self.path)
        os.kill(pid, signal.SIGKILL)
        end = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < end:
            time.sleep(0.05)
        try:
            self.context.close()
        except Exception:  # noqa: BLE001 - the browser is gone; Playwright may say so
            pass
        self.context = None


def browser_pid(profile_dir):
    """The main browser process started on `profile_dir` (its cmdline names the profile and,
    unlike its children, has no --type=)."""
    flag = f"--user-data-dir={profile_dir}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if flag in args and not any(a.startswith(b"--type=") for a in args):
            return int(proc.name)
    raise LookupError(f"no browser runs on {profile_dir}")


@pytest.fixture
def profile(playwright_instance, server, tmp_path):
    p = Profile(playwright_instance, tmp_path / "profile", server)
    yield p
    p.close()


def origin(server):
    return server.rstrip("/")


class MemorySampler(PeakSampler):
    """Peak resident memory of the browser, renderer and storage processes (the page's JS and
    Python, Blob and storage backends), sampled from /proc in a thread; process ids from CDP
    SystemInfo.getProcessInfo."""

    def __init__(self, browser, types=("browser", "renderer", "storage.mojom.StorageService")):
        self.session = browser.new_browser_cdp_session()
        self.pids = [p["id"] for p in self.session.send("SystemInfo.getProcessInfo")["processInfo"]
                     if p["type"] in types]
        super().__init__(self.rss, every=0.05)
        self.peak = self.baseline = self.rss()

    def rss(self):
        return rss_bytes(self.pids)

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.session.detach()

    @property
    def growth(self):
        return self.peak - self.baseline
