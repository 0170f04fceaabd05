"""A long list in real Chromium: a change updates only what changed. Ticking patches one row
in place, adding inserts one row, deleting removes one, filtering moves and rebuilds nothing;
every other row keeps its DOM node; order and counts stay right. (Speed is measured by
`python3 build.py bench todos`, not here.)"""
import pytest

from tests.conftest import run_py
from tests.todos.test_todos_browser import item, titles
from tests.ui import saves

pytestmark = pytest.mark.browser

N = 300

SEED = f"""
from app.ui.panels import mounted
todos = mounted['todos'].todos
await todos.add_many([f"Task {{i:03}}" for i in range({N})])
len(todos)
"""

# Every row gets a serial number; a MutationObserver counts rows (not the groups that hold
# them) added to or removed from the list from now on.
WATCH_JS = """() => {
  const list = document.querySelector('.todo-list');
  list.querySelectorAll('.todo-item').forEach((row, i) => { row.__serial = i; });
  window.__rows = {added: [], removed: 0};
  window.__observer?.disconnect();
  const row = n => n.classList?.contains('todo-item');
  window.__observer = new MutationObserver(records => records.forEach(r => {
    r.addedNodes.forEach(n => row(n) && window.__rows.added.push(n.textContent.slice(0, 40)));
    r.removedNodes.forEach(n => { if (row(n)) window.__rows.removed += 1; });
  }));
  window.__observer.observe(list, {childList: true, subtree: true});
}"""
SERIALS_JS = "[...document.querySelectorAll('.todo-list .todo-item')].map(row => row.__serial ?? null)"


def watch(page):
    page.evaluate(WATCH_JS)


def moves(page):
    page.evaluate("window.__observer.takeRecords()")   # nothing pending is left uncounted
    return page.evaluate("window.__rows")


@pytest.fixture
def long_list(app_page):
    assert run_py(app_page, SEED) == N
    app_page.wait_for_function(f"document.querySelectorAll('.todo-list .todo-item').length === {N}")
    saves.install(app_page)
    return app_page


def test_ticking_patches_one_row_in_place(long_list):
    page = long_list
    watch(page)
    box = page.get_by_role("checkbox", name="Task 150")
    box.check()
    page.wait_for_function(f"document.querySelector('.todo-summary').textContent === "
                           f"'{N - 1} open, 1 done'")
    saves.settled(page)
    assert moves(page) == {"added": [], "removed": 0}
    assert page.evaluate(SERIALS_JS) == list(range(N))          # every node is the same one
    assert "done" in item(page, "Task 150").get_attribute("class")


def test_adding_inserts_one_row_and_deleting_removes_one(long_list):
    page = long_list
    watch(page)
    page.get_by_role("textbox", name="New to-do").fill("Task new")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("checkbox", name="Task new").wait_for()
    saves.settled(page)
    rows = moves(page)
    # The "Saving…" row, then the stored one; nothing else moved.
    assert [text[:8] for text in rows["added"]] == ["Task new", "Task new"]
    assert rows["removed"] == 1
    assert page.evaluate(SERIALS_JS) == [*range(N), None]
    assert titles(page)[-2:] == ["Task 299", "Task new"]

    watch(page)
    item(page, "Task 010").get_by_role("button", name="Delete").click()
    page.get_by_role("checkbox", name="Task 010").wait_for(state="detached")
    saves.settled(page)
    assert moves(page) == {"added": [], "removed": 1}
    assert page.evaluate(SERIALS_JS) == [i for i in range(N + 1) if i != 10]
    assert page.locator(".todo-summary").inner_text() == f"{N} open, 0 done"


def test_filtering_moves_and_rebuilds_nothing(long_list):
    page = long_list
    for name in ("Task 001", "Task 005", "Task 299"):
        page.get_by_role("checkbox", name=name).check()
    page.wait_for_function("document.querySelector('.todo-summary').textContent.includes('3 done')")
    saves.settled(page)
    watch(page)
    page.get_by_role("radio", name="Done").check()
    assert titles(page) == ["Task 001", "Task 005", "Task 299"]
    page.get_by_role("radio", name="Open").check()
    shown = titles(page)
    assert len(shown) == N - 3 and "Task 005" not in shown and shown == sorted(shown)
    # Ticking under "Open" hides the row at once; unticking under "Done" likewise.
    page.get_by_role("checkbox", name="Task 100").check()
    saves.settled(page)
    assert "Task 100" not in titles(page)
    page.get_by_role("radio", name="Done").check()
    assert titles(page) == ["Task 001", "Task 005", "Task 100", "Task 299"]
    page.get_by_role("radio", name="All").check()
    assert len(titles(page)) == N
    assert moves(page) == {"added": [], "removed": 0}
    assert page.evaluate(SERIALS_JS) == list(range(N))
    assert page.locator(".todo-summary").inner_text() == f"{N - 4} open, 4 done"


def test_editing_one_row_rebuilds_only_that_row(long_list):
    page = long_list
    watch(page)
    item(page, "Task 042").get_by_role("button", name="Edit").click()
    page.get_by_role("textbox", name="Title").fill("Task 042 renamed")
    page.get_by_role("textbox", name="Title").press("Enter")
    page.get_by_role("checkbox", name="Task 042 renamed").wait_for()
    saves.settled(page)
    serials = page.evaluate(SERIALS_JS)
    assert serials[:42] == list(range(42)) and serials[43:] == list(range(43, N))
    assert serials[42] is None                       # the edited row is the only new node
    assert titles(page)[41:44] == ["Task 041", "Task 042 renamed", "Task 043"]
