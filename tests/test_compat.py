"""The compat seam: the package imports in plain CPython and says clearly what needs a browser."""
import pytest

from app import compat


def test_cpython_is_not_the_browser():
    assert compat.IN_BROWSER is False


def test_browser_only_helpers_fail_with_a_clear_message():
    with pytest.raises(RuntimeError, match="needs the browser"):
        compat.to_js({"a": 1})
    with pytest.raises(RuntimeError, match="needs the browser"):
        compat.create_proxy(print)


def test_js_null_and_undefined_become_none():
    # Pyodide hands JS undefined over as None and JS null as `jsnull`, which is not None.
    assert compat.js_none(None) is None
    assert compat.js_none(compat.jsnull) is None
    assert compat.jsnull is not None and not compat.jsnull


@pytest.mark.parametrize("value", [0, "", False, [], {}, "adapter"])
def test_other_values_pass_through_even_when_falsy(value):
    assert compat.js_none(value) is value


class _Obj:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)


def test_js_get_treats_missing_undefined_and_null_alike():
    obj = _Obj(gpu=compat.jsnull, cores=0, info="x")
    assert compat.js_get(obj, "gpu") is None                   # null
    assert compat.js_get(obj, "missing", "default") == "default"
    assert compat.js_get(obj, "gpu", "default") == "default"
    assert compat.js_get(obj, "cores", 1) == 0                 # a real falsy value is kept
    assert compat.js_get(obj, "info") == "x"
    assert compat.js_get(None, "anything") is None             # a null/undefined object
    assert compat.js_get(compat.jsnull, "anything", 3) == 3


@pytest.mark.browser
def test_in_pyodide_null_and_undefined_become_none(app_page):
    from tests.conftest import run_py
    assert run_py(app_page, """
from app.compat import js, js_get, js_none, jsnull
obj = js.JSON.parse('{"gone": null, "zero": 0, "empty": ""}')
resolved = await js.Promise.resolve(js.JSON.parse("null"))      # like requestAdapter()
[resolved is jsnull, js_none(resolved) is None, js_none(js.undefined) is None,
 js_get(obj, "gone") is None, js_get(obj, "absent", "d"), js_get(obj, "zero", 1),
 js_get(obj, "empty", "d"), js_none(obj) is obj, js_get(js_none(resolved), "features") is None]
""") == [True, True, True, True, "d", 0, "", True, True]
