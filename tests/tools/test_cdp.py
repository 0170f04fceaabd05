"""tools/cdp.py: Chromium over --remote-debugging-pipe, evaluating in a page with no DevTools
domain enabled (what the download benchmark measures through)."""
import pytest

from tools.cdp import CdpError, Chromium

pytestmark = pytest.mark.browser


def test_evaluates_in_a_page_and_reports_page_errors(tmp_path):
    browser = Chromium(tmp_path / "profile")
    try:
        assert browser.version.split(".")[0].isdigit()
        page = browser.new_page("about:blank")
        page.wait_for("document.readyState === 'complete'")
        assert page.evaluate("Promise.resolve(20 + 22)") == 42
        assert page.call("(a, b) => ({sum: a + b})", 2, 3) == {"sum": 5}
        with pytest.raises(CdpError, match="boom"):
            page.evaluate("Promise.reject(new Error('boom'))")
    finally:
        browser.close()
    assert browser.proc.returncode is not None
