"""The seam between Pyodide and plain CPython (in the spirit of micropip's compat module).

In the browser this re-exports the JS FFI; in CPython it says so, and browser-only code
raises a clear error instead of an ImportError deep inside a module.
"""
import sys

IN_BROWSER = sys.platform == "emscripten"

if IN_BROWSER:
    import js  # noqa: F401
    from pyodide.ffi import JsException, create_proxy, jsnull, to_js  # noqa: F401
else:  # pragma: no cover - exercised only outside the browser
    js = None

    class _JsNull:
        """Stand-in for `pyodide.ffi.jsnull` (falsy, not None), so CPython tests can hand
        code the value Pyodide gives for JS null."""

        def __bool__(self):
            return False

        def __repr__(self):
            return "jsnull"

    jsnull = _JsNull()

    class JsException(Exception):
        """Stand-in so `except JsException` works in CPython."""

    def _browser_only(*_args, **_kwargs):
        raise RuntimeError("this needs the browser (Pyodide); it cannot run in CPython")

    create_proxy = to_js = _browser_only


def to_js_object(value):
    """Python dict (nested) -> plain JS Object, the shape JS APIs expect for options."""
    return to_js(value, dict_converter=js.Object.fromEntries)


def js_none(value):
    """JS null and undefined -> None; any other value unchanged.

    Pyodide gives undefined as None but null as `jsnull`, which is not None (and, unlike None,
    has no attributes). Every JS result that may be "nothing" (an adapter, `navigator.gpu`,
    a storage handle, an IndexedDB result, a cache match, a DOM lookup) goes through this
    before it is compared with None."""
    return None if value is None or value is jsnull else value


def js_get(obj, name, default=None):
    """`obj.name` of a JS object; `default` when the property is missing, undefined or null."""
    value = js_none(getattr(obj, name, None))
    return default if value is None else value
