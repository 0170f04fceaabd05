"""Hostile and odd input, in real Chromium: markup and script payloads, 100 KB of text,
right-to-left, zero-width, emoji and combining characters, typed as to-do titles, edits and
chat messages (commands included). All of it is shown as text (no element injected, no
script run), stored and reloaded intact; a limit is said in the UI and refuses the text
whole, with a message, keeping it in its box (never cut)."""
import pytest

from tests.chat.conftest import reply_text, send
from tests.conftest import wait_for_boot
from tests.todos.test_todos_browser import add, item, titles
from tests.ui import saves

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "<iframe src=javascript:alert(4)></iframe>",
    "&lt;b&gt; entities &amp; stay as typed",
    "{{7*7}} ${alert(5)} `backticks`",
]
ODD = [
    "\u05e7\u05e0\u05d4 \u05d7\u05dc\u05d1 (Hebrew, right to left)",
    "\u202eevil override\u202c and \u2067isolate\u2069",
    "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 family \U0001f1eb\U0001f1f7 flag \U0001f44d\U0001f3fd",
    "e\u0301\u0301\u0301 Z\u0336a\u0336l\u0336g\u0336o\u0336",
    "x" * 500,                               # exactly the limit
]
INJECTED = ("document.querySelectorAll('#app img, #app script, #app svg, #app iframe, #app b')"
            ".length")
KB100 = ("0123456789abcdef" * 6400)             # 102,400 characters


@pytest.fixture
def hostile_page(app_page):
    dialogs = []
    app_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    app_page.dialogs = dialogs
    yield app_page
    assert dialogs == [], f"a payload ran: {dialogs}"


def test_payloads_and_odd_titles_are_text_and_survive_a_reload(hostile_page):
    page = hostile_page
    before = page.evaluate(INJECTED)
    for title in PAYLOADS + ODD:
        add(page, title)
    assert titles(page) == PAYLOADS + ODD
    assert page.evaluate(INJECTED) == before
    assert saves.stored_titles(page) == PAYLOADS + ODD
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == PAYLOADS + ODD
    assert page.evaluate(INJECTED) == before
    # Editing one keeps it as text too.
    item(page, PAYLOADS[0]).get_by_role("button", name="Edit").click()
    assert page.get_by_role("textbox", name="Title").input_value() == PAYLOADS[0]
    page.get_by_role("textbox", name="Title").fill(PAYLOADS[1] + ODD[3])
    page.get_by_role("button", name="Save").click()
    page.get_by_role("checkbox", name=PAYLOADS[1] + ODD[3], exact=True).wait_for()
    assert page.evaluate(INJECTED) == before


def test_a_title_over_the_limit_is_refused_whole_with_a_message(hostile_page):
    page = hostile_page
    assert page.locator("#new-todo-hint").inner_text() == "Up to 500 characters."
    box = page.get_by_role("textbox", name="New to-do")
    box.fill(KB100)
    assert len(box.input_value()) == len(KB100)          # nothing cut on the way in
    page.get_by_role("button", name="Add", exact=True).click()
    alert = page.locator("#todos-body [role=alert]")
    assert "at most 500 characters; this one has 102,400" in alert.inner_text()
    assert box.input_value() == KB100                     # still there, whole
    assert titles(page) == [] and saves.stored_titles(page) == []
    # The same in the edit form.
    add(page, "Buy milk")
    item(page, "Buy milk").get_by_role("button", name="Edit").click()
    title = page.get_by_role("textbox", name="Title")
    title.fill(KB100)
    page.get_by_role("button", name="Save").click()
    assert "at most 500 characters" in alert.inner_text()
    assert title.input_value() == KB100
    assert saves.stored_titles(page) == ["Buy milk"]


def test_a_title_with_nothing_visible_is_refused(hostile_page):
    page = hostile_page
    page.get_by_role("textbox", name="New to-do").fill("\u200b\u200d\ufeff")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "something visible" in page.locator("#todos-body [role=alert]").inner_text()
    assert titles(page) == []


def test_chat_messages_and_commands_carrying_payloads_are_text(hostile_page):
    page = hostile_page
    before = page.evaluate(INJECTED)
    assert reply_text(send(page, "add <b>x</b>")) == "Added “<b>x</b>”."
    assert reply_text(send(page, f"add {PAYLOADS[0]}")) == f"Added “{PAYLOADS[0]}”."
    assert reply_text(send(page, f"add {ODD[3]}")) == f"Added “{ODD[3]}”."
    assert reply_text(send(page, "rename <b>x</b> to <script>alert(9)</script>")) == \
        "Renamed “<b>x</b>” to “<script>alert(9)</script>”."
    listed = reply_text(send(page, "what are my to-dos?"))
    for title in ("<script>alert(9)</script>", PAYLOADS[0], ODD[3]):
        assert title in listed
    reply = send(page, PAYLOADS[1] + " " + ODD[1])       # free chat, no model loaded
    assert reply.get_attribute("data-kind") == "no-model"
    assert page.locator(".msg-user .msg-text").last.inner_text() == PAYLOADS[1] + " " + ODD[1]
    assert page.evaluate(INJECTED) == before
    assert titles(page) == ["<script>alert(9)</script>", PAYLOADS[0], ODD[3]]
    page.reload()
    assert wait_for_boot(page) == "ready"
    assert titles(page) == ["<script>alert(9)</script>", PAYLOADS[0], ODD[3]]


def test_chat_limits_are_said_and_keep_the_text(hostile_page):
    page = hostile_page
    assert page.locator("#chat-hint").inner_text() == "Up to 1,000 characters."
    message = page.get_by_role("textbox", name="Message")
    message.fill(KB100)
    page.get_by_role("button", name="Send").click()
    alert = page.locator(".chat-form [role=alert]")
    assert "at most 1,000 characters; this one has 102,400" in alert.inner_text()
    assert message.input_value() == KB100
    assert page.locator(".msg-user").count() == 0               # nothing was sent
    # A command whose title is over the title limit: refused with the reason, nothing added.
    reply = send(page, "add " + "y" * 600)
    assert "at most 500 characters; this one has 600" in reply_text(reply)
    assert titles(page) == []
    assert alert.is_hidden()
