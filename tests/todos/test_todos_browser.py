"""The to-do panel in real Chromium: every action through its accessible controls, stored in
the real IndexedDB, surviving reloads, relaunches and bad records."""
import pytest

from tests.conftest import run_py, wait_for_boot

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def add(page, title, due=None):
    page.get_by_role("textbox", name="New to-do").fill(title)
    if due:
        page.get_by_label("Due date (optional)").fill(due)
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("checkbox", name=title, exact=True).wait_for()


def item(page, title):
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("checkbox", name=title, exact=True))


def titles(page):
    """The titles the list shows (the filter hides rows; hidden ones are not shown). Their
    text content: rows scrolled out of view are not laid out (content-visibility), and
    innerText is empty for those."""
    return page.locator(".todo-list .todo-title:visible").all_text_contents()


def test_add_edit_complete_delete_due_and_filter(app_page):
    page = app_page
    add(page, "Buy milk")
    add(page, "Pay rent", "2020-01-31")           # long past: overdue
    add(page, "Call mom")
    assert titles(page) == ["Buy milk", "Pay rent", "Call mom"]
    assert "overdue since" in item(page, "Pay rent").inner_text()
    assert page.locator(".todo-summary").inner_text() == "3 open, 0 done, 1 overdue"

    page.get_by_role("checkbox", name="Buy milk").check()
    page.wait_for_function("document.querySelector('.todo-summary').textContent.startsWith('2 open')")
    assert page.get_by_role("checkbox", name="Buy milk").is_checked()
    page.get_by_role("checkbox", name="Buy milk").uncheck()
    page.wait_for_function("document.querySelector('.todo-summary').textContent.startsWith('3 open')")
    page.get_by_role("checkbox", name="Buy milk").check()

    item(page, "Call mom").get_by_role("button", name="Edit").click()
    page.get_by_role("textbox", name="Title").fill("Call mom and dad")
    page.get_by_label("Due date", exact=True).fill("2099-05-01")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("checkbox", name="Call mom and dad").wait_for()
    assert "due " in item(page, "Call mom and dad").inner_text()

    page.get_by_role("radio", name="Open").check()
    assert titles(page) == ["Pay rent", "Call mom and dad"]
    page.get_by_role("radio", name="Done").check()
    assert titles(page) == ["Buy milk"]
    page.get_by_role("radio", name="All").check()

    item(page, "Pay rent").get_by_role("button", name="Delete").click()
    page.get_by_role("checkbox", name="Pay rent").wait_for(state="detached")
    assert titles(page) == ["Buy milk", "Call mom and dad"]

    # Everything above was stored: a reload shows the same list.
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == ["Buy milk", "Call mom and dad"]
    assert page.get_by_role("checkbox", name="Buy milk").is_checked()
    assert not page.get_by_role("checkbox", name="Call mom and dad").is_checked()


def test_empty_titles_are_refused_with_a_message(app_page):
    app_page.get_by_role("button", name="Add", exact=True).click()
    assert "Type a title" in app_page.get_by_role("alert").inner_text()
    assert titles(app_page) == []


def test_titles_are_text_never_html(app_page):
    dialogs = []
    app_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    add(app_page, XSS)
    assert app_page.get_by_role("checkbox", name=XSS, exact=True).count() == 1
    assert titles(app_page) == [XSS]
    assert app_page.evaluate("document.querySelectorAll('#app img').length") == 0
    app_page.reload()
    assert wait_for_boot(app_page) == "ready"
    assert titles(app_page) == [XSS]
    assert dialogs == []


BAD_RECORDS_JS = """async () => {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open('todo-assistant'); r.onsuccess = () => ok(r.result); r.onerror = fail;
  });
  const tx = db.transaction('todos', 'readwrite');
  tx.objectStore('todos').put('garbage', 'junk-1');
  tx.objectStore('todos').put({v: 99, id: 'future', title: 'from a newer app'}, 'future');
  tx.objectStore('todos').put({v: 1, id: 'x', title: 42, done: false, due: null,
                               created: '2026-01-01T00:00:00+00:00'}, 'x');
  await new Promise(ok => tx.oncomplete = ok);
  db.close();
}"""


def count_records(page):
    return page.evaluate("""() => new Promise(ok => {
        const r = indexedDB.open('todo-assistant');
        r.onsuccess = () => { const c = r.result.transaction('todos').objectStore('todos').count();
                              c.onsuccess = () => { r.result.close(); ok(c.result); }; };
    })""")


def test_bad_records_are_skipped_with_a_notice_and_never_delete_the_rest(app_page):
    page = app_page
    add(page, "Buy milk")
    add(page, "Pay rent")
    page.evaluate(BAD_RECORDS_JS)
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == ["Buy milk", "Pay rent"]
    notice = page.locator("#todos-body [role=status]")
    assert "3 saved to-dos could not be read" in notice.inner_text()
    add(page, "Call mom")                 # the list still works and writes
    assert count_records(page) == 6       # nothing was deleted or rewritten
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == ["Buy milk", "Pay rent", "Call mom"]


def test_list_survives_a_browser_relaunch(playwright_instance, server, tmp_path, guard):
    from tools.browser import launch_persistent
    profile = tmp_path / "profile"

    def open_app():
        ctx = launch_persistent(playwright_instance, profile)
        guard.attach(ctx)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.goto(server + "/")
        assert wait_for_boot(page) == "ready"
        return ctx, page

    ctx, page = open_app()
    add(page, "Buy milk")
    add(page, "Renew passport", "2099-01-15")
    page.get_by_role("checkbox", name="Buy milk").check()
    page.wait_for_function("document.querySelector('.todo-summary').textContent.startsWith('1 open')")
    ctx.close()

    ctx, page = open_app()
    try:
        assert titles(page) == ["Buy milk", "Renew passport"]
        assert page.get_by_role("checkbox", name="Buy milk").is_checked()
        assert run_py(page, "from app.ui.panels import mounted\n"
                            "[t.due.isoformat() for t in mounted['todos'].todos.items if t.due]") \
            == ["2099-01-15"]
    finally:
        ctx.close()
    assert not guard.blocked
