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
