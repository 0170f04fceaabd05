"""Launching the system Chromium the same way for tests and benchmarks."""
import shutil

# Flags: run as root in containers, WebGPU on SwiftShader when headless, and no background
# traffic from Chromium itself (component updates, first-run pings) on a closed network.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--enable-unsafe-webgpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Anything that is not loopback fails to resolve: a second wall behind the tests' request guard.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


def chromium_path():
    """The system Chromium (Debian's `chromium`); None means Playwright's own build."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_options(headless=True, extra_args=()):
    opts = {"headless": headless, "args": [*LAUNCH_ARGS, *extra_args]}
    if path := chromium_path():
        opts["executable_path"] = path
    return opts


def launch(playwright, **kw):
    return playwright.chromium.launch(**launch_options(**kw))


def launch_persistent(playwright, user_data_dir, headless=True, extra_args=(), **context_kw):
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), **launch_options(headless, extra_args), **context_kw)


def browser_version(browser_or_context):
    browser = getattr(browser_or_context, "browser", None) or browser_or_context
    return browser.version if hasattr(browser, "version") else "unknown"
