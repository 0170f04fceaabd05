"""The chat in real Chromium before any model is loaded: commands and list questions are
handled by code, and the chat offers to load a model."""
import pytest

from tests.chat.conftest import clear_list, reply_text, send
from tests.conftest import run_py

pytestmark = pytest.mark.browser


def test_controls_have_their_accessible_names(chat_page):
    page = chat_page
    for role, name in (("textbox", "Message"), ("button", "Send"), ("button", "Stop"),
                       ("button", "Regenerate"), ("log", "Conversation")):
        assert page.get_by_role(role, name=name, exact=True).count() == 1, name
    assert page.get_by_role("button", name="Stop").is_disabled()


def test_commands_work_without_a_model_and_are_confirmed(chat_page):
    page = chat_page
    clear_list(page)
    assert reply_text(send(page, "add call mom")) == "Added “call mom”."
    box = page.get_by_role("checkbox", name="call mom", exact=True)
    box.wait_for()
    assert not box.is_checked()
    assert reply_text(send(page, "mark call mom done")) == "Marked “call mom” as done."
    page.wait_for_function("document.querySelector('#todos-body input[type=checkbox]').checked")
    assert reply_text(send(page, "Please delete call mum")) == "Deleted “call mom”."
    box.wait_for(state="detached")


def test_counting_questions_are_answered_without_a_model(chat_page):
    page = chat_page
    clear_list(page)
    for title in ("Buy milk", "Pay rent", "Call mom", "Walk dog", "Email Bob"):
        send(page, f"add {title}")
    page.get_by_role("checkbox", name="Buy milk").check()
    page.get_by_role("checkbox", name="Walk dog").check()
    page.wait_for_function("document.querySelector('.todo-summary').textContent.startsWith('3 open')")
    text = reply_text(send(page, "How many open to-dos do I have?"))
    assert text.startswith("You have 3 open to-dos")


def test_free_chat_offers_to_load_a_model(chat_page):
    page = chat_page
    reply = send(chat_page, "Tell me a joke")
    assert reply.get_attribute("data-kind") == "no-model"
    assert "Load the built-in model" in reply_text(reply)
    assert page.get_by_role("button", name="Load the built-in model").is_visible()
    page.get_by_role("button", name="Get a larger model").click()
    assert page.evaluate("document.activeElement.id") == "models-heading"


SCRIPTED_ENGINE = """
import asyncio
from app.engines.base import Engine, EngineInfo
from app.ui.panels import mounted

class Scripted(Engine):
    # Emits fixed deltas: proves how the panel renders whatever a model says.
    name = "scripted"
    def __init__(self, deltas, delay=0.0):
        self.deltas, self.delay, self.stopped = deltas, delay, False
    async def load(self, *a, **k): pass
    async def chat(self, messages, options=None):
        self.stopped = False
        for d in self.deltas:
            if self.stopped:
                return
            await asyncio.sleep(self.delay)
            yield d
    def stop(self): self.stopped = True
    async def unload(self): pass
    def info(self): return EngineInfo("scripted", "scripted", context_size=2048)
    @property
    def loaded(self): return True
"""


def test_html_in_titles_and_model_replies_is_shown_as_text(chat_page):
    page = chat_page
    clear_list(page)
    xss = "<img src=x onerror=alert(1)>"
    send(page, f"add {xss}")
    assert xss in reply_text(send(page, "what are my to-dos?"))
    run_py(page, SCRIPTED_ENGINE + """
mounted['chat'].set_engine(Scripted(["Here: ", "<img src=x onerror=alert(2)>", "<script>alert(3)",
                                     "</script>", "<b>bold</b>"]))
""")
    try:
        text = reply_text(send(page, "say something"))
        assert text == "Here: <img src=x onerror=alert(2)><script>alert(3)</script><b>bold</b>"
        assert page.evaluate("document.querySelectorAll('#app img, #app script, #app b').length") == 0
        assert page.dialogs == []
    finally:
        run_py(page, "mounted['chat'].set_engine(None)")


FIVE = ("from app.ui.panels import mounted\nimport datetime\n"
        "todos = mounted['todos'].todos\n"
        "today = mounted['chat'].assistant.today()\n"
        "day = lambda n: today + datetime.timedelta(days=n)\n"
        "mounted['chat'].assistant.forget()\n"
        "await todos.add_many([('Buy milk', None), ('Pay rent', day(-2)), ('Call mom', today),\n"
        "                      ('Book dentist appointment', day(4)), ('Call the plumber', None)])\n"
        "len(todos)")


def test_everyday_phrasings_through_the_page(chat_page):
    """The code path as a person uses it: typed into "Message", the list changes on the page."""
    page = chat_page
    clear_list(page)
    assert run_py(page, FIVE) == 5
    first = reply_text(send(page, "What should I do first today?"))
    assert first.startswith("Start with “Pay rent”: it is overdue"), first
    assert reply_text(send(page, "Why that one?")).startswith("Because it is overdue")
    assert reply_text(send(page, "Which of my tasks is about my teeth?")) == \
        "That is “Book dentist appointment” (due " + run_py(
            page, "from app.todos.facts import fmt_date\nfrom app.ui.panels import mounted\n"
                  "a = mounted['chat'].assistant\n"
                  "fmt_date([t for t in a.todos.items if 'dentist' in t.title][0].due, a.today())") + ")."
    assert reply_text(send(page, "I need to get bread too")) == "Added “get bread”."
    page.get_by_role("checkbox", name="get bread", exact=True).wait_for()
    reply = send(page, "delete call")
    assert reply_text(reply).startswith("Which one do you mean") and \
        page.get_by_role("checkbox", name="Call mom", exact=True).count() == 1
    assert reply_text(send(page, "the plumber")) == "Deleted “Call the plumber”."
    page.get_by_role("checkbox", name="Call the plumber", exact=True).wait_for(state="detached")
    assert reply_text(send(page, "i already paid the rent")) == "Marked “Pay rent” as done."
    page.get_by_role("checkbox", name="Pay rent", exact=True).wait_for()
    assert page.get_by_role("checkbox", name="Pay rent", exact=True).is_checked()
    assert reply_text(send(page, "whats next")).startswith("Start with “Call mom”: it is due today")
