"""Launching the system Chromium the same way for tests and benchmarks, in the browser
configurations the app is tested under (`CONFIGS`)."""
import os
import shutil
from dataclasses import dataclass

# Flags: run as root in containers, no background traffic from Chromium itself (component
# updates, first-run pings) on a closed network. WebGPU flags belong to a configuration.
BASE_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Anything that is not loopback fails to resolve: a second wall behind the tests' request guard.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)

# Chromium 156 has no switch that removes `navigator.gpu` (WebGPU's Blink runtime flag is
# gone: --disable-blink-features=WebGPU leaves it in place), so a browser without WebGPU
# (Firefox, older Safari) is had by removing the interface before any page script runs.
# Init scripts run in pages, not workers: the app decides on the page (hardware.probe()).
REMOVE_WEBGPU = "delete Navigator.prototype.gpu;"

# What the page sees; `expects` in a Config is compared with it.
PROBE_JS = """async () => {
  if (navigator.gpu === undefined) return {gpu: "undefined"};
  const adapter = await navigator.gpu.requestAdapter();
  if (adapter === null) return {gpu: "null adapter"};
  return {gpu: adapter.features.has("shader-f16") ? "shader-f16" : "adapter",
          vendor: adapter.info.vendor, architecture: adapter.info.architecture};
}"""


@dataclass(frozen=True)
class Config:
    """A browser configuration: launch flags, a script every page runs first, what it gives."""
    name: str
    args: tuple = ()
    init_script: str = ""
    expects: str = ""          # PROBE_JS's "gpu": "undefined" | "null adapter" | "adapter" | "shader-f16"
    about: str = ""
    needs_machine: bool = False   # whether it gives `expects` depends on the machine's GPU

    def new_context(self, browser, **kw):
        context = browser.new_context(**kw)
        if self.init_script:
            context.add_init_script(self.init_script)
        return context


CONFIGS = {c.name: c for c in (
    Config("no-webgpu", init_script=REMOVE_WEBGPU, expects="undefined",
           about="no navigator.gpu at all (a browser without WebGPU)"),
    Config("null-adapter", expects="null adapter", needs_machine=True,
           about="plain Chromium, no WebGPU flag: navigator.gpu, but requestAdapter() gives null "
                 "(blocklisted GPU, VM, remote desktop)"),
    Config("swiftshader", args=("--enable-unsafe-webgpu",), expects="adapter",
           about="SwiftShader, Chromium's software WebGPU adapter: no shader-f16"),
    Config("gpu-f16", args=("--enable-unsafe-webgpu", "--ignore-gpu-blocklist",
                            "--enable-features=Vulkan", "--use-angle=vulkan",
                            "--disable-vulkan-surface",
                            "--enable-dawn-features=vulkan_enable_f16_on_nvidia"),
           expects="shader-f16", needs_machine=True,
           about="a real GPU adapter with shader-f16 (GPU machines only)"),
)}
DEFAULT_CONFIG = CONFIGS["swiftshader"]
LAUNCH_ARGS = (*BASE_ARGS, *DEFAULT_CONFIG.args)


def chromium_path():
    """$CHROMIUM when set (a Chromium carried to a machine without one, e.g. the GPU machine's
    headless shell), else the system Chromium (Debian's `chromium`); None means Playwright's
    own build."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_options(headless=True, extra_args=(), config=DEFAULT_CONFIG):
    opts = {"headless": headless, "args": [*BASE_ARGS, *config.args, *extra_args]}
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
