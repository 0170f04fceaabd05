"""The page boots Python, renders the shell and says so; failures are visible; nothing leaves."""
import pytest

from tests.conftest import run_py, wait_for_boot

pytestmark = pytest.mark.browser


def test_app_reaches_ready_and_renders_shell(app_page):
    assert app_page.get_by_role("banner").get_by_role("heading", name="Offline To-do Assistant").is_visible()
    for name in ("To-dos", "Assistant", "Models & storage"):
        assert app_page.get_by_role("region", name=name).is_visible()
    # COOP/COEP make the page cross-origin isolated (wllama threads, PyScript workers).
    assert app_page.evaluate("crossOriginIsolated") is True
    assert app_page.evaluate("performance.getEntriesByName('app-ready').length") == 1


def test_run_py_helper_reaches_page_interpreter(app_page):
    assert run_py(app_page, "import sys; sys.version_info[:2]") == [3, 14]
    assert run_py(app_page, "{'a': [1, 2], 'b': 'x'}") == {"a": [1, 2], "b": "x"}
    assert run_py(app_page, "import app; app.__name__") == "app"


def test_python_errors_come_back_with_their_message(app_page):
    with pytest.raises(Exception, match="ZeroDivisionError"):
        run_py(app_page, "1 / 0")


def test_micropip_and_packaging_load_by_name_offline(app_page):
    versions = run_py(app_page, """
import pyodide_js
await pyodide_js.loadPackage(["micropip", "packaging"])
import micropip, packaging
[micropip.__version__, packaging.__version__]
""")
    assert versions == ["0.11.1", "26.1"]


def test_request_guard_blocks_and_records_external_requests(page, guard):
    page.goto("about:blank")  # no CSP here, so the request reaches the guard
    outcome = page.evaluate("""
        fetch('https://example.com/model.bin').then(() => 'reached', e => 'blocked: ' + e.name)
    """)
    assert outcome.startswith("blocked")
    assert guard.blocked == ["https://example.com/model.bin"]
    guard.blocked.clear()  # expected here; any other external request still fails the test


def test_csp_stops_cross_origin_fetches_in_the_app(app_page, guard):
    outcome = app_page.evaluate("""
        fetch('https://example.com/model.bin').then(() => 'reached', e => 'blocked: ' + e.name)
    """)
    assert outcome.startswith("blocked")
    assert guard.blocked == []  # refused by connect-src before any request was made
    assert any("Content Security Policy" in m for m in app_page.console_messages_seen)


def test_boot_failure_is_shown_not_blank(page, server):
    # A runtime that cannot be downloaded must end in a visible error, not a spinner forever.
    page.route("**/pyodide.asm.wasm", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(server + "/")
    assert wait_for_boot(page) == "error"
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert "could not start" in alert.inner_text()


def test_python_exception_during_boot_is_shown(page, server):
    page.route("**/main.py", lambda route: route.fulfill(
        status=200, content_type="text/x-python", body="raise RuntimeError('boom at boot')"))
    page.goto(server + "/")
    assert wait_for_boot(page) == "error"
    assert "boom at boot" in page.get_by_role("alert").inner_text()
