"""Automated accessibility check: axe-core (vendored from npm, served by our own origin, so
the CSP's script-src 'self' lets it in) finds no serious or critical violation on the app
page, with a filled to-do list and a conversation on it."""
import pytest

from tools import pins

pytestmark = pytest.mark.browser

AXE = next(f"/wasm/{a.target}/axe.min.js" for a in pins.NPM_ASSETS if a.package == "axe-core")


def fill_page(page):
    for title, due in (("Buy milk", None), ("Pay rent", "2020-01-31"), ("Call mom", "2099-01-01")):
        page.get_by_role("textbox", name="New to-do").fill(title)
        if due:
            page.get_by_label("Due date (optional)").fill(due)
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_role("checkbox", name=title, exact=True).wait_for()
    page.get_by_role("checkbox", name="Buy milk").check()
    for text in ("what is overdue?", "Tell me a joke"):
        page.get_by_role("textbox", name="Message").fill(text)
        page.get_by_role("button", name="Send").click()
    page.wait_for_function("document.querySelectorAll('.msg-assistant[data-state=done]').length == 2")


def axe_violations(page, server):
    page.add_script_tag(url=server + AXE)
    return page.evaluate("""async () => {
        const result = await axe.run(document);
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")


def test_no_serious_or_critical_violations(app_page, server):
    fill_page(app_page)
    app_page.get_by_role("listitem").filter(has_text="Call mom").get_by_role("button", name="Edit").click()
    violations = axe_violations(app_page, server)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, bad
