"""The seam between Pyodide and plain CPython (in the spirit of micropip's compat module).

In the browser this re-exports the JS FFI; in CPython it says so, and browser-only code
raises a clear error instead of an ImportError deep inside a module.
"""
import sys

IN_BROWSER = sys.platform == "emscripten"

if IN_BROWSER:
    import js  # noqa: F401
    from pyodide.ffi import JsException, create_proxy, to_js  # noqa: F401
else:  # pragma: no cover - exercised only outside the browser
    js = None

    class JsException(Exception):
        """Stand-in so `except JsException` works in CPython."""

    def _browser_only(*_args, **_kwargs):
        raise RuntimeError("this needs the browser (Pyodide); it cannot run in CPython")

    create_proxy = to_js = _browser_only


def to_js_object(value):
    """Python dict (nested) -> plain JS Object, the shape JS APIs expect for options."""
    return to_js(value, dict_converter=js.Object.fromEntries)
