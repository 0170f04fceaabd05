"""Lazy imports of the vendored JS runtimes (ES modules under wasm/), never at boot.

Paths are relative to the site root; they must match tools/pins.py (a unit test checks).
"""
from app.compat import js

WLLAMA_DIR = "wasm/wllama@3.8.1/"
TASKS_GENAI_DIR = "wasm/tasks-genai@0.10.29/"
WEBLLM_DIR = "wasm/web-llm@0.2.86/"

_modules = {}
_importer = None


def site_url(path):
    """Absolute URL of a site path (workers and wasm loaders need absolute URLs)."""
    return str(js.URL.new(path, js.document.baseURI).href)


async def import_module(path):
    """`import(path)` from Python, cached: the module namespace as a JsProxy."""
    global _importer
    url = site_url(path)
    if url not in _modules:
        if _importer is None:
            # A dynamic import() needs JS syntax; the page CSP allows 'unsafe-eval' for Pyodide.
            _importer = js.Function.new("url", "return import(url)")
        _modules[url] = await _importer(url)
    return _modules[url]
