"""Forms at human pace, in real Chromium: fast hands, double clicks, a held Enter key, and
typing while a save is in flight. Nothing typed may be lost, nothing sent twice, and every
change must end stored in the order it was made (app/ui/forms.py, app/ui/todos_panel.py,
the chat's send path in app/ui/chat_panel.py, the one-at-a-time changes of TodoList).

Saves are slowed or held from plain JS (tests/ui/saves.py) to widen the windows a person hits
by chance; no test waits for a fixed time."""
import pytest

from tests.conftest import wait_for_boot
from tests.todos.test_todos_browser import add, item, titles
from tests.ui import saves

pytestmark = pytest.mark.browser

TITLES = [f"Errand {i}" for i in range(12)]


def title_box(page):
    return page.get_by_role("textbox", name="New to-do")


def wait_count(page, n):
    page.wait_for_function(
        "n => document.querySelectorAll('.todo-list .todo-item:not(.adding)').length === n "
        "&& !document.querySelector('.todo-list [aria-busy]')", arg=n)


def no_alert(page):
    alert = page.locator("#todos-body [role=alert]")
    return alert.is_hidden() or alert.inner_text() == ""


def assert_stored_after_reload(page, expected):
    assert saves.stored_titles(page) == expected
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == expected


def test_fill_and_click_add_many_times_in_a_row_loses_nothing(app_page):
    page = app_page
    saves.delay(page, 40)             # a slow disk: each save ends after the next fill
    add_button = page.get_by_role("button", name="Add", exact=True)
    for title in TITLES:
        title_box(page).fill(title)
        add_button.click()
    wait_count(page, len(TITLES))
    assert titles(page) == TITLES
    assert title_box(page).input_value() == "" and no_alert(page)
    assert_stored_after_reload(page, TITLES)


def test_fill_and_enter_many_times_with_no_waits_loses_nothing(app_page):
    page = app_page
    saves.delay(page, 40)
    for title in TITLES:
        title_box(page).fill(title)
        title_box(page).press("Enter")
    wait_count(page, len(TITLES))
    assert titles(page) == TITLES and no_alert(page)
    assert_stored_after_reload(page, TITLES)


def test_typing_while_a_save_is_in_flight_is_kept(app_page):
    page = app_page
    saves.hold(page)
    title_box(page).fill("Buy milk")
    title_box(page).press("Enter")
    # The title left the box at once and shows as being saved.
    assert title_box(page).input_value() == ""
    saving = page.locator(".todo-list .adding")
    assert saving.inner_text().startswith("Buy milk")
    assert saving.get_attribute("aria-busy") == "true"
    page.keyboard.type("Pay rent")        # focus stayed in the box
    saves.release(page)
    page.get_by_role("checkbox", name="Buy milk", exact=True).wait_for()
    wait_count(page, 1)
    assert title_box(page).input_value() == "Pay rent"     # what was typed meanwhile
    title_box(page).press("Enter")
    wait_count(page, 2)
    assert titles(page) == ["Buy milk", "Pay rent"]
    assert_stored_after_reload(page, ["Buy milk", "Pay rent"])


def test_a_double_click_on_add_adds_once(app_page):
    page = app_page
    saves.delay(page, 40)
    title_box(page).fill("Call mom")
    page.get_by_role("button", name="Add", exact=True).dblclick()
    wait_count(page, 1)
    assert titles(page) == ["Call mom"] and no_alert(page)
    assert saves.stored_titles(page) == ["Call mom"]


def test_a_held_enter_key_submits_once(app_page):
    page = app_page
    saves.delay(page, 40)
    title_box(page).fill("Walk dog")
    title_box(page).focus()
    for _ in range(8):                   # the key's auto-repeats (KeyboardEvent.repeat)
        page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    wait_count(page, 1)
    assert titles(page) == ["Walk dog"] and no_alert(page)
    assert saves.stored_titles(page) == ["Walk dog"]


def test_a_double_click_on_delete_deletes_once_without_an_error(app_page):
    page = app_page
    for title in ("Buy milk", "Pay rent", "Call mom"):
        add(page, title)
    saves.delay(page, 40)
    item(page, "Pay rent").get_by_role("button", name="Delete").dblclick()
    wait_count(page, 2)
    assert titles(page) == ["Buy milk", "Call mom"] and no_alert(page)
    assert_stored_after_reload(page, ["Buy milk", "Call mom"])


def test_two_clicks_on_a_checkbox_end_as_the_last_click(app_page):
    page = app_page
    add(page, "Buy milk")
    saves.hold(page)
    box = page.get_by_role("checkbox", name="Buy milk")
    box.dblclick()                        # ticked, then unticked, while the first saves
    saves.release(page)
    saves.settled(page)
    assert [record["done"] for record in saves.stored(page)] == [False]
    assert not box.is_checked()
    # A slower double click: the second lands while the first tick is being saved.
    saves.hold(page)
    box.click()
    page.wait_for_function("window.__saves.open === 1")
    box.click()
    saves.release(page)
    saves.settled(page)
    assert [record["done"] for record in saves.stored(page)] == [False]
    assert not box.is_checked()
    assert page.locator(".todo-summary").inner_text() == "1 open, 0 done"
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert not page.get_by_role("checkbox", name="Buy milk").is_checked()


def test_rename_and_due_date_saved_while_a_tick_is_made_all_stay(app_page):
    page = app_page
    add(page, "Call mom")
    saves.hold(page)
    item(page, "Call mom").get_by_role("button", name="Edit").click()
    page.get_by_role("textbox", name="Title").fill("Call mom and dad")
    page.get_by_label("Due date", exact=True).fill("2099-05-01")
    page.get_by_role("textbox", name="Title").press("Enter")
    # The form is gone at once; the row shows the new title while it is saved.
    assert page.locator(".todo-edit").count() == 0
    row = item(page, "Call mom and dad")
    assert row.get_attribute("aria-busy") == "true"
    page.get_by_role("checkbox", name="Call mom and dad").check()   # while the rename saves
    saves.release(page)                   # the tick's save waited for the rename's
    wait_count(page, 1)
    page.wait_for_function("document.querySelector('.todo-summary').textContent === "
                           "'0 open, 1 done'")
    assert "due " in row.inner_text()
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == ["Call mom and dad"]
    assert page.get_by_role("checkbox", name="Call mom and dad").is_checked()
    assert "due " in item(page, "Call mom and dad").inner_text()


def test_a_failed_add_gives_the_text_back_with_a_message(app_page):
    page = app_page
    saves.fail(page)
    title_box(page).fill("Renew passport")
    title_box(page).press("Enter")
    alert = page.locator("#todos-body [role=alert]")
    alert.wait_for()
    assert "“Renew passport” was not added" in alert.inner_text()
    assert "The disk is full (test)" in alert.inner_text()
    assert "back in the box" in alert.inner_text()
    assert title_box(page).input_value() == "Renew passport"
    assert titles(page) == []
    saves.fail(page, None)
    title_box(page).press("Enter")        # the same text, once the disk has room
    wait_count(page, 1)
    assert titles(page) == ["Renew passport"]


def test_a_failed_rename_reopens_the_form_with_what_was_typed(app_page):
    page = app_page
    add(page, "Call mom")
    saves.fail(page)
    item(page, "Call mom").get_by_role("button", name="Edit").click()
    page.get_by_role("textbox", name="Title").fill("Call mom and dad")
    page.get_by_role("button", name="Save").click()
    alert = page.locator("#todos-body [role=alert]")
    alert.wait_for()
    assert "Could not save “Call mom and dad”" in alert.inner_text()
    assert page.get_by_role("textbox", name="Title").input_value() == "Call mom and dad"
    assert saves.stored_titles(page) == ["Call mom"]
    saves.fail(page, None)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("checkbox", name="Call mom and dad").wait_for()   # shown while saving
    saves.settled(page)
    assert saves.stored_titles(page) == ["Call mom and dad"]


# ------------------------------------------------------------------ the chat's form
def test_chat_send_double_click_and_held_enter_send_once(app_page):
    page = app_page
    message = page.get_by_role("textbox", name="Message")
    message.fill("add Buy milk")
    page.get_by_role("button", name="Send").dblclick()
    page.get_by_role("checkbox", name="Buy milk", exact=True).wait_for()
    message.fill("add Pay rent")
    message.focus()
    for _ in range(8):
        page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    page.get_by_role("checkbox", name="Pay rent", exact=True).wait_for()
    page.wait_for_function("document.querySelectorAll('.msg-assistant[data-state=done]')"
                           ".length === 2")
    assert page.locator(".msg-user .msg-text").all_inner_texts() == ["add Buy milk",
                                                                     "add Pay rent"]
    assert titles(page) == ["Buy milk", "Pay rent"]


def test_chat_commands_and_the_add_box_interleave_in_order(app_page):
    page = app_page
    saves.delay(page, 40)
    title_box(page).fill("From the box")
    title_box(page).press("Enter")
    message = page.get_by_role("textbox", name="Message")
    message.fill("add From the chat")
    message.press("Enter")
    title_box(page).fill("From the box again")
    title_box(page).press("Enter")
    wait_count(page, 3)
    assert titles(page) == ["From the box", "From the chat", "From the box again"]
    assert saves.stored_titles(page) == titles(page)
